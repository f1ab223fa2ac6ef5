/* SPDX-License-Identifier: MIT */
#include "test_child_util.h"

#include "child/report.h"
#include "common/exitcodes.h"

Test(child_report, stage_names_are_complete_and_in_run_order)
{
	static const char *const expected[] = {
		"sync", "userns",   "mount", "hostname", "network", "init", "rlimits",
		"fds",	"identity", "caps",  "landlock", "seccomp", "exec",
	};

	cr_assert_eq(sizeof(expected) / sizeof(expected[0]), _CHILD_STAGE_MAX,
		     "a stage was added: name it and update this list");
	for (int s = 0; s < _CHILD_STAGE_MAX; s++)
		cr_expect_str_eq(child_stage_name((enum child_stage)s), expected[s], "stage %d", s);
}

Test(child_report, stage_names_are_unique)
{
	for (int a = 0; a < _CHILD_STAGE_MAX; a++)
		for (int b = a + 1; b < _CHILD_STAGE_MAX; b++)
			cr_expect_str_neq(child_stage_name((enum child_stage)a),
					  child_stage_name((enum child_stage)b));
}

Test(child_report, out_of_range_stage_is_unknown)
{
	cr_expect_str_eq(child_stage_name(_CHILD_STAGE_MAX), "unknown");
	cr_expect_str_eq(child_stage_name((enum child_stage) - 1), "unknown");
}

Test(child_report, send_writes_exactly_one_record)
{
	struct err_ctx err = {.code = ENOENT};
	struct child_report rec;
	int p[2];

	snprintf(err.msg, sizeof(err.msg), "cannot bind '/srv/x' at '/data'");
	cr_assert_eq(pipe(p), 0);
	child_report_send(p[1], CHILD_STAGE_MOUNT, &err);
	close(p[1]);
	cr_assert_eq(read(p[0], &rec, sizeof(rec)), (ssize_t)sizeof(rec));
	cr_expect_eq(rec.stage, CHILD_STAGE_MOUNT);
	cr_expect_eq(rec.err, ENOENT);
	cr_expect_str_eq(rec.msg, "cannot bind '/srv/x' at '/data'");
	cr_expect_eq(read(p[0], &rec, 1), 0, "more than one record");
	close(p[0]);
}

Test(child_report, unterminated_message_is_cut_and_terminated)
{
	struct err_ctx err = {.code = EIO};
	struct child_report rec;
	int p[2];

	memset(err.msg, 'x', sizeof(err.msg));
	cr_assert_eq(pipe(p), 0);
	child_report_send(p[1], CHILD_STAGE_CAPS, &err);
	cr_assert_eq(read(p[0], &rec, sizeof(rec)), (ssize_t)sizeof(rec));
	cr_expect_eq(strnlen(rec.msg, sizeof(rec.msg)), sizeof(err.msg));
	close(p[0]);
	close(p[1]);
}

Test(child_report, empty_message_falls_back_to_the_stage_name)
{
	struct err_ctx err = {.code = EPERM};
	struct child_report rec;
	int p[2];

	cr_assert_eq(pipe(p), 0);
	child_report_send(p[1], CHILD_STAGE_LANDLOCK, &err);
	cr_assert_eq(read(p[0], &rec, sizeof(rec)), (ssize_t)sizeof(rec));
	cr_expect_str_eq(rec.msg, "landlock");
	close(p[0]);
	close(p[1]);
}

static int fail_exit_code(enum child_stage stage, int code)
{
	struct err_ctx err = {.code = code};
	int p[2];
	pid_t pid;
	int verdict;

	cr_assert_eq(pipe(p), 0);
	pid = fork();
	if (pid < 0) /* only the parent may assert: Criterion's IPC is not fork-safe */
		cr_assert_fail("fork failed");
	if (pid == 0)
		child_report_fail(p[1], stage, &err);
	close(p[1]);
	verdict = child_test_verdict(pid);
	close(p[0]);
	return verdict;
}

Test(child_report, fail_exits_125_for_setup_stages)
{
	cr_expect_eq(fail_exit_code(CHILD_STAGE_MOUNT, ENOENT), VMSB_EXIT_SETUP);
	cr_expect_eq(fail_exit_code(CHILD_STAGE_SECCOMP, EINVAL), VMSB_EXIT_SETUP);
}

Test(child_report, fail_exits_127_when_the_program_is_not_found)
{
	cr_expect_eq(fail_exit_code(CHILD_STAGE_EXEC, ENOENT), VMSB_EXIT_NOTFOUND);
}

Test(child_report, fail_exits_126_when_the_program_cannot_run)
{
	cr_expect_eq(fail_exit_code(CHILD_STAGE_EXEC, EACCES), VMSB_EXIT_NOEXEC);
	cr_expect_eq(fail_exit_code(CHILD_STAGE_EXEC, ENOEXEC), VMSB_EXIT_NOEXEC);
}
