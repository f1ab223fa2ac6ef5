/* SPDX-License-Identifier: MIT */
/*
 * sys_write: open host-wide /sys knobs for writing (uevent helper, power
 * state, cgroup release agents, block device settings). Never writes.
 */
#include <glob.h>

#include "escape.h"

static int attack(int argc, char **argv)
{
	static const char *const paths[] = {
		"/sys/kernel/uevent_helper",
		"/sys/power/state",
		"/sys/kernel/mm/transparent_hugepage/enabled",
		"/sys/class/net/lo/mtu",
		"/sys/kernel/profiling",
		"/sys/module/printk/parameters/time",
	};
	glob_t g;

	(void)argc;
	(void)argv;
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		esc_try_open(paths[i], O_WRONLY);
	if (glob("/sys/fs/cgroup/*/release_agent", 0, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc; i++)
			esc_try_open(g.gl_pathv[i], O_WRONLY);
		globfree(&g);
	}
	if (glob("/sys/block/*/queue/scheduler", 0, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc; i++)
			esc_try_open(g.gl_pathv[i], O_WRONLY);
		globfree(&g);
	}
	if (access("/sys", F_OK) < 0)
		esc_append("/sys: %s", esc_errname(errno));
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
