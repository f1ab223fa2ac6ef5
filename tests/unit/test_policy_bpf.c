/* SPDX-License-Identifier: MIT */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "policy/bpf.h"
#include "policy/policy.h"
#include "tests/unit/policy_test_util.h"

/*
 * Every filter is loaded in a forked child, never in Criterion's own
 * process; the child reports through its exit status (0 = as expected,
 * small numbers = which check failed) or dies by the filter's signal.
 */

#define X32_SYSCALL_BIT 0x40000000

static struct policy_bpf compile_text(const char *json)
{
	_cleanup_policy_ struct policy *p = must_load(json);
	struct policy_bpf b;
	struct err_ctx e = {0};

	cr_assert_eq(policy_bpf_compile(p, &b, &e), 0, "compile failed: %s", e.msg);
	return b;
}

static struct policy_bpf compile_default(void)
{
	_cleanup_policy_ struct policy *p = NULL;
	struct policy_bpf b;
	struct err_ctx e = {0};

	cr_assert_geq(policy_load_default(&p, &e), 0, "%s", e.msg);
	cr_assert_eq(policy_bpf_compile(p, &b, &e), 0, "compile failed: %s", e.msg);
	return b;
}

/* In the child: what the child stage does, in the same order. */
static void install_or_exit(const struct policy_bpf *b)
{
	unsigned i;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		_exit(100);
	for (i = 0; i < b->n_filters; i++)
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &b->filters[i]) < 0)
			_exit(101);
}

