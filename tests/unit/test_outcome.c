/* SPDX-License-Identifier: MIT */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>

#include "supervisor/outcome.h"

#define EXITED(code) ((code) << 8)
#define KILLED(sig) (sig)

Test(outcome, clean_exit_is_ok_with_code_zero)
{
	struct run_observed o = {.have_payload_status = true, .payload_status = EXITED(0)};

	cr_expect_eq(outcome_status(&o), RUN_STATUS_OK);
	cr_expect_eq(outcome_exit_code(&o), 0);
}

Test(outcome, program_exit_code_passes_through)
{
	struct run_observed o = {.have_payload_status = true, .payload_status = EXITED(42)};

	cr_expect_eq(outcome_status(&o), RUN_STATUS_EXIT_NONZERO);
	cr_expect_eq(outcome_exit_code(&o), 42);
}

Test(outcome, signal_gives_128_plus_n)
{
	struct run_observed o = {.have_payload_status = true, .payload_status = KILLED(SIGTERM)};

	cr_expect_eq(outcome_status(&o), RUN_STATUS_SIGNALED);
	cr_expect_eq(outcome_exit_code(&o), 128 + SIGTERM);
	cr_expect_eq(outcome_signal(&o), SIGTERM);
}

Test(outcome, sigsys_is_a_seccomp_violation)
{
	struct run_observed o = {.have_payload_status = true, .payload_status = KILLED(SIGSYS)};

	cr_expect_eq(outcome_status(&o), RUN_STATUS_SECCOMP_VIOLATION);
	cr_expect_eq(outcome_exit_code(&o), 128 + SIGSYS);
	cr_expect_str_eq(outcome_status_name(outcome_status(&o)), "seccomp_violation");
}

Test(outcome, setup_report_gives_125)
{
	struct run_observed o = {.have_report = true,
				 .report = {.stage = CHILD_STAGE_MOUNT, .err = ENOENT}};

	cr_expect_eq(outcome_status(&o), RUN_STATUS_SETUP_ERROR);
	cr_expect_eq(outcome_exit_code(&o), 125);
	cr_expect_eq(outcome_signal(&o), 0);
}

Test(outcome, exec_enoent_gives_127_and_eacces_126)
{
	struct run_observed o = {.have_report = true,
				 .report = {.stage = CHILD_STAGE_EXEC, .err = ENOENT}};

	cr_expect_eq(outcome_status(&o), RUN_STATUS_EXEC_ERROR);
	cr_expect_eq(outcome_exit_code(&o), 127);
	o.report.err = EACCES;
	cr_expect_eq(outcome_exit_code(&o), 126);
}

Test(outcome, timeout_wins_over_the_signal_that_ended_it)
{
	struct run_observed o = {.init_status = KILLED(SIGKILL), .killed_by = RUN_KILL_TIMEOUT};

	cr_expect_eq(outcome_status(&o), RUN_STATUS_TIMEOUT);
	cr_expect_eq(outcome_exit_code(&o), 124);
}

Test(outcome, cpu_limit_exits_124)
{
	struct run_observed o = {.init_status = KILLED(SIGKILL), .killed_by = RUN_KILL_CPU};

	cr_expect_eq(outcome_status(&o), RUN_STATUS_CPU_LIMIT);
	cr_expect_eq(outcome_exit_code(&o), 124);
}

Test(outcome, oom_kill_is_memory_limit_137)
{
	struct run_observed o = {
		.have_payload_status = true, .payload_status = KILLED(SIGKILL), .memory_oom = true};

	cr_expect_eq(outcome_status(&o), RUN_STATUS_MEMORY_LIMIT);
	cr_expect_eq(outcome_exit_code(&o), 137);
}

Test(outcome, output_limit_kill_is_reported)
{
	struct run_observed o = {.init_status = KILLED(SIGKILL), .killed_by = RUN_KILL_OUTPUT};

	cr_expect_eq(outcome_status(&o), RUN_STATUS_OUTPUT_LIMIT);
	cr_expect_eq(outcome_exit_code(&o), 137);
}

Test(outcome, rlimit_signals_map_to_limits)
{
	struct run_observed o = {.have_payload_status = true, .payload_status = KILLED(SIGXFSZ)};

	cr_expect_eq(outcome_status(&o), RUN_STATUS_FILE_SIZE_LIMIT);
	o.payload_status = KILLED(SIGXCPU);
	cr_expect_eq(outcome_status(&o), RUN_STATUS_CPU_LIMIT);
}

Test(outcome, every_status_has_a_name)
{
	for (int s = 0; s < _RUN_STATUS_MAX; s++)
		cr_expect_str_neq(outcome_status_name(s), "unknown", "status %d has no name", s);
}

Test(outcome, broker_kill_is_a_broker_violation)
{
	struct run_observed o = {.init_status = KILLED(SIGKILL), .killed_by = RUN_KILL_BROKER};

	cr_expect_eq(outcome_status(&o), RUN_STATUS_BROKER_VIOLATION);
	cr_expect_str_eq(outcome_status_name(outcome_status(&o)), "broker_violation");
	cr_expect_eq(outcome_exit_code(&o), 137);
}
