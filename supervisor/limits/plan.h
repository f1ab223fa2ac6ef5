/* SPDX-License-Identifier: MIT */
#ifndef VMSB_SUPERVISOR_LIMITS_PLAN_H
#define VMSB_SUPERVISOR_LIMITS_PLAN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>

#include "child/rlimits.h"
#include "common/err.h"
#include "supervisor/limits/cgroup.h"

struct policy_limits; /* policy/policy.h */

/*
 * Which mechanism enforces each limit of a policy, decided once per instance
 * from what the host offers. Pure: no system calls.
 *
 *   limit       first choice            fallback                    else
 *   memory      cgroup2 / cgroup1       rlimit RLIMIT_AS            (require_cgroup: error)
 *   pids        cgroup2 / cgroup1       rlimit RLIMIT_NPROC         (require_cgroup: error)
 *   cpu_time    cgroup usage, polled    the process tree's CPU time from
 *               by the supervisor       /proc, polled by the supervisor
 *               (+ RLIMIT_CPU per process as a backstop, always)
 *   wall_time   supervisor (timerfd)
 *   output      supervisor (pipes)
 *   file_size   rlimit RLIMIT_FSIZE
 *   open_files  rlimit RLIMIT_NOFILE
 *   cpus        cgroup2 / cgroup1       none (reported as not enforced)
 *
 * Caveats of the rlimit fallbacks, which the report makes visible through
 * enforced_by:
 *  - RLIMIT_AS bounds each process's address space, not memory use: programs
 *    that reserve much more than they touch (JITs, sanitizers, Go) fail early,
 *    and N processes may use N times the limit.
 *  - RLIMIT_NPROC counts the processes of the real uid, not of the instance.
 *    Since Linux 5.14 the count is kept per user namespace (ucounts), and each
 *    instance has its own, so it acts per instance; before that it counted every
 *    process of the uid on the host. It is not applied to tasks whose host uid
 *    is 0, so the instance must map to an unprivileged host uid.
 *  - RLIMIT_CPU is per process: N processes may use N times the limit.
 * RLIMIT_CORE is always 0.
 */

enum limits_kind {
	LIMITS_MEMORY,	   /* bytes */
	LIMITS_PIDS,	   /* processes (tasks) */
	LIMITS_CPU_TIME,   /* ms, summed over the instance */
	LIMITS_WALL_TIME,  /* ms */
	LIMITS_OUTPUT,	   /* bytes of stdout + stderr */
	LIMITS_FILE_SIZE,  /* bytes */
	LIMITS_OPEN_FILES, /* descriptors */
	LIMITS_CPUS,	   /* CPU bandwidth share: see limits_plan.cpus */
	_LIMITS_KIND_MAX,
};

enum limits_mech {
	LIMITS_MECH_NONE, /* unlimited, or no mechanism available (cpus only) */
	LIMITS_MECH_CGROUP2,
	LIMITS_MECH_CGROUP1,
	LIMITS_MECH_RLIMIT,
	LIMITS_MECH_SUPERVISOR,
	_LIMITS_MECH_MAX,
};

/* What the host offers: cgroup_where() for every controller. */
struct limits_avail {
	enum cgroup_version ctrl[_CGROUP_CTRL_MAX];
};

/* Polling bounds for the cgroup CPU time: interval = cpu_time / 20, clamped. */
#define LIMITS_CPU_POLL_MIN_MS 10
#define LIMITS_CPU_POLL_MAX_MS 100

struct limits_plan {
	struct {
		enum limits_mech mech;
		uint64_t value; /* the policy's value in the unit above; 0 = unlimited */
	} limit[_LIMITS_KIND_MAX];
	double cpus; /* the value of LIMITS_CPUS; 0 = unlimited */

	/*
	 * Interval at which the supervisor reads the cgroup's CPU usage; 0 when
	 * CPU time is not polled. Worst-case overshoot: one interval times the
	 * number of CPUs the instance can run on (times cpus when that is
	 * smaller), plus the final check at exit.
	 */
	uint64_t cpu_poll_ms;

	struct cgroup_settings cgroup; /* for cgroup_instance_create() */

	struct child_rlimit rlimits[CHILD_RLIMITS_MAX]; /* for the child's rlimit step */
	size_t n_rlimits;
};

/* cgroup_where() for every controller. */
void limits_avail_from_env(const struct cgroup_env *env, struct limits_avail *ret);

/*
 * Decides the plan. Errors: EOPNOTSUPP when require_cgroup is set and memory
 * or pids (when limited) cannot be enforced by a cgroup; EINVAL for a cpus
 * value that is not a finite number in [0, 65536].
 */
int limits_plan_make(const struct policy_limits *lim, const struct limits_avail *avail,
		     struct limits_plan *ret, struct err_ctx *reterr)
	__attribute__((warn_unused_result));

/*
 * Fills obj (the report's "limits" object) with one member per limit, named as
 * in the policy (memory, pids, cpu_time, wall_time, output, file_size,
 * open_files, cpus): {"value": N | null, "hit": bool, "enforced_by":
 * "cgroup2" | "cgroup1" | "rlimit" | "supervisor" | null}. value is null when
 * unlimited; enforced_by is null when nothing enforces it.
 * hit[] (may be NULL) holds what the supervisor saw (timeout, output, CPU
 * poll, SIGXFSZ...); usage (may be NULL) adds what the kernel counted: OOM
 * kills for memory, refused forks for pids, CPU time at or past the limit.
 */
int limits_plan_report(const struct limits_plan *plan, const struct cgroup_usage *usage,
		       const bool hit[_LIMITS_KIND_MAX], json_t *obj);

const char *limits_kind_name(enum limits_kind kind);
const char *limits_mech_name(enum limits_mech mech); /* NULL for LIMITS_MECH_NONE */

#endif
