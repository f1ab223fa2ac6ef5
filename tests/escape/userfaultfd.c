/* SPDX-License-Identifier: MIT */
/* userfaultfd: get a userfaultfd (used to stall the kernel mid-copy in race exploits). */
#include "escape.h"

#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif

static int attack(int argc, char **argv)
{
	long fd;

	(void)argc;
	(void)argv;
	fd = ESC_TRY("userfaultfd(0)", syscall(SYS_userfaultfd, O_CLOEXEC));
	if (fd >= 0)
		close(fd);
	fd = ESC_TRY("userfaultfd(UFFD_USER_MODE_ONLY)",
		     syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY));
	if (fd >= 0)
		close(fd);
	esc_try_open("/dev/userfaultfd", O_RDWR);
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
