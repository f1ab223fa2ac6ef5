/* SPDX-License-Identifier: MIT */
/*
 * tcp_host: connect to a TCP listener the runner started on the host's
 * loopback (port in argv[1]). The instance's 127.0.0.1 is its own: the
 * connection must fail, and the runner checks the listener saw nothing.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "escape.h"

static void try_connect(const char *what, int family, const void *addr, socklen_t len)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		esc_append("socket for %s: %s", what, esc_errname(errno));
		return;
	}
	ESC_TRY(what, connect(fd, addr, len));
	close(fd);
}

static int attack(int argc, char **argv)
{
	struct sockaddr_in in4 = {.sin_family = AF_INET};
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	int port;

	if (argc < 2 || (port = atoi(argv[1])) <= 0 || port > 65535)
		esc_cannot("usage: tcp_host PORT");
	in4.sin_port = htons((uint16_t)port);
	in6.sin6_port = in4.sin_port;
	in4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	try_connect("connect(127.0.0.1)", AF_INET, &in4, sizeof(in4));
	inet_pton(AF_INET, "127.0.0.2", &in4.sin_addr);
	try_connect("connect(127.0.0.2)", AF_INET, &in4, sizeof(in4));
	try_connect("connect([::1])", AF_INET6, &in6, sizeof(in6));
	in6.sin6_addr = (struct in6_addr)IN6ADDR_ANY_INIT;
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &in6.sin6_addr);
	try_connect("connect([::ffff:127.0.0.1])", AF_INET6, &in6, sizeof(in6));
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
