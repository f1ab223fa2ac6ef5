/* SPDX-License-Identifier: MIT */
/*
 * fchdir_leak: walk out of the view through a leaked directory fd (the
 * runner opens fd 9 on a host directory holding a marker file, whose name
 * is argv[1]): fchdir to every fd, and openat through it.
 */
#include "escape.h"

static int attack(int argc, char **argv)
{
	const char *marker = argc > 1 ? argv[1] : "vmsb-host-marker";
	char what[96];
	int tried = 0;

	for (int fd = 3; fd < 1024; fd++) {
		int m;

		if (fcntl(fd, F_GETFD) < 0)
			continue;
		tried++;
		snprintf(what, sizeof(what), "fchdir(%d)", fd);
		ESC_TRY(what, fchdir(fd));
		snprintf(what, sizeof(what), "openat(%d, '%s')", fd, marker);
		m = ESC_TRY(what, openat(fd, marker, O_RDONLY | O_CLOEXEC));
		if (m >= 0)
			close(m);
	}
	/* and the marker must not simply be visible by name from the cwd */
	if (access(marker, F_OK) == 0) {
		esc_tally()->hits++;
		esc_append("host marker '%s' visible from the working directory", marker);
	}
	if (tried == 0 && esc_tally()->hits == 0)
		esc_blocked("no fd beyond 0-2 to fchdir through; marker not reachable");
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
