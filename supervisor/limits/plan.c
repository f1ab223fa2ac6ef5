/* SPDX-License-Identifier: MIT */
/* Deciding which mechanism enforces each limit, and reporting it. */
#include "supervisor/limits/plan.h"

#include <errno.h>
#include <math.h> /* isfinite() only: a macro, no libm */
#include <string.h>

#include "policy/policy.h"

#define CPU_PERIOD_US 100000u
#define CPU_QUOTA_MIN_US 1000u /* the kernel's smallest quota */
#define CPUS_MAX 65536.0

static const char *const kind_names[_LIMITS_KIND_MAX] = {
	[LIMITS_MEMORY] = "memory",	    [LIMITS_PIDS] = "pids",
	[LIMITS_CPU_TIME] = "cpu_time",	    [LIMITS_WALL_TIME] = "wall_time",
	[LIMITS_OUTPUT] = "output",	    [LIMITS_FILE_SIZE] = "file_size",
	[LIMITS_OPEN_FILES] = "open_files", [LIMITS_CPUS] = "cpus",
};

static const char *const mech_names[_LIMITS_MECH_MAX] = {
	[LIMITS_MECH_NONE] = NULL,
	[LIMITS_MECH_CGROUP2] = "cgroup2",
	[LIMITS_MECH_CGROUP1] = "cgroup1",
	[LIMITS_MECH_RLIMIT] = "rlimit",
	[LIMITS_MECH_SUPERVISOR] = "supervisor",
};

const char *limits_kind_name(enum limits_kind kind)
{
	return (unsigned)kind < _LIMITS_KIND_MAX ? kind_names[kind] : NULL;
}

const char *limits_mech_name(enum limits_mech mech)
{
	return (unsigned)mech < _LIMITS_MECH_MAX ? mech_names[mech] : NULL;
}

void limits_avail_from_env(const struct cgroup_env *env, struct limits_avail *ret)
{
	for (int c = 0; c < _CGROUP_CTRL_MAX; c++)
		ret->ctrl[c] = cgroup_where(env, c);
}

static enum limits_mech cgroup_mech(enum cgroup_version v)
{
	switch (v) {
	case CGROUP_V2:
		return LIMITS_MECH_CGROUP2;
	case CGROUP_V1:
		return LIMITS_MECH_CGROUP1;
	case CGROUP_NONE:
	case _CGROUP_VERSION_MAX:
		break;
	}
	return LIMITS_MECH_NONE;
}

static void add_rlimit(struct limits_plan *plan, int resource, uint64_t cur, uint64_t max)
{
	struct child_rlimit *rl = &plan->rlimits[plan->n_rlimits++];

	rl->resource = resource;
	rl->cur = (rlim_t)cur;
	rl->max = (rlim_t)max;
}

/* memory and pids: a cgroup, else the rlimit unless the policy requires a cgroup. */
static int plan_counted(struct limits_plan *plan, enum limits_kind kind, uint64_t value,
			enum cgroup_version where, int resource, bool require_cgroup,
			struct err_ctx *reterr)
{
	plan->limit[kind].value = value;
	if (value == 0)
		return 0;
	plan->limit[kind].mech = cgroup_mech(where);
	if (plan->limit[kind].mech != LIMITS_MECH_NONE) {
		if (kind == LIMITS_MEMORY)
			plan->cgroup.memory_bytes = value;
		else
			plan->cgroup.pids = value;
		return 0;
	}
	if (require_cgroup)
		return err_set(reterr, EOPNOTSUPP,
			       "the %s limit needs a cgroup (require_cgroup) and none is usable",
			       kind_names[kind]);
	plan->limit[kind].mech = LIMITS_MECH_RLIMIT;
	add_rlimit(plan, resource, value, value);
	return 0;
}

static void plan_cpu_time(struct limits_plan *plan, uint64_t ms, enum cgroup_version acct)
{
	uint64_t secs = ms / 1000 + (ms % 1000 != 0);
	uint64_t poll = ms / 20;

	plan->limit[LIMITS_CPU_TIME].value = ms;
	if (ms == 0)
		return;
	/* Without a cgroup the supervisor sums the CPU time of the instance's
	 * process tree from /proc: still the whole instance, not per process. */
	plan->limit[LIMITS_CPU_TIME].mech = cgroup_mech(acct);
	if (plan->limit[LIMITS_CPU_TIME].mech == LIMITS_MECH_NONE)
		plan->limit[LIMITS_CPU_TIME].mech = LIMITS_MECH_SUPERVISOR;
	if (poll < LIMITS_CPU_POLL_MIN_MS)
		poll = LIMITS_CPU_POLL_MIN_MS;
	if (poll > LIMITS_CPU_POLL_MAX_MS)
		poll = LIMITS_CPU_POLL_MAX_MS;
	plan->cpu_poll_ms = poll;
	/* SIGXCPU at the limit, SIGKILL a second later if the process ignores it. */
	add_rlimit(plan, RLIMIT_CPU, secs, secs + 1);
}

static void plan_cpus(struct limits_plan *plan, double cpus, enum cgroup_version where)
{
	double quota;

	plan->cpus = cpus;
	if (cpus == 0)
		return;
	plan->limit[LIMITS_CPUS].mech = cgroup_mech(where);
	if (plan->limit[LIMITS_CPUS].mech == LIMITS_MECH_NONE)
		return;
	quota = cpus * CPU_PERIOD_US + 0.5;
	plan->cgroup.cpu_quota_us = quota < CPU_QUOTA_MIN_US ? CPU_QUOTA_MIN_US : (uint64_t)quota;
	plan->cgroup.cpu_period_us = CPU_PERIOD_US;
}

