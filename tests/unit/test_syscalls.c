/* SPDX-License-Identifier: MIT */
#include <criterion/criterion.h>
#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "common/cleanup.h"
#include "policy/syscalls.h"
#include "tests/unit/policy_test_util.h"

/* Syscalls no allow-side group may contain: the default's deny list. */
static const char *const forbidden[] = {
	DEFAULT_EPERM_DENIED,
	/* and more that stay out of every allow-side group (see policy/syscalls.c) */
	"clock_adjtime",
	"personality",
	"clone3",
	"pidfd_getfd",
	"modify_ldt",
	"seccomp",
};

/* Collects the syscall names reachable from a group, following nested groups. */
static void collect(const struct syscall_group *g, const char **out, size_t *n, size_t max,
		    unsigned depth)
{
	const char *const *m;

	cr_assert_lt(depth, 8, "groups nest too deeply at %s", g->name);
	for (m = g->syscalls; *m; m++) {
		if ((*m)[0] == '@') {
			const struct syscall_group *sub = syscall_group_find(*m);

			cr_assert_not_null(sub, "%s names unknown group %s", g->name, *m);
			collect(sub, out, n, max, depth + 1);
			continue;
		}
		cr_assert_lt(*n, max);
		out[(*n)++] = *m;
	}
}

Test(syscalls, group_table_is_sorted_and_unique)
{
	size_t n, i;
	const struct syscall_group *t = syscall_group_table(&n);

	cr_assert_gt(n, 10);
	for (i = 1; i < n; i++)
		cr_expect_lt(strcmp(t[i - 1].name, t[i].name), 0, "%s before %s", t[i - 1].name,
			     t[i].name);
}

Test(syscalls, every_group_has_a_name_and_help)
{
	size_t n, i;
	const struct syscall_group *t = syscall_group_table(&n);

	for (i = 0; i < n; i++) {
		cr_expect_eq(t[i].name[0], '@', "%s", t[i].name);
		cr_expect_gt(strlen(t[i].help), 10, "%s has no help", t[i].name);
		cr_expect_not_null(t[i].syscalls[0], "%s is empty", t[i].name);
	}
}

Test(syscalls, every_member_resolves_on_x86_64_and_is_listed_once)
{
	size_t n, i;
	const struct syscall_group *t = syscall_group_table(&n);

	for (i = 0; i < n; i++) {
		const char *const *m, *const *k;

		for (m = t[i].syscalls; *m; m++) {
			for (k = t[i].syscalls; k != m; k++)
				cr_expect_str_neq(*k, *m, "%s lists %s twice", t[i].name, *m);
			if ((*m)[0] == '@') {
				cr_expect_not_null(syscall_group_find(*m), "%s: %s", t[i].name, *m);
				continue;
			}
			cr_expect_geq(seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, *m), 0,
				      "%s: %s does not resolve on x86_64", t[i].name, *m);
		}
	}
}

Test(syscalls, find_returns_the_group_or_null)
{
	const struct syscall_group *g = syscall_group_find("@io-uring");

	cr_assert_not_null(g);
	cr_expect_str_eq(g->name, "@io-uring");
	cr_expect_null(syscall_group_find("@nosuch"));
	cr_expect_null(syscall_group_find("io-uring"));
	cr_expect_null(syscall_group_find(NULL));
}

Test(syscalls, default_group_never_allows_dangerous_syscalls)
{
	static const char *all[2048];
	size_t n = 0, i, j;

	collect(syscall_group_find("@default"), all, &n, ARRAY_SIZE(all), 0);
	cr_assert_gt(n, 200);
	for (i = 0; i < n; i++)
		for (j = 0; j < ARRAY_SIZE(forbidden); j++)
			cr_expect_str_neq(all[i], forbidden[j], "@default contains %s", all[i]);
}

