/* SPDX-License-Identifier: MIT */
#ifndef VMSB_SUPERVISOR_LOOP_H
#define VMSB_SUPERVISOR_LOOP_H

#include <stdint.h>

#include "common/err.h"
#include "policy/policy.h"
#include "supervisor/instance.h"
#include "supervisor/outcome.h"

/* Cumulative CPU time of the instance in microseconds (cgroup accounting). */
typedef int (*loop_cpu_sampler)(void *ctx, uint64_t *ret_cpu_us);

struct loop_options {
	uint64_t wall_ms;  /* 0 = none */
	uint64_t grace_ms; /* SIGTERM -> SIGKILL on timeout */
	uint64_t cpu_ms;   /* 0 = none; needs cpu_sampler */
	uint64_t output_limit;
	enum policy_output_action on_output_limit;
	int stdout_dest; /* where the instance's stdout goes */
	int stderr_dest;
	/* CPU usage is sampled every cpu_poll_ms: the CPU-limit overshoot is at
	 * most this interval times the number of CPUs the instance may use. */
	uint64_t cpu_poll_ms;
	loop_cpu_sampler cpu_sampler;
	void *cpu_ctx;
	/* Broker requests on inst->broker_fd: served when readable. Returns 0
	 * to keep serving, 1 when the instance closed its end, negative to end
	 * the instance (a malformed request under "kill"). */
	int (*broker_serve)(void *ctx);
	void *broker_ctx;
};

/*
 * Serves one instance until its pid 1 is gone and its output drained:
 * forwards output, SIGINT/SIGTERM/SIGHUP, enforces wall, CPU and output limits.
 */
int loop_run(struct instance *inst, const struct loop_options *opts, struct run_observed *ret,
	     struct err_ctx *reterr) __attribute__((warn_unused_result));

#endif
