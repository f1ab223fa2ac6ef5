/* SPDX-License-Identifier: MIT */
/*
 * proc_mem_init: reach pid 1 (a clone of the supervisor, holding its memory
 * and fds) through /proc: /proc/1/mem, maps, its fd table and exe link.
 */
#include <dirent.h>

#include "escape.h"

static int attack(int argc, char **argv)
{
	char link[256];
	DIR *d;

	(void)argc;
	(void)argv;
	esc_try_open("/proc/1/mem", O_RDWR);
	esc_try_open("/proc/1/mem", O_RDONLY);
	esc_try_open("/proc/1/maps", O_RDONLY);
	esc_try_open("/proc/1/auxv", O_RDONLY);
	esc_try_open("/proc/1/syscall", O_RDONLY);
	ESC_TRY("readlink(/proc/1/exe)", readlink("/proc/1/exe", link, sizeof(link)));
	esc_begin("opendir(/proc/1/fd)");
	d = opendir("/proc/1/fd");
	esc_note("opendir(/proc/1/fd)", d ? 0 : -1, errno);
	if (d)
		closedir(d);
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
