/* SPDX-License-Identifier: MIT */
/* sock_raw: open raw IP sockets (forged packets; needs CAP_NET_RAW). */
#include <netinet/in.h>
#include <sys/socket.h>

#include "escape.h"

static int attack(int argc, char **argv)
{
	long fd;

	(void)argc;
	(void)argv;
	fd = ESC_TRY("socket(AF_INET, SOCK_RAW, ICMP)",
		     socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP));
	if (fd >= 0)
		close(fd);
	fd = ESC_TRY("socket(AF_INET, SOCK_RAW, RAW)",
		     socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW));
	if (fd >= 0)
		close(fd);
	fd = ESC_TRY("socket(AF_INET6, SOCK_RAW, ICMPV6)",
		     socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6));
	if (fd >= 0)
		close(fd);
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
