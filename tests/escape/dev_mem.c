/* SPDX-License-Identifier: MIT */
/* dev_mem: open physical memory and I/O ports (/dev/mem, /dev/kmem, /dev/port). */
#include "escape.h"

static int attack(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	esc_try_open("/dev/mem", O_RDONLY);
	esc_try_open("/dev/kmem", O_RDONLY);
	esc_try_open("/dev/port", O_RDONLY);
	esc_try_open("/dev/cpu/0/msr", O_RDONLY);
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