/* Runs fn under the filters in a child; returns the wait status. */
static int run_filtered(const struct policy_bpf *b, int (*fn)(void))
{
	int status = 0;
	pid_t pid = fork();

	if (pid < 0) /* only the parent may assert: Criterion's IPC is not fork-safe */
		cr_assert_fail("fork failed");
	if (pid == 0) {
		install_or_exit(b);
		_exit(fn());
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	return status;
}

static void expect_exit_zero(int status)
{
	cr_expect(WIFEXITED(status), "child died by signal %d", WTERMSIG(status));
	if (WIFEXITED(status))
		cr_expect_eq(WEXITSTATUS(status), 0, "check %d failed in the child",
			     WEXITSTATUS(status));
}

static void expect_sigsys(int status)
{
	cr_expect(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS,
		  "child was not killed by SIGSYS (exited %d, signal %d)",
		  WIFEXITED(status) ? WEXITSTATUS(status) : -1,
		  WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* 0 when the raw syscall failed with exactly err. */
static int fails_with(long ret, int err)
{
	return ret == -1 && errno == err ? 0 : 1;
}

static int call_getppid(void)
{
	return syscall(SYS_getppid) > 0 ? 0 : 1;
}

static int getppid_enosys(void)
{
	return fails_with(syscall(SYS_getppid), ENOSYS);
}

static int getppid_eacces(void)
{
	return fails_with(syscall(SYS_getppid), EACCES);
}

static int getpid_works(void)
{
	return syscall(SYS_getpid) > 0 ? 0 : 1;
}

/*
 * A small allow list without getppid, the syscall the tests call outside it.
 * Wider than the tests need because sanitizer runtimes make calls of their
 * own (sigaltstack, gettid, mmap) in the child under `make asan`.
 */
#define TINY_ALLOW                                                                                 \
	"\"allow\": [\"@basic-io\", \"@memory\", \"@signal\", \"@timer\", \"exit_group\","         \
	" \"exit\", \"getpid\", \"gettid\", \"futex\", \"sched_yield\", \"prctl\"], \"deny\": []"

Test(policy_bpf, allowed_syscall_works)
{
	struct policy_bpf b = compile_text(
		"{\"version\": 1, \"syscalls\": {\"default_action\": \"kill\", " TINY_ALLOW "}}");

	cr_expect_eq(b.n_filters, 1, "no deny rules, no second filter");
	expect_exit_zero(run_filtered(&b, getpid_works));
	policy_bpf_release(&b);
}

Test(policy_bpf, unlisted_syscall_gets_enosys)
{
	struct policy_bpf b = compile_text(
		"{\"version\": 1, \"syscalls\": {\"default_action\": \"enosys\", " TINY_ALLOW "}}");

	expect_exit_zero(run_filtered(&b, getppid_enosys));
	policy_bpf_release(&b);
}

Test(policy_bpf, unlisted_syscall_gets_the_default_errno)
{
	struct policy_bpf b =
		compile_text("{\"version\": 1, \"syscalls\": {\"default_action\": \"errno\","
			     " \"default_errno\": \"EACCES\", " TINY_ALLOW "}}");

	expect_exit_zero(run_filtered(&b, getppid_eacces));
	policy_bpf_release(&b);
}

Test(policy_bpf, unlisted_syscall_is_killed_with_sigsys)
{
	struct policy_bpf b = compile_text(
		"{\"version\": 1, \"syscalls\": {\"default_action\": \"kill\", " TINY_ALLOW "}}");

	expect_sigsys(run_filtered(&b, call_getppid));
	policy_bpf_release(&b);
}

Test(policy_bpf, log_default_lets_the_syscall_run)
{
	struct policy_bpf b = compile_text(
		"{\"version\": 1, \"syscalls\": {\"default_action\": \"log\", " TINY_ALLOW "}}");

	expect_exit_zero(run_filtered(&b, call_getppid));
	policy_bpf_release(&b);
}

Test(policy_bpf, deny_rule_kill_wins_over_allow)
{
	struct policy_bpf b = compile_text(
		"{\"version\": 1, \"syscalls\": {\"default_action\": \"enosys\", \"allow\":"
		" [\"@basic-io\", \"@memory\", \"@signal\", \"getpid\", \"gettid\", \"getppid\","
		" \"exit_group\"], \"deny\": [{\"names\": [\"getppid\"],"
		" \"action\": \"kill\"}]}}");

	cr_expect_eq(b.n_filters, 2);
	expect_exit_zero(run_filtered(&b, getpid_works));
	expect_sigsys(run_filtered(&b, call_getppid));
	policy_bpf_release(&b);
}

/* ---- the default policy's deny rules ---- */

static int ioctl_tiocsti_denied(void)
{
	int fds[2], n = 0;
	char c = 'x';

	if (pipe2(fds, O_CLOEXEC) < 0)
		return 2;
	if (fails_with(syscall(SYS_ioctl, fds[0], TIOCSTI, &c), EPERM))
		return 3;
	/* The kernel takes the request as 32 bits: high bits must not slip past. */
	if (fails_with(syscall(SYS_ioctl, fds[0], (1UL << 32) | TIOCSTI, &c), EPERM))
		return 4;
	if (fails_with(syscall(SYS_ioctl, fds[0], TIOCLINUX, &c), EPERM))
		return 5;
	if (syscall(SYS_ioctl, fds[0], FIONREAD, &n) != 0)
		return 6; /* another ioctl still works */
	return 0;
}

Test(policy_bpf, default_denies_tiocsti_but_not_other_ioctls)
{
	struct policy_bpf b = compile_default();

	expect_exit_zero(run_filtered(&b, ioctl_tiocsti_denied));
	policy_bpf_release(&b);
}

static int clone_newuser_denied(void)
{
	int status;
	pid_t pid;

	if (fails_with(syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0), EPERM))
		return 2;
	if (fails_with(syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, 0, 0, 0, 0), EPERM))
		return 3;
	if (fails_with(syscall(SYS_unshare, CLONE_NEWUSER), EPERM))
		return 4;
	if (fails_with(syscall(SYS_clone3, NULL, 0), ENOSYS))
		return 5;
	pid = fork(); /* plain clone */
	if (pid < 0)
		return 6;
	if (pid == 0)
		_exit(0);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return 7;
	return 0;
}

Test(policy_bpf, default_denies_namespace_clones_but_not_fork)
{
	struct policy_bpf b = compile_default();

	expect_exit_zero(run_filtered(&b, clone_newuser_denied));
	policy_bpf_release(&b);
}

static int socket_families_filtered(void)
{
	long fd;

	if (fails_with(syscall(SYS_socket, AF_NETLINK, SOCK_DGRAM, 0), EPERM))
		return 2;
	if (fails_with(syscall(SYS_socket, (1UL << 32) | AF_NETLINK, SOCK_DGRAM, 0), EPERM))
		return 3;
	if (fails_with(syscall(SYS_socket, AF_PACKET, SOCK_DGRAM, 0), EPERM))
		return 4;
	if (fails_with(syscall(SYS_socket, AF_INET, SOCK_RAW | SOCK_CLOEXEC, 1), EPERM))
		return 5;
	fd = syscall(SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 6;
	close((int)fd);
	return 0;
}

Test(policy_bpf, default_denies_netlink_packet_and_raw_sockets_but_not_unix)
{
	struct policy_bpf b = compile_default();

	expect_exit_zero(run_filtered(&b, socket_families_filtered));
	policy_bpf_release(&b);
}

static int dangerous_calls_denied(void)
{
	uint32_t action = SECCOMP_RET_ALLOW;

	if (fails_with(syscall(SYS_ptrace, 0, 0, 0, 0), EPERM))
		return 2;
	if (fails_with(syscall(SYS_bpf, 0, 0, 0), EPERM))
		return 3;
	if (fails_with(syscall(SYS_io_uring_setup, 1, NULL), EPERM))
		return 4;
	if (fails_with(syscall(SYS_mount, "none", "/", "tmpfs", 0, NULL), EPERM))
		return 5;
	if (fails_with(syscall(SYS_personality, 0xffffffffUL), ENOSYS))
		return 6; /* outside the allow list: the default action */
	/* Open in filter 0 only so that the child can load filter 1; then like any other. */
	if (fails_with(syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action), ENOSYS))
		return 7;
	return 0;
}

Test(policy_bpf, default_denies_dangerous_syscalls)
{
	struct policy_bpf b = compile_default();

	expect_exit_zero(run_filtered(&b, dangerous_calls_denied));
	policy_bpf_release(&b);
}

/* ---- other ABIs ---- */

static int x32_getpid(void)
{
	syscall(X32_SYSCALL_BIT | SYS_getpid); /* must not return */
	return 0;
}

Test(policy_bpf, x32_syscall_numbers_are_killed)
{
	struct policy_bpf b = compile_default();

	expect_sigsys(run_filtered(&b, x32_getpid));
	policy_bpf_release(&b);
}

Test(policy_bpf, x32_syscall_numbers_are_killed_even_when_default_allows)
{
	struct policy_bpf b = compile_text(
		"{\"version\": 1, \"syscalls\": {\"default_action\": \"allow\", \"deny\": []}}");

	expect_sigsys(run_filtered(&b, x32_getpid));
	policy_bpf_release(&b);
}

/* i386 getpid (20) through int $0x80; returns what the kernel returned. */
static long int80_getpid(void)
{
	long ret = 20;

	__asm__ volatile("int $0x80" : "+a"(ret) : : "memory");
	return ret;
}

static int i386_getpid(void)
{
	return int80_getpid() > 0 ? 0 : 1;
}

Test(policy_bpf, i386_syscalls_are_killed)
{
	struct policy_bpf b = compile_default();
	int status = 0;
	pid_t pid = fork();

	/* Without a filter first: a kernel without IA32 emulation refuses int 0x80 itself. */
	if (pid < 0) /* only the parent may assert: Criterion's IPC is not fork-safe */
		cr_assert_fail("fork failed");
	if (pid == 0)
		_exit(i386_getpid());
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		policy_bpf_release(&b);
		cr_skip_test("this kernel does not run i386 syscalls at all");
	}
	expect_sigsys(run_filtered(&b, i386_getpid));
	policy_bpf_release(&b);
}

