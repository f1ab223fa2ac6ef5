/* SPDX-License-Identifier: MIT */
/* af_packet: open packet sockets (raw link-layer access, a recurring source of kernel bugs). */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <sys/socket.h>

#include "escape.h"

static int attack(int argc, char **argv)
{
	long fd;

	(void)argc;
	(void)argv;
	fd = ESC_TRY("socket(AF_PACKET, SOCK_RAW)",
		     socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL)));
	if (fd >= 0)
		close(fd);
	fd = ESC_TRY("socket(AF_PACKET, SOCK_DGRAM)",
		     socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_IP)));
	if (fd >= 0)
		close(fd);
	fd = ESC_TRY("socket(AF_INET, SOCK_PACKET)",
		     socket(AF_INET, SOCK_PACKET | SOCK_CLOEXEC, htons(ETH_P_ALL)));
	if (fd >= 0)
		close(fd);
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
