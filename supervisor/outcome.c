/* SPDX-License-Identifier: MIT */
#include "supervisor/outcome.h"

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>

#include "common/cleanup.h"
#include "common/exitcodes.h"

static const char *const status_names[_RUN_STATUS_MAX] = {
	[RUN_STATUS_OK] = "ok",
	[RUN_STATUS_EXIT_NONZERO] = "exit_nonzero",
	[RUN_STATUS_SIGNALED] = "signaled",
	[RUN_STATUS_SECCOMP_VIOLATION] = "seccomp_violation",
	[RUN_STATUS_SETUP_ERROR] = "setup_error",
	[RUN_STATUS_EXEC_ERROR] = "exec_error",
	[RUN_STATUS_POLICY_ERROR] = "policy_error",
	[RUN_STATUS_TIMEOUT] = "timeout",
	[RUN_STATUS_CPU_LIMIT] = "cpu_limit",
	[RUN_STATUS_MEMORY_LIMIT] = "memory_limit",
	[RUN_STATUS_PIDS_LIMIT] = "pids_limit",
	[RUN_STATUS_OUTPUT_LIMIT] = "output_limit",
	[RUN_STATUS_FILE_SIZE_LIMIT] = "file_size_limit",
	[RUN_STATUS_BROKER_VIOLATION] = "broker_violation",
};

const char *outcome_status_name(enum run_status status)
{
	if ((unsigned)status >= ARRAY_SIZE(status_names))
		return "unknown";
	return status_names[status];
}

/* The wait status that tells how the instance ended: the payload's when init
 * reported it, else pid 1's own (e.g. when we killed pid 1). */
static int effective_status(const struct run_observed *obs)
{
	return obs->have_payload_status ? obs->payload_status : obs->init_status;
}

int outcome_signal(const struct run_observed *obs)
{
	int st = effective_status(obs);

	if (obs->have_report)
		return 0;
	return WIFSIGNALED(st) ? WTERMSIG(st) : 0;
}

static enum run_status status_from_signal(const struct run_observed *obs, int sig)
{
	switch (sig) {
	case SIGSYS:
		return RUN_STATUS_SECCOMP_VIOLATION;
	case SIGXCPU:
		return RUN_STATUS_CPU_LIMIT; /* RLIMIT_CPU backstop */
	case SIGXFSZ:
		return RUN_STATUS_FILE_SIZE_LIMIT;
	case SIGKILL:
		if (obs->memory_oom)
			return RUN_STATUS_MEMORY_LIMIT;
		return RUN_STATUS_SIGNALED;
	default:
		return RUN_STATUS_SIGNALED;
	}
}

enum run_status outcome_status(const struct run_observed *obs)
{
	int st, sig;

	if (obs->have_report)
		return obs->report.stage == CHILD_STAGE_EXEC ? RUN_STATUS_EXEC_ERROR
							     : RUN_STATUS_SETUP_ERROR;
	switch (obs->killed_by) {
	case RUN_KILL_TIMEOUT:
		return RUN_STATUS_TIMEOUT;
	case RUN_KILL_CPU:
		return RUN_STATUS_CPU_LIMIT;
	case RUN_KILL_OUTPUT:
		return RUN_STATUS_OUTPUT_LIMIT;
	case RUN_KILL_BROKER:
		return RUN_STATUS_BROKER_VIOLATION;
	case RUN_KILL_NONE:
	case _RUN_KILL_REASON_MAX:
		break;
	}
	st = effective_status(obs);
	sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
	if (sig)
		return status_from_signal(obs, sig);
	if (obs->memory_oom)
		return RUN_STATUS_MEMORY_LIMIT; /* oom.group: pid 1 may be what died */
	return WEXITSTATUS(st) == 0 ? RUN_STATUS_OK : RUN_STATUS_EXIT_NONZERO;
}

static int exec_error_code(const struct run_observed *obs)
{
	return obs->report.err == ENOENT ? VMSB_EXIT_NOTFOUND : VMSB_EXIT_NOEXEC;
}

int outcome_exit_code(const struct run_observed *obs)
{
	enum run_status status = outcome_status(obs);
	int st = effective_status(obs);

	switch (status) {
	case RUN_STATUS_SETUP_ERROR:
	case RUN_STATUS_POLICY_ERROR:
		return VMSB_EXIT_SETUP;
	case RUN_STATUS_EXEC_ERROR:
		return exec_error_code(obs);
	case RUN_STATUS_TIMEOUT:
	case RUN_STATUS_CPU_LIMIT:
		return VMSB_EXIT_TIMEOUT;
	case RUN_STATUS_MEMORY_LIMIT:
		return VMSB_EXIT_SIGNAL_BASE + SIGKILL;
	case RUN_STATUS_OK:
	case RUN_STATUS_EXIT_NONZERO:
	case RUN_STATUS_SIGNALED:
	case RUN_STATUS_SECCOMP_VIOLATION:
	case RUN_STATUS_PIDS_LIMIT:
	case RUN_STATUS_OUTPUT_LIMIT:
	case RUN_STATUS_FILE_SIZE_LIMIT:
	case RUN_STATUS_BROKER_VIOLATION:
	case _RUN_STATUS_MAX:
		break;
	}
	if (WIFSIGNALED(st))
		return VMSB_EXIT_SIGNAL_BASE + WTERMSIG(st);
	return WEXITSTATUS(st);
}
