/* SPDX-License-Identifier: MIT */
/*
 * core_pattern: take over the host's crash handler (core_pattern with a
 * pipe runs a program as root on the host). Opening for writing is already
 * the escape; nothing is ever written. The runner checks the host's value.
 */
#include "escape.h"

static int attack(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	esc_try_open("/proc/sys/kernel/core_pattern", O_WRONLY);
	esc_try_open("/proc/sys/kernel/modprobe", O_WRONLY);
	esc_try_open("/proc/sys/kernel/hotplug", O_WRONLY);
	esc_try_open("/proc/sys/fs/suid_dumpable", O_WRONLY);
	esc_try_open("/proc/sys/vm/drop_caches", O_WRONLY);
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
