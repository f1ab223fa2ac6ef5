/* SPDX-License-Identifier: MIT */
/*
 * io_uring: set up a ring. io_uring operations bypass seccomp entirely (the
 * kernel performs them without syscalls), so the setup itself must fail.
 * If it does not, submit an IORING_OP_OPENAT of a file to show the bypass.
 */
#include <linux/io_uring.h>

#include "escape.h"

static int attack(int argc, char **argv)
{
	struct io_uring_params p;
	long fd;

	(void)argc;
	(void)argv;
	memset(&p, 0, sizeof(p));
	fd = ESC_TRY("io_uring_setup(8)", syscall(SYS_io_uring_setup, 8, &p));
	if (fd >= 0) {
		/* enter/register also must not work, but the ring is already an escape */
		ESC_TRY("io_uring_register(PROBE)",
			syscall(SYS_io_uring_register, (int)fd, IORING_REGISTER_PROBE, NULL, 0));
		close(fd);
	}
	ESC_TRY("io_uring_enter(bad fd)", syscall(SYS_io_uring_enter, -1, 0, 0, 0, NULL, 0));
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
