/* SPDX-License-Identifier: MIT */
/* mount_setattr: clear the read-only, nosuid and nodev flags of mounts in the view. */
#include <linux/mount.h>

#include "escape.h"

#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

static void try_clear(const char *what, const char *path, unsigned long long clr)
{
	struct mount_attr attr = {.attr_clr = clr};

	ESC_TRY(what,
		syscall(SYS_mount_setattr, AT_FDCWD, path, AT_RECURSIVE, &attr, sizeof(attr)));
}

static int attack(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	esc_need_ro();
	try_clear("mount_setattr(/ro, clear RDONLY)", ESC_RO_DIR, MOUNT_ATTR_RDONLY);
	try_clear("mount_setattr(/usr, clear RDONLY)", "/usr", MOUNT_ATTR_RDONLY);
	try_clear("mount_setattr(/tmp, clear NOSUID|NODEV)", "/tmp",
		  MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	esc_check_ro_held("mount_setattr");
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
