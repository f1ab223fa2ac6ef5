/* SPDX-License-Identifier: MIT */
/* sysrq: open the magic SysRq trigger (reboot, crash, kill all). Never writes to it. */
#include "escape.h"

static int attack(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	esc_try_open("/proc/sysrq-trigger", O_WRONLY);
	esc_try_open("/proc/sys/kernel/sysrq", O_WRONLY);
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
