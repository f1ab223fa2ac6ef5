/* SPDX-License-Identifier: MIT */
/*
 * tiocsti: push characters into the input queue of the inherited terminal
 * with TIOCSTI, which the caller's shell would read after the sandbox exits.
 * The runner starts the instance under a pty. Tries fds 0-2 and /dev/tty.
 * What gets injected is echoed by the pty, so the runner also looks for the
 * marker in the terminal's output.
 */
#include <sys/ioctl.h>

#include "escape.h"

static int ttys;

/* A shell comment without a newline: harmless even if it reached a shell. */
static const char marker[] = {'#', 'V', 'M', 'S', 'B', 'I', 'N', 'J', '\0'};

static long inject(int fd)
{
	for (const char *p = marker; *p; p++)
		if (ioctl(fd, TIOCSTI, p) < 0)
			return -1;
	return 0;
}

static void try_fd(int fd, const char *label)
{
	char what[96];

	if (!isatty(fd))
		return;
	ttys++;
	snprintf(what, sizeof(what), "ioctl(%s, TIOCSTI)", label);
	ESC_TRY(what, inject(fd));
}

static int attack(int argc, char **argv)
{
	int fd;

	(void)argc;
	(void)argv;
	try_fd(0, "fd 0");
	try_fd(1, "fd 1");
	try_fd(2, "fd 2");
	fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd >= 0) {
		try_fd(fd, "/dev/tty");
		close(fd);
	} else {
		esc_append("open(/dev/tty): %s", esc_errname(errno));
	}
	if (ttys == 0)
		esc_append("no terminal reachable from inside");
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
