/* SPDX-License-Identifier: MIT */
/*
 * userns_nested: even if a nested user namespace could be created (the
 * default policy forbids it; a permissive one may not), the full capability
 * set it grants must not reach anything owned by the instance's namespaces:
 * locked read-only mounts stay read-only and mounted, proc cannot be mounted
 * for a pid namespace we do not own, device nodes cannot be made, and a
 * chroot escape ends at the instance's root. argv[1], when given, is a host
 * path that must stay unreachable.
 */
#include <linux/mount.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/sysmacros.h>

#include "escape.h"

#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

static void write_map(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0)
			esc_append("write %s: %s", path, esc_errname(errno));
		close(fd);
	}
}

static void enter_nested(void)
{
	char map[64];
	uid_t uid = getuid();
	gid_t gid = getgid();

	if (unshare(CLONE_NEWUSER) < 0)
		esc_blocked("unshare(CLONE_NEWUSER): %s, nothing to regain", esc_errname(errno));
	esc_append("nested user namespace created (the premise, not counted)");
	write_map("/proc/self/setgroups", "deny");
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
	write_map("/proc/self/uid_map", map);
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
	write_map("/proc/self/gid_map", map);
	if (unshare(CLONE_NEWNS) < 0)
		esc_append("unshare(CLONE_NEWNS) in it: %s", esc_errname(errno));
}

static void chroot_breakout(const char *host_path)
{
	if (mkdir("/tmp/vmsb-jail", 0700) < 0 && errno != EEXIST)
		return;
	/* chroot is legitimate with the nested namespace's CAP_SYS_CHROOT: only a breakout counts
	 */
	if (chroot("/tmp/vmsb-jail") < 0) {
		esc_append("chroot(/tmp/vmsb-jail): %s", esc_errname(errno));
		return;
	}
	esc_append("chroot(/tmp/vmsb-jail) allowed (own userns)");
	for (int i = 0; i < 64; i++)
		if (chdir("..") < 0)
			break;
	if (chroot(".") < 0)
		esc_append("chroot(.): %s", esc_errname(errno));
	if (access("/opt/escape", F_OK) < 0) {
		esc_tally()->hits++;
		esc_append("after the chroot breakout / is not the instance's root");
	}
	if (host_path && access(host_path, F_OK) == 0) {
		esc_tally()->hits++;
		esc_append("host path '%s' reachable after the chroot breakout", host_path);
	}
}

static int attack(int argc, char **argv)
{
	struct mount_attr attr = {.attr_clr = MOUNT_ATTR_RDONLY};

	esc_need_ro();
	enter_nested();
	if (mkdir("/tmp/vmsb-nest", 0700) < 0 && errno != EEXIST)
		esc_cannot("mkdir /tmp/vmsb-nest: %s", esc_errname(errno));
	ESC_TRY("remount /ro read-write",
		mount(NULL, ESC_RO_DIR, NULL, MS_REMOUNT | MS_BIND, NULL));
	ESC_TRY("mount_setattr(/ro, clear RDONLY)", syscall(SYS_mount_setattr, AT_FDCWD, ESC_RO_DIR,
							    AT_RECURSIVE, &attr, sizeof(attr)));
	ESC_TRY("umount2(/ro, MNT_DETACH) [locked]", umount2(ESC_RO_DIR, MNT_DETACH));
	ESC_TRY("umount2(/proc, MNT_DETACH) [locked]", umount2("/proc", MNT_DETACH));
	if (ESC_TRY("mount(proc)", mount("proc", "/tmp/vmsb-nest", "proc", 0, NULL)) == 0)
		umount2("/tmp/vmsb-nest", MNT_DETACH);
	ESC_TRY("mknod(/tmp/vmsb-mem, c 1:1)",
		mknod("/tmp/vmsb-mem", S_IFCHR | 0600, makedev(1, 1)));
	ESC_TRY("sethostname [uts owned by the instance]", sethostname("vmsb-pwned", 10));
	esc_try_open("/proc/sys/kernel/core_pattern", O_WRONLY);
	esc_check_ro_held("nested userns");
	chroot_breakout(argc > 1 ? argv[1] : NULL);
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
