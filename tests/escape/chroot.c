/* SPDX-License-Identifier: MIT */
/*
 * chroot: the classic chroot breakout (chroot into a subdirectory, climb
 * with "..", chroot("."), which needs CAP_SYS_CHROOT), then look for a host
 * marker path (argv[1]). chroot must fail: no capabilities are kept.
 */
#include "escape.h"

static int attack(int argc, char **argv)
{
	if (argc < 2)
		esc_cannot("usage: chroot HOST-MARKER-PATH");
	if (mkdir("/tmp/vmsb-jail", 0700) < 0 && errno != EEXIST)
		esc_cannot("mkdir /tmp/vmsb-jail: %s", esc_errname(errno));
	if (ESC_TRY("chroot(/tmp/vmsb-jail)", chroot("/tmp/vmsb-jail")) == 0) {
		for (int i = 0; i < 64; i++)
			if (chdir("..") < 0)
				break;
		ESC_TRY("chroot(.) after climbing", chroot("."));
		if (access(argv[1], F_OK) == 0) {
			esc_tally()->hits++;
			esc_append("host marker '%s' reachable", argv[1]);
		}
	}
	ESC_TRY("chroot(/)", chroot("/"));
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
