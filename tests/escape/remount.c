/* SPDX-License-Identifier: MIT */
/* remount: remount the read-only bind /ro (and /usr) read-write, then write to it. */
#include <sys/mount.h>

#include "escape.h"

static int attack(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	esc_need_ro();
	ESC_TRY("mount(/ro, MS_REMOUNT|MS_BIND)",
		mount(NULL, ESC_RO_DIR, NULL, MS_REMOUNT | MS_BIND, NULL));
	ESC_TRY("mount(/ro, MS_REMOUNT)", mount(NULL, ESC_RO_DIR, NULL, MS_REMOUNT, NULL));
	ESC_TRY("mount(/usr, MS_REMOUNT|MS_BIND)",
		mount(NULL, "/usr", NULL, MS_REMOUNT | MS_BIND, NULL));
	ESC_TRY("mount(/tmp, MS_REMOUNT|MS_BIND, suid)",
		mount(NULL, "/tmp", NULL, MS_REMOUNT | MS_BIND, NULL));
	esc_check_ro_held("remount");
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
