/* SPDX-License-Identifier: MIT */
#include "test_child_util.h"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "child/seccomp.h"

#define LD_NR BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr))
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))
/* if nr == NR return V, else fall through */
#define ON(nr, v) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), RET(v)

/* Like filters[0] of policy/bpf.c: an allow list that does not allow seccomp(2). */
static struct sock_filter allow_list[] = {
	LD_NR,
	ON(__NR_getppid, SECCOMP_RET_ERRNO | ENOSYS),
	ON(__NR_seccomp, SECCOMP_RET_ERRNO | ENOSYS),
	ON(__NR_getpgid, SECCOMP_RET_KILL_PROCESS),
	RET(SECCOMP_RET_ALLOW),
};

/* Like filters[1]: deny rules, default allow. */
static struct sock_filter deny_rules[] = {
	LD_NR,
	ON(__NR_getppid, SECCOMP_RET_ERRNO | EPERM),
	RET(SECCOMP_RET_ALLOW),
};

static struct sock_filter allow_all[] = {RET(SECCOMP_RET_ALLOW)};

static struct policy_bpf two_filters(void)
{
	struct policy_bpf bpf = {.n_filters = 2};

	bpf.filters[0] = (struct sock_fprog){ARRAY_SIZE(allow_list), allow_list};
	bpf.filters[1] = (struct sock_fprog){ARRAY_SIZE(deny_rules), deny_rules};
	return bpf;
}

/* Installs in a fork (a filter would break Criterion's own process), then runs body. */
static int run_filtered(const struct policy_bpf *bpf, void (*body)(void))
{
	pid_t pid = fork();

	if (pid < 0) /* only the parent may assert: Criterion's IPC is not fork-safe */
		cr_assert_fail("fork failed");
	if (pid == 0) {
		CHECK_OR_EXIT(90, prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);
		CHECK_OR_EXIT(91, child_seccomp_install(bpf, NULL) == 0);
		body();
		_exit(0);
	}
	return child_test_verdict(pid);
}

static void getppid_fails(void)
{
	CHECK_OR_EXIT(1, syscall(SYS_getppid) < 0);
}

static void getppid_fails_with_eperm(void)
{
	CHECK_OR_EXIT(1, syscall(SYS_getppid) < 0 && errno == EPERM);
}

/* No guard on the last filter: the payload gets no seccomp(2) the policy did not allow. */
static void single_filter_is_unguarded(void)
{
	struct sock_fprog all = {ARRAY_SIZE(allow_all), allow_all};

	CHECK_OR_EXIT(1, syscall(SYS_getppid) < 0 && errno == ENOSYS);
	CHECK_OR_EXIT(2, syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &all) < 0 &&
				 errno == ENOSYS);
}

static void getpgid_is_called(void)
{
	syscall(SYS_getpgid, 0); /* must not return */
}

static void only_plain_filter_loading_passes(void)
{
	struct sock_fprog all = {ARRAY_SIZE(allow_all), allow_all};
	unsigned int act = SECCOMP_RET_KILL_PROCESS;

	CHECK_OR_EXIT(1, syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &act) < 0 &&
				 errno == ENOSYS);
	CHECK_OR_EXIT(2, syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_LOG,
				 &all) < 0 &&
				 errno == ENOSYS);
	CHECK_OR_EXIT(3, syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &all) == 0);
}

Test(child_seccomp, both_filters_load_although_the_first_blocks_seccomp)
{
	struct policy_bpf bpf = two_filters();

	cr_expect_eq(run_filtered(&bpf, getppid_fails), 0);
}

Test(child_seccomp, the_deny_filters_errno_wins)
{
	struct policy_bpf bpf = two_filters();

	cr_expect_eq(run_filtered(&bpf, getppid_fails_with_eperm), 0,
		     "EPERM from the later deny filter must beat ENOSYS from the allow list");
}

Test(child_seccomp, kill_action_kills_with_sigsys)
{
	struct policy_bpf bpf = two_filters();

	cr_expect_eq(run_filtered(&bpf, getpgid_is_called), 1000 + SIGSYS);
}

/* The load guard lets exactly seccomp(SET_MODE_FILTER, 0, prog) through. */
Test(child_seccomp, the_guard_allows_only_plain_filter_loading)
{
	struct policy_bpf bpf = two_filters();

	cr_expect_eq(run_filtered(&bpf, only_plain_filter_loading_passes), 0);
}

Test(child_seccomp, a_single_filter_is_loaded_as_is)
{
	struct policy_bpf bpf = {.n_filters = 1};

	bpf.filters[0] = (struct sock_fprog){ARRAY_SIZE(allow_list), allow_list};
	cr_expect_eq(run_filtered(&bpf, single_filter_is_unguarded), 0);
}

Test(child_seccomp, missing_or_empty_filters_are_refused)
{
	struct policy_bpf none = {.n_filters = 0};
	struct policy_bpf empty = {.n_filters = 1};
	struct err_ctx err = {0};

	/* Refused before anything is loaded: safe in this process. */
	cr_expect_eq(child_seccomp_install(NULL, &err), -EINVAL);
	cr_expect_eq(child_seccomp_install(&none, &err), -EINVAL);
	cr_expect_eq(child_seccomp_install(&empty, &err), -EINVAL);
}
