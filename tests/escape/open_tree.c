/* SPDX-License-Identifier: MIT */
/* open_tree: clone a mount tree (OPEN_TREE_CLONE) and move_mount it or an existing mount. */
#include <linux/mount.h>

#include "escape.h"

#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

static int attack(int argc, char **argv)
{
	const char *dir = "/tmp/vmsb-tree";
	long fd;

	(void)argc;
	(void)argv;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		esc_cannot("mkdir %s: %s", dir, esc_errname(errno));
	fd = ESC_TRY("open_tree(/, CLONE|RECURSIVE)",
		     syscall(SYS_open_tree, AT_FDCWD, "/",
			     OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE));
	if (fd >= 0) {
		ESC_TRY("move_mount(clone of / -> /tmp/vmsb-tree)",
			syscall(SYS_move_mount, (int)fd, "", AT_FDCWD, dir,
				MOVE_MOUNT_F_EMPTY_PATH));
		close(fd);
	}
	fd = ESC_TRY("open_tree(/ro, CLONE)",
		     syscall(SYS_open_tree, AT_FDCWD, "/ro", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
	if (fd >= 0)
		close(fd);
	ESC_TRY("move_mount(/ro -> /tmp/vmsb-tree)",
		syscall(SYS_move_mount, AT_FDCWD, "/ro", AT_FDCWD, dir, 0));
	ESC_TRY("move_mount(/proc -> /tmp/vmsb-tree)",
		syscall(SYS_move_mount, AT_FDCWD, "/proc", AT_FDCWD, dir, 0));
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
