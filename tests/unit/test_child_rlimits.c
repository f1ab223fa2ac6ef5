/* SPDX-License-Identifier: MIT */
#include "test_child_util.h"

#include "child/rlimits.h"

Test(child_rlimits, apply_sets_soft_and_hard_in_order)
{
	pid_t pid = fork();

	if (pid < 0) /* only the parent may assert: Criterion's IPC is not fork-safe */
		cr_assert_fail("fork failed");
	if (pid == 0) {
		struct child_rlimit rl[] = {
			{RLIMIT_CORE, 0, 0},
			{RLIMIT_FSIZE, 4096, 4096},
			{RLIMIT_CPU, 3, 4},
		};
		struct rlimit got;

		CHECK_OR_EXIT(1, child_rlimits_apply(rl, 3, NULL) == 0);
		CHECK_OR_EXIT(2, getrlimit(RLIMIT_FSIZE, &got) == 0);
		CHECK_OR_EXIT(3, got.rlim_cur == 4096 && got.rlim_max == 4096);
		CHECK_OR_EXIT(4, getrlimit(RLIMIT_CORE, &got) == 0);
		CHECK_OR_EXIT(5, got.rlim_cur == 0 && got.rlim_max == 0);
		CHECK_OR_EXIT(6, getrlimit(RLIMIT_CPU, &got) == 0);
		CHECK_OR_EXIT(7, got.rlim_cur == 3 && got.rlim_max == 4);
		_exit(0);
	}
	cr_expect_eq(child_test_verdict(pid), 0);
}

Test(child_rlimits, never_raises_a_hard_limit)
{
	pid_t pid = fork();

	if (pid < 0) /* only the parent may assert: Criterion's IPC is not fork-safe */
		cr_assert_fail("fork failed");
	if (pid == 0) {
		struct child_rlimit rl[] = {{RLIMIT_NOFILE, 1000, 1000}};
		struct rlimit low = {50, 50}, got;

		CHECK_OR_EXIT(1, setrlimit(RLIMIT_NOFILE, &low) == 0);
		CHECK_OR_EXIT(2, child_rlimits_apply(rl, 1, NULL) == 0);
		CHECK_OR_EXIT(3, getrlimit(RLIMIT_NOFILE, &got) == 0);
		CHECK_OR_EXIT(4, got.rlim_cur == 50 && got.rlim_max == 50);
		_exit(0);
	}
	cr_expect_eq(child_test_verdict(pid), 0);
}