static void plan_plain(struct limits_plan *plan, enum limits_kind kind, uint64_t value,
		       enum limits_mech mech, int resource)
{
	plan->limit[kind].value = value;
	if (value == 0)
		return;
	plan->limit[kind].mech = mech;
	if (mech == LIMITS_MECH_RLIMIT)
		add_rlimit(plan, resource, value, value);
}

/*
 * Which hierarchies get a leaf. A v2 leaf is nearly free (the child is
 * cloned into it) and gives exact usage, so v2 controllers are always used.
 * Joining a v1 hierarchy waits for an RCU grace period (7-15 ms measured on
 * this kind of host), so a v1 controller is used only when it enforces a
 * limit; the report then takes usage from rusage and /proc instead.
 */
static void plan_leaves(struct limits_plan *plan, const struct limits_avail *avail)
{
	static const enum limits_kind backs[_CGROUP_CTRL_MAX] = {
		[CGROUP_CTRL_MEMORY] = LIMITS_MEMORY,
		[CGROUP_CTRL_PIDS] = LIMITS_PIDS,
		[CGROUP_CTRL_CPU] = LIMITS_CPUS,
		[CGROUP_CTRL_CPUACCT] = LIMITS_CPU_TIME,
	};

	for (int c = 0; c < _CGROUP_CTRL_MAX; c++) {
		enum limits_mech m = plan->limit[backs[c]].mech;

		if (avail->ctrl[c] == CGROUP_V2 ||
		    (avail->ctrl[c] == CGROUP_V1 && m == LIMITS_MECH_CGROUP1))
			plan->cgroup.use[c] = avail->ctrl[c];
	}
}

int limits_plan_make(const struct policy_limits *lim, const struct limits_avail *avail,
		     struct limits_plan *ret, struct err_ctx *reterr)
{
	int r;

	memset(ret, 0, sizeof(*ret));
	if (!isfinite(lim->cpus) || lim->cpus < 0 || lim->cpus > CPUS_MAX)
		return err_set(reterr, EINVAL, "cpus must be a number from 0 to %g", CPUS_MAX);
	add_rlimit(ret, RLIMIT_CORE, 0, 0);
	r = plan_counted(ret, LIMITS_MEMORY, lim->memory_bytes, avail->ctrl[CGROUP_CTRL_MEMORY],
			 RLIMIT_AS, lim->require_cgroup, reterr);
	if (r < 0)
		return r;
	r = plan_counted(ret, LIMITS_PIDS, lim->pids, avail->ctrl[CGROUP_CTRL_PIDS], RLIMIT_NPROC,
			 lim->require_cgroup, reterr);
	if (r < 0)
		return r;
	plan_cpu_time(ret, lim->cpu_ms, avail->ctrl[CGROUP_CTRL_CPUACCT]);
	plan_plain(ret, LIMITS_WALL_TIME, lim->wall_ms, LIMITS_MECH_SUPERVISOR, 0);
	plan_plain(ret, LIMITS_OUTPUT, lim->output_bytes, LIMITS_MECH_SUPERVISOR, 0);
	plan_plain(ret, LIMITS_FILE_SIZE, lim->file_size_bytes, LIMITS_MECH_RLIMIT, RLIMIT_FSIZE);
	plan_plain(ret, LIMITS_OPEN_FILES, lim->open_files, LIMITS_MECH_RLIMIT, RLIMIT_NOFILE);
	plan_cpus(ret, lim->cpus, avail->ctrl[CGROUP_CTRL_CPU]);
	plan_leaves(ret, avail);
	return 0;
}

static bool counted(uint64_t v)
{
	return v != CGROUP_UNKNOWN && v > 0;
}

/* What the kernel's counters say, for the limits they can tell about. */
static bool kernel_hit(const struct limits_plan *plan, const struct cgroup_usage *u,
		       enum limits_kind k)
{
	enum limits_mech m = plan->limit[k].mech;
	bool by_cgroup = m == LIMITS_MECH_CGROUP1 || m == LIMITS_MECH_CGROUP2;

	if (!u)
		return false;
	if (k == LIMITS_MEMORY)
		return by_cgroup && counted(u->oom_kills);
	if (k == LIMITS_PIDS)
		return by_cgroup && counted(u->pids_max_hits);
	if (k == LIMITS_CPU_TIME)
		return plan->limit[k].value && u->cpu_usec != CGROUP_UNKNOWN &&
		       u->cpu_usec / 1000 >= plan->limit[k].value;
	return false;
}

static json_t *limit_value(const struct limits_plan *plan, enum limits_kind k)
{
	uint64_t v = plan->limit[k].value;

	if (k == LIMITS_CPUS)
		return plan->cpus > 0 ? json_real(plan->cpus) : json_null();
	if (v == 0)
		return json_null();
	return json_integer(v > INT64_MAX ? INT64_MAX : (json_int_t)v);
}

int limits_plan_report(const struct limits_plan *plan, const struct cgroup_usage *usage,
		       const bool hit[_LIMITS_KIND_MAX], json_t *obj)
{
	for (int k = 0; k < _LIMITS_KIND_MAX; k++) {
		const char *mech = limits_mech_name(plan->limit[k].mech);
		bool was_hit = (hit && hit[k]) || kernel_hit(plan, usage, k);
		json_t *e =
			json_pack("{s:o, s:b, s:o}", "value", limit_value(plan, k), "hit", was_hit,
				  "enforced_by", mech ? json_string(mech) : json_null());

		if (!e || json_object_set_new(obj, kind_names[k], e) < 0)
			return -ENOMEM;
	}
	return 0;
}
