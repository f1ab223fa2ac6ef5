/* SPDX-License-Identifier: MIT */
#ifndef VMSB_SUPERVISOR_LIMITS_RUNTIME_H
#define VMSB_SUPERVISOR_LIMITS_RUNTIME_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "common/err.h"
#include "policy/policy.h"
#include "supervisor/limits/cgroup.h"
#include "supervisor/limits/plan.h"
#include "supervisor/outcome.h"

/*
 * The limits of one instance from plan to report: which mechanism enforces
 * what (plan.h), the instance's cgroups when there are any (cgroup.h), and
 * what was used. The supervisor's event loop only sees the two callbacks.
 */
struct limits_runtime {
	struct cgroup_env env;
	bool env_set_up; /* cgroup_setup() ran: teardown owed */
	struct limits_plan plan;
	struct cgroup_instance *cg; /* NULL without any cgroup */
	pid_t pid;		    /* pid 1 of the instance, once attached */
	uint64_t cpu_seen_us;	    /* the last sample: processes killed with pid 1
				     * never reach its rusage */
};

/*
 * Detects cgroups, removes stale leaves of dead supervisors, makes the plan
 * and creates the instance's cgroups. Fails only for require_cgroup or a
 * cgroup that exists but cannot be configured.
 */
int limits_prepare(const struct policy_limits *lim, const char *instance_id,
		   struct limits_runtime *rt, struct err_ctx *reterr)
	__attribute__((warn_unused_result));

/* spawn_request.attach: joins the v1 (and late v2) cgroups before the go byte. */
int limits_attach(void *rt, pid_t pid, bool in_v2_leaf, struct err_ctx *reterr);

/* loop_options.cpu_sampler: the instance's cumulative CPU time, from its
 * cgroup, else from its process tree in /proc. */
int limits_cpu_sample(void *rt, uint64_t *ret_cpu_us);

/*
 * After the instance ended: reads the cgroup counters into obs (OOM kill,
 * refused forks) and builds the report's "limits" object and usage fields
 * (cpu_time_ms, peak_memory_bytes, processes_peak). ru: pid 1's rusage,
 * which covers every process it reaped, used where no cgroup counted.
 */
void limits_finish(struct limits_runtime *rt, const struct rusage *ru, struct run_observed *obs,
		   json_t **ret_limits, json_t **ret_usage);

/* Removes the instance's cgroups and undoes cgroup_setup(). */
void limits_release(struct limits_runtime *rt);

#endif
