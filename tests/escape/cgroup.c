/* SPDX-License-Identifier: MIT */
/*
 * cgroup: leave the instance's cgroup or take over a hierarchy: mount
 * cgroup v1 (the release_agent escape, CVE-2022-0492) and v2, and write our
 * pid into any cgroup.procs or tasks file reachable under /sys/fs/cgroup.
 */
#include <glob.h>
#include <sys/mount.h>

#include "escape.h"

static void try_mount(const char *what, const char *type, const char *opts)
{
	if (ESC_TRY(what, mount("cgroup", "/tmp/vmsb-cg", type, 0, opts)) == 0) {
		esc_try_open("/tmp/vmsb-cg/release_agent", O_WRONLY);
		umount2("/tmp/vmsb-cg", MNT_DETACH);
	}
}

static void try_glob(const char *pattern)
{
	glob_t g;

	if (glob(pattern, 0, NULL, &g) != 0)
		return;
	for (size_t i = 0; i < g.gl_pathc; i++)
		esc_try_open(g.gl_pathv[i], O_WRONLY);
	globfree(&g);
}

static int attack(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (mkdir("/tmp/vmsb-cg", 0700) < 0 && errno != EEXIST)
		esc_cannot("mkdir /tmp/vmsb-cg: %s", esc_errname(errno));
	try_mount("mount(cgroup v1, rdma)", "cgroup", "rdma");
	try_mount("mount(cgroup v1, memory)", "cgroup", "memory");
	try_mount("mount(cgroup v1, none,name=x)", "cgroup", "none,name=vmsb");
	try_mount("mount(cgroup2)", "cgroup2", NULL);
	try_glob("/sys/fs/cgroup/cgroup.procs");
	try_glob("/sys/fs/cgroup/*/cgroup.procs");
	try_glob("/sys/fs/cgroup/*/tasks");
	try_glob("/sys/fs/cgroup/*/release_agent");
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