/* ---- ordinary programs under the default filters ---- */

static const char *run_argv[8];

static int exec_argv(void)
{
	execv(run_argv[0], (char *const *)run_argv);
	return 99;
}

static void expect_program_runs(const struct policy_bpf *b, const char *const *argv)
{
	size_t i;

	if (access(argv[0], X_OK) < 0)
		cr_skip_test("%s is not installed", argv[0]);
	for (i = 0; argv[i] && i + 1 < ARRAY_SIZE(run_argv); i++)
		run_argv[i] = argv[i];
	run_argv[i] = NULL;
	expect_exit_zero(run_filtered(b, exec_argv));
}

Test(policy_bpf, default_runs_a_shell_pipeline)
{
	static const char *const argv[] = {
		"/bin/sh", "-c", "ls /usr/bin | wc -l >/dev/null && test -r /etc/passwd", NULL};
	struct policy_bpf b = compile_default();

	expect_program_runs(&b, argv);
	policy_bpf_release(&b);
}

/*
 * Stricter: anything outside @default kills. clone3 is allowed in the first
 * filter so that the deny filter's ENOSYS for it applies and libc falls back.
 */
Test(policy_bpf, shell_tools_use_only_the_default_groups)
{
	static const char *const argv[] = {
		"/bin/sh", "-c",
		"ls -la /usr/bin | sort | head -3 | wc -c >/dev/null && cat /etc/hostname "
		">/dev/null 2>&1; date >/dev/null && sed s/a/b/ </etc/passwd | grep -c . "
		">/dev/null",
		NULL};
	struct policy_bpf b =
		compile_text("{\"version\": 1, \"syscalls\": {\"default_action\": \"kill\","
			     " \"allow\": [\"@default\", \"clone3\"]}}");

	expect_program_runs(&b, argv);
	policy_bpf_release(&b);
}

