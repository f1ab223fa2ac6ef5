/* SPDX-License-Identifier: MIT */
/*
 * tioclinux: paste the console selection into the terminal's input with
 * TIOCLINUX (subcode 3), and try the virtual consoles directly.
 */
#include <sys/ioctl.h>

#include "escape.h"

static int ttys;

static void try_fd(int fd, const char *label)
{
	char what[96];
	char sub;

	if (!isatty(fd))
		return;
	ttys++;
	sub = 3; /* TIOCL_PASTESEL */
	snprintf(what, sizeof(what), "ioctl(%s, TIOCLINUX, PASTESEL)", label);
	ESC_TRY(what, ioctl(fd, TIOCLINUX, &sub));
	sub = 7; /* TIOCL_GETMOUSEREPORTING: a read, reaches the VT code all the same */
	snprintf(what, sizeof(what), "ioctl(%s, TIOCLINUX, GETMOUSEREPORTING)", label);
	ESC_TRY(what, ioctl(fd, TIOCLINUX, &sub));
}

static int attack(int argc, char **argv)
{
	static const char *const consoles[] = {"/dev/tty", "/dev/tty0", "/dev/tty1",
					       "/dev/console"};

	(void)argc;
	(void)argv;
	try_fd(0, "fd 0");
	try_fd(1, "fd 1");
	try_fd(2, "fd 2");
	for (size_t i = 0; i < sizeof(consoles) / sizeof(consoles[0]); i++) {
		int fd = open(consoles[i], O_RDWR | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

		if (fd < 0) {
			esc_append("open(%s): %s", consoles[i], esc_errname(errno));
			continue;
		}
		try_fd(fd, consoles[i]);
		close(fd);
	}
	if (ttys == 0)
		esc_append("no terminal reachable from inside");
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
