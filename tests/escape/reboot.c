/* SPDX-License-Identifier: MIT */
/*
 * reboot: reboot(2) needs CAP_SYS_BOOT. Only the harmless command that
 * turns Ctrl-Alt-Del handling off is tried.
 */
#include <linux/reboot.h>

#include "escape.h"

static int attack(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	ESC_TRY("reboot(CAD_OFF)", syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
					   LINUX_REBOOT_CMD_CAD_OFF, NULL));
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
