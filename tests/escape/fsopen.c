/* SPDX-License-Identifier: MIT */
/* fsopen: build and attach a new filesystem with the new mount API (fsopen/fsconfig/fsmount). */
#include <linux/mount.h>

#include "escape.h"

static int attack(int argc, char **argv)
{
	static const char *const types[] = {"tmpfs", "proc", "sysfs", "cgroup2"};
	long fs, mnt;

	(void)argc;
	(void)argv;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		char what[64];

		snprintf(what, sizeof(what), "fsopen(%s)", types[i]);
		fs = ESC_TRY(what, syscall(SYS_fsopen, types[i], FSOPEN_CLOEXEC));
		if (fs < 0)
			continue;
		ESC_TRY("fsconfig(CREATE)",
			syscall(SYS_fsconfig, (int)fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0));
		mnt = ESC_TRY("fsmount", syscall(SYS_fsmount, (int)fs, FSMOUNT_CLOEXEC, 0));
		if (mnt >= 0)
			close(mnt);
		close(fs);
	}
	/* fspick reopens an existing superblock for reconfiguration (e.g. drop "ro") */
	fs = ESC_TRY("fspick(/ro)", syscall(SYS_fspick, AT_FDCWD, "/ro", FSPICK_CLOEXEC));
	if (fs >= 0)
		close(fs);
	fs = ESC_TRY("fspick(/)", syscall(SYS_fspick, AT_FDCWD, "/", FSPICK_CLOEXEC));
	if (fs >= 0)
		close(fs);
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
