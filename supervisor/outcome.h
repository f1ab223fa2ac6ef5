/* SPDX-License-Identifier: MIT */
#ifndef VMSB_SUPERVISOR_OUTCOME_H
#define VMSB_SUPERVISOR_OUTCOME_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>

#include "child/report.h"

enum run_status {
	RUN_STATUS_OK,
	RUN_STATUS_EXIT_NONZERO,
	RUN_STATUS_SIGNALED,
	RUN_STATUS_SECCOMP_VIOLATION,
	RUN_STATUS_SETUP_ERROR,
	RUN_STATUS_EXEC_ERROR,
	RUN_STATUS_POLICY_ERROR,
	RUN_STATUS_TIMEOUT,
	RUN_STATUS_CPU_LIMIT,
	RUN_STATUS_MEMORY_LIMIT,
	RUN_STATUS_PIDS_LIMIT,
	RUN_STATUS_OUTPUT_LIMIT,
	RUN_STATUS_FILE_SIZE_LIMIT,
	RUN_STATUS_BROKER_VIOLATION,
	_RUN_STATUS_MAX,
};

/* Why the supervisor itself ended the instance, if it did. */
enum run_kill_reason {
	RUN_KILL_NONE,
	RUN_KILL_TIMEOUT,
	RUN_KILL_CPU,
	RUN_KILL_OUTPUT,
	RUN_KILL_BROKER, /* a malformed broker request under on_malformed "kill" */
	_RUN_KILL_REASON_MAX,
};

/* What the event loop observed; the status is derived from it, never stored twice. */
struct run_observed {
	bool have_report; /* a setup/exec failure record arrived */
	struct child_report report;
	bool have_payload_status; /* init told us how the payload ended */
	int payload_status;	  /* raw wait status */
	int init_status;	  /* raw wait status of pid 1 */
	struct rusage rusage;	  /* pid 1's, covering every process it reaped */
	enum run_kill_reason killed_by;
	bool memory_oom; /* the cgroup recorded an OOM kill */
	bool pids_hit;	 /* the pids limit refused a fork */
	uint64_t wall_ms;
	uint64_t output_bytes;	   /* stdout + stderr produced */
	uint64_t output_forwarded; /* of which reached the caller */
};

enum run_status outcome_status(const struct run_observed *obs);

/* The exit status of `vmsandbox run` for that outcome (see vmsandbox(1)). */
int outcome_exit_code(const struct run_observed *obs);

const char *outcome_status_name(enum run_status status);

/* The signal that ended the payload, or 0. */
int outcome_signal(const struct run_observed *obs);

#endif
