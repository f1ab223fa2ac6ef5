/* SPDX-License-Identifier: MIT */
/* delete_module: unload a kernel module (a name that does not exist: harmless either way). */
#include "escape.h"

static int attack(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	/* ENOENT would mean the capability check passed and the kernel looked the name up */
	ESC_TRY_STRICT("delete_module(vmsb_absent)",
		       syscall(SYS_delete_module, "vmsb_absent", O_NONBLOCK));
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
