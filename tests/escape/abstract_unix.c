/* SPDX-License-Identifier: MIT */
/*
 * abstract_unix: connect to an abstract unix socket the runner listens on
 * in the host's network namespace (name in argv[1], without the leading
 * NUL). Abstract names belong to a network namespace: this must fail, and
 * the runner checks the listener saw nothing. Also tries the D-Bus and
 * systemd abstract sockets a host commonly has.
 */
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "escape.h"

static void try_abstract(const char *name, int type)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t n = strnlen(name, sizeof(sa.sun_path) - 1);
	char what[160];
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		esc_append("socket(AF_UNIX): %s", esc_errname(errno));
		return;
	}
	memcpy(sa.sun_path + 1, name, n);
	snprintf(what, sizeof(what), "connect(@%.100s, %s)", name,
		 type == SOCK_STREAM ? "stream" : "seqpacket");
	ESC_TRY(what, connect(fd, (struct sockaddr *)&sa,
			      (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n)));
	close(fd);
}

static int attack(int argc, char **argv)
{
	if (argc < 2)
		esc_cannot("usage: abstract_unix NAME");
	try_abstract(argv[1], SOCK_STREAM);
	try_abstract(argv[1], SOCK_SEQPACKET);
	try_abstract("/tmp/.X11-unix/X0", SOCK_STREAM);
	try_abstract("/org/freedesktop/systemd1/notify", SOCK_STREAM);
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
