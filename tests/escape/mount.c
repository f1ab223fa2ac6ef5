/* SPDX-License-Identifier: MIT */
/* mount: mount tmpfs, proc, sysfs, a bind of / and change propagation with mount(2). */
#include <sys/mount.h>

#include "escape.h"

static void try_mount(const char *what, const char *src, const char *dst, const char *type,
		      unsigned long flags, const char *data)
{
	if (ESC_TRY(what, mount(src, dst, type, flags, data)) == 0)
		umount2(dst, MNT_DETACH);
}

static int attack(int argc, char **argv)
{
	const char *dir = "/tmp/vmsb-mnt";

	(void)argc;
	(void)argv;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		esc_cannot("mkdir %s: %s", dir, esc_errname(errno));
	try_mount("mount(tmpfs)", "none", dir, "tmpfs", 0, "size=1M");
	try_mount("mount(proc)", "proc", dir, "proc", 0, NULL);
	try_mount("mount(sysfs)", "sysfs", dir, "sysfs", 0, NULL);
	try_mount("mount(devpts)", "devpts", dir, "devpts", 0, "newinstance");
	try_mount("mount(bind /)", "/", dir, NULL, MS_BIND | MS_REC, NULL);
	ESC_TRY("mount(/, MS_SHARED)", mount(NULL, "/", NULL, MS_SHARED | MS_REC, NULL));
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
