/* SPDX-License-Identifier: MIT */
/* finit_module: load a kernel module from a file descriptor. */
#include "escape.h"

static int attack(int argc, char **argv)
{
	int fd;

	(void)argc;
	fd = open(argv[0], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		esc_cannot("open own binary: %s", esc_errname(errno));
	/* our own ELF is no module: past the capability check the kernel says ENOEXEC */
	ESC_TRY_STRICT("finit_module(own binary)", syscall(SYS_finit_module, fd, "", 0));
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
