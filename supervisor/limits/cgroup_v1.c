/* SPDX-License-Identifier: MIT */
/* cgroup v1: limits and usage on one instance leaf of a per-controller hierarchy. */
#include "supervisor/limits/cgroup_internal.h"

#include <errno.h>
#include <unistd.h>

static int v1_apply_memory(int fd, const char *path, uint64_t bytes, struct err_ctx *reterr)
{
	int r;

	if (bytes == 0)
		return 0;
	r = cgfs_write_u64(fd, path, "memory.limit_in_bytes", bytes, reterr);
	if (r < 0)
		return r;
	/*
	 * memsw (memory + swap) must stay >= limit_in_bytes, so it comes second;
	 * equal values leave the instance no swap. Absent without swap accounting.
	 */
	if (cgfs_exists(fd, "memory.memsw.limit_in_bytes"))
		r = cgfs_write_u64(fd, path, "memory.memsw.limit_in_bytes", bytes, reterr);
	return r;
}

static int v1_apply_cpu(int fd, const char *path, const struct cgroup_settings *set,
			struct err_ctx *reterr)
{
	int r;

	if (set->cpu_quota_us == 0)
		return 0;
	/* The quota is checked against the period, so the period goes first. */
	r = cgfs_write_u64(fd, path, "cpu.cfs_period_us", set->cpu_period_us, reterr);
	if (r < 0)
		return r;
	return cgfs_write_u64(fd, path, "cpu.cfs_quota_us", set->cpu_quota_us, reterr);
}

int cgroup_v1_apply(int fd, const char *path, unsigned ctrls, const struct cgroup_settings *set,
		    struct err_ctx *reterr)
{
	int r;

	if (ctrls & CGROUP_MASK(CGROUP_CTRL_MEMORY)) {
		r = v1_apply_memory(fd, path, set->memory_bytes, reterr);
		if (r < 0)
			return r;
	}
	if ((ctrls & CGROUP_MASK(CGROUP_CTRL_PIDS)) && set->pids) {
		r = cgfs_write_pids_max(fd, path, set->pids, reterr);
		if (r < 0)
			return r;
	}
	if (ctrls & CGROUP_MASK(CGROUP_CTRL_CPU)) {
		r = v1_apply_cpu(fd, path, set, reterr);
		if (r < 0)
			return r;
	}
	return 0;
}

/* USER_HZ ticks to microseconds, saturating. */
static uint64_t ticks_to_usec(uint64_t ticks)
{
	long hz = sysconf(_SC_CLK_TCK);
	uint64_t usec;

	if (ticks == CGROUP_UNKNOWN)
		return CGROUP_UNKNOWN;
	if (hz <= 0)
		hz = 100;
	if (__builtin_mul_overflow(ticks, 1000000u / (uint64_t)hz, &usec))
		return CGROUP_UNKNOWN - 1;
	return usec;
}

static void v1_usage_cpuacct(int fd, const char *path, struct cgroup_usage *u, int *first,
			     struct err_ctx *reterr)
{
	static const char *const stat_keys[] = {"user", "system"};
	uint64_t ns = CGROUP_UNKNOWN, user = CGROUP_UNKNOWN, sys = CGROUP_UNKNOWN;
	uint64_t *const ns_ret[] = {&ns};
	uint64_t *const stat_rets[] = {&user, &sys};

	cgfs_usage_read(fd, path, "cpuacct.usage", NULL, ns_ret, 1, first, reterr);
	cgfs_usage_read(fd, path, "cpuacct.stat", stat_keys, stat_rets, 2, first, reterr);
	if (ns != CGROUP_UNKNOWN)
		u->cpu_usec = ns / 1000;
	u->cpu_user_usec = ticks_to_usec(user);
	u->cpu_system_usec = ticks_to_usec(sys);
}

/*
 * With memsw limited too, a charge fails on the memsw counter first and only
 * memory.memsw.failcnt moves: either counter at its limit is a limit hit.
 */
static void v1_usage_failcnt(int fd, const char *path, struct cgroup_usage *u, int *first,
			     struct err_ctx *reterr)
{
	uint64_t mem = CGROUP_UNKNOWN, memsw = CGROUP_UNKNOWN;
	uint64_t *const mem_ret[] = {&mem};
	uint64_t *const memsw_ret[] = {&memsw};

	cgfs_usage_read(fd, path, "memory.failcnt", NULL, mem_ret, 1, first, reterr);
	cgfs_usage_read(fd, path, "memory.memsw.failcnt", NULL, memsw_ret, 1, first, reterr);
	if (mem == CGROUP_UNKNOWN)
		return;
	if (memsw != CGROUP_UNKNOWN && __builtin_add_overflow(mem, memsw, &mem))
		mem = CGROUP_UNKNOWN - 1;
	u->memory_max_hits = mem;
}

int cgroup_v1_usage(int fd, const char *path, unsigned ctrls, struct cgroup_usage *u,
		    struct err_ctx *reterr)
{
	static const char *const oom_keys[] = {"oom_kill"};
	static const char *const pids_keys[] = {"max"};
	uint64_t *const peak_ret[] = {&u->memory_peak_bytes};
	uint64_t *const oom_ret[] = {&u->oom_kills};
	uint64_t *const pids_peak_ret[] = {&u->pids_peak};
	uint64_t *const pids_rets[] = {&u->pids_max_hits};
	int first = 0;

	if (ctrls & CGROUP_MASK(CGROUP_CTRL_CPUACCT))
		v1_usage_cpuacct(fd, path, u, &first, reterr);
	if (ctrls & CGROUP_MASK(CGROUP_CTRL_MEMORY)) {
		cgfs_usage_read(fd, path, "memory.max_usage_in_bytes", NULL, peak_ret, 1, &first,
				reterr);
		/* oom_kill appeared in 4.13; older kernels leave it unknown. */
		cgfs_usage_read(fd, path, "memory.oom_control", oom_keys, oom_ret, 1, &first,
				reterr);
		v1_usage_failcnt(fd, path, u, &first, reterr);
	}
	if (ctrls & CGROUP_MASK(CGROUP_CTRL_PIDS)) {
		cgfs_usage_read(fd, path, "pids.peak", NULL, pids_peak_ret, 1, &first, reterr);
		cgfs_usage_read(fd, path, "pids.events", pids_keys, pids_rets, 1, &first, reterr);
	}
	return first;
}
