/* SPDX-License-Identifier: MIT */
/* umount: unmount /ro, /proc and / to uncover what lies beneath them. */
#include <sys/mount.h>

#include "escape.h"

static int attack(int argc, char **argv)
{
	char buf[64];

	(void)argc;
	(void)argv;
	esc_need_ro();
	ESC_TRY("umount2(/ro, 0)", umount2(ESC_RO_DIR, 0));
	ESC_TRY("umount2(/ro, MNT_DETACH)", umount2(ESC_RO_DIR, MNT_DETACH));
	ESC_TRY("umount2(/proc, MNT_DETACH)", umount2("/proc", MNT_DETACH));
	ESC_TRY("umount2(/, MNT_DETACH)", umount2("/", MNT_DETACH));
	/* effect: the view must be intact */
	if (esc_read_file(ESC_RO_FILE, buf, sizeof(buf)) < 0 || strncmp(buf, "original", 8) != 0) {
		esc_tally()->hits++;
		esc_append("/ro/file is gone or changed after the attempts");
	}
	if (access("/proc/self/status", R_OK) < 0) {
		esc_tally()->hits++;
		esc_append("/proc is gone after the attempts");
	}
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
