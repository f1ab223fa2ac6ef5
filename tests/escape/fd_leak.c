/* SPDX-License-Identifier: MIT */
/*
 * fd_leak: look for file descriptors inherited from the caller. The runner
 * opens fd 5 (a host file) and fd 9 (a host directory) before starting the
 * instance; inside, nothing but 0-2 may be open.
 */
#include <dirent.h>

#include "escape.h"

static int attack(int argc, char **argv)
{
	DIR *d;
	struct dirent *e;
	char what[64];

	(void)argc;
	(void)argv;
	/* before opening anything ourselves: fds 3..1023 must all be closed */
	for (int fd = 3; fd < 1024; fd++) {
		if (fcntl(fd, F_GETFD) < 0)
			continue;
		snprintf(what, sizeof(what), "fcntl(%d, F_GETFD)", fd);
		esc_note(what, fd, 0);
	}
	d = opendir("/proc/self/fd");
	if (!d)
		esc_cannot("opendir /proc/self/fd: %s", esc_errname(errno));
	while ((e = readdir(d))) {
		int fd = atoi(e->d_name);

		if (e->d_name[0] == '.' || fd <= 2 || fd == dirfd(d) || fd < 1024)
			continue; /* below 1024 the fcntl scan already judged */
		snprintf(what, sizeof(what), "/proc/self/fd/%d exists", fd);
		esc_note(what, fd, 0);
	}
	closedir(d);
	if (esc_tally()->hits == 0)
		esc_blocked("fds 3..1023 all closed, /proc/self/fd lists only 0-2");
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
