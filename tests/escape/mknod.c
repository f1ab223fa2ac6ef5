/* SPDX-License-Identifier: MIT */
/* mknod: create device nodes for /dev/mem (c 1:1) and a disk (b 8:0, b 253:0), then open them. */
#include <sys/sysmacros.h>

#include "escape.h"

static void try_node(const char *path, mode_t type, unsigned maj, unsigned min)
{
	char what[96];

	snprintf(what, sizeof(what), "mknod(%s, %c %u:%u)", path, S_ISCHR(type) ? 'c' : 'b', maj,
		 min);
	if (ESC_TRY(what, mknod(path, type | 0600, makedev(maj, min))) < 0)
		return;
	esc_try_open(path, O_RDONLY); /* nodev on the mount should stop this too */
	unlink(path);
}

static int attack(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	try_node("/tmp/vmsb-mem", S_IFCHR, 1, 1);
	try_node("/tmp/vmsb-sda", S_IFBLK, 8, 0);
	try_node("/tmp/vmsb-vda", S_IFBLK, 253, 0);
	try_node("/dev/shm/vmsb-mem", S_IFCHR, 1, 1);
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
