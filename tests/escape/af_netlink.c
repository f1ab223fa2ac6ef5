/* SPDX-License-Identifier: MIT */
/*
 * af_netlink: open netlink sockets (route, audit, uevents, netfilter, xfrm,
 * generic). The default policy denies netlink after the loopback setup.
 */
#include <linux/netlink.h>
#include <sys/socket.h>

#include "escape.h"

static int attack(int argc, char **argv)
{
	static const struct {
		int proto;
		const char *name;
	} protos[] = {
		{NETLINK_ROUTE, "socket(AF_NETLINK, NETLINK_ROUTE)"},
		{NETLINK_AUDIT, "socket(AF_NETLINK, NETLINK_AUDIT)"},
		{NETLINK_KOBJECT_UEVENT, "socket(AF_NETLINK, NETLINK_KOBJECT_UEVENT)"},
		{NETLINK_NETFILTER, "socket(AF_NETLINK, NETLINK_NETFILTER)"},
		{NETLINK_XFRM, "socket(AF_NETLINK, NETLINK_XFRM)"},
		{NETLINK_GENERIC, "socket(AF_NETLINK, NETLINK_GENERIC)"},
		{NETLINK_SOCK_DIAG, "socket(AF_NETLINK, NETLINK_SOCK_DIAG)"},
	};

	(void)argc;
	(void)argv;
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		long fd = ESC_TRY(protos[i].name,
				  socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protos[i].proto));

		if (fd >= 0)
			close(fd);
	}
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
