/* SPDX-License-Identifier: MIT */
/*
 * process_vm_init: read and write the memory of pid 1 with process_vm_readv
 * and process_vm_writev. The kernel checks access before the addresses, so
 * EFAULT would mean the access check passed (the write targets address 1,
 * which can never be mapped: nothing is ever written).
 */
#include <sys/uio.h>

#include "escape.h"

static unsigned long first_readable(void)
{
	char buf[4096];
	unsigned long start = 0;

	if (esc_read_file("/proc/1/maps", buf, sizeof(buf)) > 0)
		sscanf(buf, "%lx-", &start);
	return start ? start : 0x400000UL;
}

static int attack(int argc, char **argv)
{
	char local[16];
	struct iovec l = {local, sizeof(local)};
	struct iovec r = {(void *)first_readable(), sizeof(local)};
	struct iovec bad = {(void *)1, 1};

	(void)argc;
	(void)argv;
	ESC_TRY_STRICT("process_vm_readv(1)", process_vm_readv(1, &l, 1, &r, 1, 0));
	ESC_TRY_STRICT("process_vm_writev(1, address 1)", process_vm_writev(1, &l, 1, &bad, 1, 0));
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
