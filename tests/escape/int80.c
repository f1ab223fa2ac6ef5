/* SPDX-License-Identifier: MIT */
/*
 * int80: make i386 system calls with int $0x80 from a 64-bit process. They
 * use the i386 numbering (20 = getpid, 310 = unshare) and AUDIT_ARCH_I386;
 * a native-only filter must kill them with SIGSYS.
 */
#include <sched.h>

#include "escape.h"

static long int80(long nr, long a1)
{
	long ret;

	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a1) : "memory", "cc");
	return ret;
}

static int attack(int argc, char **argv)
{
	long r;

	(void)argc;
	(void)argv;
	esc_begin("i386 getpid (int $0x80, nr 20)");
	r = int80(20, 0);
	if (r >= 0)
		esc_escaped("i386 getpid returned %ld: i386 calls pass the filter", r);
	esc_append("i386 getpid returned %s", esc_errname((int)-r));
	esc_begin("i386 unshare(CLONE_NEWUSER) (int $0x80, nr 310)");
	r = int80(310, CLONE_NEWUSER);
	if (r >= 0)
		esc_escaped("i386 unshare(CLONE_NEWUSER) succeeded");
	esc_append("i386 unshare returned %s", esc_errname((int)-r));
	esc_escaped("%s; not killed by SIGSYS, so i386 calls reach the kernel", esc_tally()->log);
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