Test(policy_bpf, default_runs_python)
{
	static const char *const argv[] = {
		"/usr/bin/python3", "-c",
		"import json, subprocess, sys, tempfile, threading\n"
		"t = threading.Thread(target=lambda: None); t.start(); t.join()\n"
		"with tempfile.TemporaryFile() as f: f.write(b'x')\n"
		"sys.exit(subprocess.run(['true']).returncode)",
		NULL};
	struct policy_bpf b = compile_default();

	expect_program_runs(&b, argv);
	policy_bpf_release(&b);
}

Test(policy_bpf, default_runs_gcc)
{
	char dir[] = "/tmp/vmsb-bpf-gcc-XXXXXX";
	char script[512];
	const char *argv[] = {"/bin/sh", "-c", script, NULL};
	struct policy_bpf b = compile_default();

	if (access("/usr/bin/gcc", X_OK) < 0)
		cr_skip_test("gcc is not installed");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(script, sizeof(script),
		 "cd %s && printf 'int main(void){return 0;}\\n' >t.c && /usr/bin/gcc -O1 t.c "
		 "-o t && ./t",
		 dir);
	expect_program_runs(&b, argv);
	snprintf(script, sizeof(script), "rm -rf '%s'", dir);
	cr_expect_eq(system(script), 0);
	policy_bpf_release(&b);
}

Test(policy_bpf, release_clears_the_programs)
{
	struct policy_bpf b = compile_default();

	cr_expect_eq(b.n_filters, 2);
	cr_expect_gt(b.filters[0].len, 0);
	cr_expect_gt(b.filters[1].len, 0);
	policy_bpf_release(&b);
	cr_expect_eq(b.n_filters, 0);
	cr_expect_null(b.filters[0].filter);
	policy_bpf_release(&b); /* twice is harmless */
}