Test(syscalls, default_group_covers_what_ordinary_programs_use)
{
	static const char *const needed[] = {
		"execve",
		"clone",
		"vfork",
		"wait4",
		"read",
		"write",
		"openat",
		"newfstatat",
		"statx",
		"mmap",
		"mprotect",
		"brk",
		"rt_sigaction",
		"rt_sigreturn",
		"futex",
		"getrandom",
		"ioctl",
		"prlimit64",
		"rseq",
		"set_robust_list",
		"arch_prctl",
		"pipe2",
		"dup2",
		"getdents64",
		"exit_group",
		"restart_syscall",
		"clock_nanosleep",
	};
	static const char *all[2048];
	size_t n = 0, i, j;

	collect(syscall_group_find("@default"), all, &n, ARRAY_SIZE(all), 0);
	for (j = 0; j < ARRAY_SIZE(needed); j++) {
		bool found = false;

		for (i = 0; i < n; i++)
			found = found || strcmp(all[i], needed[j]) == 0;
		cr_expect(found, "@default lacks %s", needed[j]);
	}
}

Test(syscalls, constants_have_the_abi_values)
{
	unsigned long long v = 0;

	cr_expect_eq(syscall_constant_find("TIOCSTI", &v), 0);
	cr_expect_eq(v, TIOCSTI);
	cr_expect_eq(syscall_constant_find("TIOCLINUX", &v), 0);
	cr_expect_eq(v, 0x541C);
	cr_expect_eq(syscall_constant_find("CLONE_NEWUSER", &v), 0);
	cr_expect_eq(v, CLONE_NEWUSER);
	cr_expect_eq(syscall_constant_find("AF_NETLINK", &v), 0);
	cr_expect_eq(v, AF_NETLINK);
	cr_expect_eq(syscall_constant_find("SOCK_RAW", &v), 0);
	cr_expect_eq(v, SOCK_RAW);
	cr_expect_eq(syscall_constant_find("AF_BOGUS", &v), -ENOENT);
	cr_expect_eq(syscall_constant_find("tiocsti", &v), -ENOENT, "names are case-sensitive");
}

/* bsearch finds every entry only if the table is sorted: look each one up. */
Test(syscalls, every_documented_constant_is_found)
{
	static const char *const names[] = {
		"AF_ALG",
		"AF_APPLETALK",
		"AF_AX25",
		"AF_BLUETOOTH",
		"AF_CAN",
		"AF_INET",
		"AF_INET6",
		"AF_KEY",
		"AF_LLC",
		"AF_LOCAL",
		"AF_NETLINK",
		"AF_PACKET",
		"AF_RDS",
		"AF_TIPC",
		"AF_UNIX",
		"AF_UNSPEC",
		"AF_VSOCK",
		"AF_X25",
		"AF_XDP",
		"CLONE_FILES",
		"CLONE_FS",
		"CLONE_NEWCGROUP",
		"CLONE_NEWIPC",
		"CLONE_NEWNET",
		"CLONE_NEWNS",
		"CLONE_NEWPID",
		"CLONE_NEWTIME",
		"CLONE_NEWUSER",
		"CLONE_NEWUTS",
		"CLONE_THREAD",
		"CLONE_VM",
		"MAP_ANONYMOUS",
		"MAP_FIXED",
		"MAP_FIXED_NOREPLACE",
		"MAP_GROWSDOWN",
		"MAP_HUGETLB",
		"MAP_PRIVATE",
		"MAP_SHARED",
		"MAP_SHARED_VALIDATE",
		"O_APPEND",
		"O_CREAT",
		"O_RDONLY",
		"O_RDWR",
		"O_TRUNC",
		"O_WRONLY",
		"PROT_EXEC",
		"PROT_NONE",
		"PROT_READ",
		"PROT_WRITE",
		"SOCK_CLOEXEC",
		"SOCK_DGRAM",
		"SOCK_NONBLOCK",
		"SOCK_PACKET",
		"SOCK_RAW",
		"SOCK_SEQPACKET",
		"SOCK_STREAM",
		"TIOCLINUX",
		"TIOCSTI",
	};
	unsigned long long v;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		cr_expect_eq(syscall_constant_find(names[i], &v), 0, "%s not found", names[i]);
}
