/* SPDX-License-Identifier: MIT */
#include "supervisor/limits/runtime.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "common/log.h"
#include "supervisor/limits/proctree.h"

static bool any_cgroup(const struct limits_plan *plan)
{
	for (int c = 0; c < _CGROUP_CTRL_MAX; c++)
		if (plan->cgroup.use[c] != CGROUP_NONE)
			return true;
	return false;
}

/* cgroups are an optimisation of accounting and a requirement only when the
 * policy says so: a host without usable ones falls back to rlimits. */
static void detect_cgroups(struct limits_runtime *rt)
{
	struct err_ctx err = {0};
	unsigned removed = 0;

	if (cgroup_detect_self(&rt->env, &err) < 0) {
		log_msg(LOG_LEVEL_DEBUG, "cgroups not used: %s", err.msg);
		memset(&rt->env, 0, sizeof(rt->env));
		return;
	}
	if (cgroup_cleanup_stale(&rt->env, "/proc", &removed, &err) < 0)
		log_msg(LOG_LEVEL_WARN, "stale cgroup cleanup: %s, ignoring", err.msg);
	else if (removed)
		log_msg(LOG_LEVEL_INFO, "removed %u stale cgroup(s) of dead supervisors", removed);
	if (cgroup_setup(&rt->env, &err) < 0) {
		log_msg(LOG_LEVEL_WARN, "cgroup v2 setup: %s, ignoring", err.msg);
		return;
	}
	rt->env_set_up = true;
	if (rt->env.v2_reason[0])
		log_msg(LOG_LEVEL_DEBUG, "cgroup v2 not used: %s", rt->env.v2_reason);
}

int limits_prepare(const struct policy_limits *lim, const char *instance_id,
		   struct limits_runtime *rt, struct err_ctx *reterr)
{
	struct limits_avail avail;
	int r;

	memset(rt, 0, sizeof(*rt));
	detect_cgroups(rt);
	limits_avail_from_env(&rt->env, &avail);
	r = limits_plan_make(lim, &avail, &rt->plan, reterr);
	if (r < 0)
		return r;
	if (!any_cgroup(&rt->plan))
		return 0;
	return cgroup_instance_create(&rt->env, instance_id, &rt->plan.cgroup, &rt->cg, reterr);
}

int limits_attach(void *ctx, pid_t pid, bool in_v2_leaf, struct err_ctx *reterr)
{
	struct limits_runtime *rt = ctx;

	rt->pid = pid;
	if (!rt->cg)
		return 0;
	return cgroup_instance_attach(rt->cg, pid, in_v2_leaf, reterr);
}

int limits_cpu_sample(void *ctx, uint64_t *ret_cpu_us)
{
	struct limits_runtime *rt = ctx;
	struct cgroup_usage u;

	if (!rt->cg) {
		int r = rt->pid > 0 ? proctree_cpu_usec("/proc", rt->pid, ret_cpu_us) : -ESRCH;

		if (r == 0 && *ret_cpu_us > rt->cpu_seen_us)
			rt->cpu_seen_us = *ret_cpu_us;
		return r;
	}
	cgroup_instance_usage(rt->cg, &u, NULL);
	if (u.cpu_usec == CGROUP_UNKNOWN)
		return -ENODATA;
	*ret_cpu_us = u.cpu_usec;
	return 0;
}

static json_t *known_or_null(uint64_t v)
{
	return v == CGROUP_UNKNOWN ? json_null() : json_integer((json_int_t)v);
}

static uint64_t tv_ms(const struct timeval *tv)
{
	return (uint64_t)tv->tv_sec * 1000 + (uint64_t)tv->tv_usec / 1000;
}

/* cgroup counters where the kernel kept them, pid 1's rusage (or the last
 * /proc sample when larger) otherwise. */
static json_t *usage_fields(const struct cgroup_usage *u, const struct rusage *ru,
			    uint64_t cpu_seen_us)
{
	uint64_t user_ms = tv_ms(&ru->ru_utime), sys_ms = tv_ms(&ru->ru_stime);
	uint64_t total_ms = user_ms + sys_ms;

	if (cpu_seen_us / 1000 > total_ms)
		total_ms = cpu_seen_us / 1000;		/* user/system split unknown for the rest */
	uint64_t peak = (uint64_t)ru->ru_maxrss * 1024; /* max over processes, not a sum */

	if (u->cpu_usec != CGROUP_UNKNOWN) {
		total_ms = u->cpu_usec / 1000;
		if (u->cpu_user_usec != CGROUP_UNKNOWN && u->cpu_system_usec != CGROUP_UNKNOWN) {
			user_ms = u->cpu_user_usec / 1000;
			sys_ms = u->cpu_system_usec / 1000;
		}
	}
	if (u->memory_peak_bytes != CGROUP_UNKNOWN)
		peak = u->memory_peak_bytes;
	return json_pack("{s:{s:I, s:I, s:I}, s:I, s:o}", "cpu_time_ms", "user",
			 (json_int_t)user_ms, "system", (json_int_t)sys_ms, "total",
			 (json_int_t)total_ms, "peak_memory_bytes", (json_int_t)peak,
			 "processes_peak", known_or_null(u->pids_peak));
}

static int ended_by_signal(const struct run_observed *obs)
{
	int st = obs->have_payload_status ? obs->payload_status : obs->init_status;

	return WIFSIGNALED(st) ? WTERMSIG(st) : 0;
}

void limits_finish(struct limits_runtime *rt, const struct rusage *ru, struct run_observed *obs,
		   json_t **ret_limits, json_t **ret_usage)
{
	struct cgroup_usage u;
	bool hit[_LIMITS_KIND_MAX] = {false};
	int sig = ended_by_signal(obs);

	memset(&u, 0xff, sizeof(u)); /* CGROUP_UNKNOWN everywhere */
	if (rt->cg)
		cgroup_instance_usage(rt->cg, &u, NULL);
	obs->memory_oom = u.oom_kills != CGROUP_UNKNOWN && u.oom_kills > 0;
	obs->pids_hit = u.pids_max_hits != CGROUP_UNKNOWN && u.pids_max_hits > 0;
	hit[LIMITS_WALL_TIME] = obs->killed_by == RUN_KILL_TIMEOUT;
	hit[LIMITS_CPU_TIME] = obs->killed_by == RUN_KILL_CPU || sig == SIGXCPU;
	hit[LIMITS_OUTPUT] = obs->output_forwarded < obs->output_bytes;
	hit[LIMITS_FILE_SIZE] = sig == SIGXFSZ;
	hit[LIMITS_MEMORY] = obs->memory_oom;
	hit[LIMITS_PIDS] = obs->pids_hit;
	*ret_limits = json_object();
	limits_plan_report(&rt->plan, rt->cg ? &u : NULL, hit, *ret_limits);
	*ret_usage = usage_fields(&u, ru, rt->cpu_seen_us);
}

void limits_release(struct limits_runtime *rt)
{
	struct err_ctx err = {0};

	if (rt->cg && cgroup_instance_destroy(rt->cg, &err) < 0)
		log_msg(LOG_LEVEL_WARN, "cannot remove the instance's cgroup: %s, ignoring",
			err.msg);
	rt->cg = NULL;
	if (rt->env_set_up && cgroup_teardown(&rt->env, &err) < 0)
		log_msg(LOG_LEVEL_WARN, "cgroup teardown: %s, ignoring", err.msg);
	rt->env_set_up = false;
}
