/* SPDX-License-Identifier: MIT */
/*
 * x32: call getpid and unshare with x32 numbers (nr | 0x40000000). They are
 * the same instruction and the same AUDIT_ARCH_X86_64 as native calls, so a
 * filter that only compares numbers would wave them through; the filter
 * must kill them (SIGSYS), even on a kernel built without x32, where a call
 * that got past it would still answer ENOSYS.
 */
#include <sched.h>

#include "escape.h"

#define X32_BIT 0x40000000L

static int attack(int argc, char **argv)
{
	long r;

	(void)argc;
	(void)argv;
	esc_begin("x32 getpid");
	errno = 0;
	r = syscall(X32_BIT | SYS_getpid);
	if (r >= 0)
		esc_escaped("x32 getpid returned %ld: x32 calls pass the filter", r);
	esc_append("x32 getpid returned -1 %s", esc_errname(errno));
	esc_begin("x32 unshare(CLONE_NEWUSER)");
	errno = 0;
	r = syscall(X32_BIT | SYS_unshare, CLONE_NEWUSER);
	if (r >= 0)
		esc_escaped("x32 unshare(CLONE_NEWUSER) succeeded");
	esc_append("x32 unshare returned -1 %s", esc_errname(errno));
	/* alive: the calls reached the kernel instead of being killed by the filter */
	esc_escaped("%s; not killed by SIGSYS, so x32 numbers pass the seccomp filter",
		    esc_tally()->log);
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
