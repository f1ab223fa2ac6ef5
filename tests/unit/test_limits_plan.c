/* SPDX-License-Identifier: MIT */
/* Which mechanism enforces each limit, for every kind of host, and the report. */
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <string.h>
#include <sys/resource.h>

#include "policy/policy.h"
#include "supervisor/limits/plan.h"

static const struct policy_limits everything = {
	.wall_ms = 10000,
	.cpu_ms = 1000,
	.memory_bytes = 64u << 20,
	.pids = 32,
	.output_bytes = 1u << 20,
	.file_size_bytes = 1u << 20,
	.open_files = 256,
	.tmpfs_bytes = 64u << 20,
	.cpus = 0.5,
	.grace_ms = 2000,
};

static struct limits_avail avail_all(enum cgroup_version v)
{
	struct limits_avail a = {.ctrl = {v, v, v, v}};
	return a;
}

/* The rlimit for resource in the plan, or NULL. */
static const struct child_rlimit *find_rlimit(const struct limits_plan *p, int resource)
{
	const struct child_rlimit *found = NULL;

	for (size_t i = 0; i < p->n_rlimits; i++) {
		if (p->rlimits[i].resource != resource)
			continue;
		cr_expect_null(found, "resource %d listed twice", resource);
		found = &p->rlimits[i];
	}
	return found;
}

static void expect_rlimit(const struct limits_plan *p, int resource, rlim_t cur, rlim_t max)
{
	const struct child_rlimit *rl = find_rlimit(p, resource);

	cr_assert_not_null(rl, "resource %d missing", resource);
	cr_expect_eq(rl->cur, cur, "resource %d cur", resource);
	cr_expect_eq(rl->max, max, "resource %d max", resource);
}

static void expect_common(const struct limits_plan *p)
{
	cr_expect_eq(p->limit[LIMITS_WALL_TIME].mech, LIMITS_MECH_SUPERVISOR);
	cr_expect_eq(p->limit[LIMITS_OUTPUT].mech, LIMITS_MECH_SUPERVISOR);
	cr_expect_eq(p->limit[LIMITS_FILE_SIZE].mech, LIMITS_MECH_RLIMIT);
	cr_expect_eq(p->limit[LIMITS_OPEN_FILES].mech, LIMITS_MECH_RLIMIT);
	expect_rlimit(p, RLIMIT_CORE, 0, 0);
	expect_rlimit(p, RLIMIT_FSIZE, 1u << 20, 1u << 20);
	expect_rlimit(p, RLIMIT_NOFILE, 256, 256);
	/* The per-process CPU backstop is always there. */
	expect_rlimit(p, RLIMIT_CPU, 1, 2);
}

Test(limits_plan, cgroup2_host_enforces_in_the_kernel)
{
	struct limits_avail a = avail_all(CGROUP_V2);
	struct limits_plan p;

	cr_assert_eq(limits_plan_make(&everything, &a, &p, NULL), 0);
	cr_expect_eq(p.limit[LIMITS_MEMORY].mech, LIMITS_MECH_CGROUP2);
	cr_expect_eq(p.limit[LIMITS_PIDS].mech, LIMITS_MECH_CGROUP2);
	cr_expect_eq(p.limit[LIMITS_CPU_TIME].mech, LIMITS_MECH_CGROUP2);
	cr_expect_eq(p.limit[LIMITS_CPUS].mech, LIMITS_MECH_CGROUP2);
	cr_expect_eq(p.cpu_poll_ms, 50u);
	cr_expect_eq(p.cgroup.memory_bytes, 64u << 20);
	cr_expect_eq(p.cgroup.pids, 32u);
	cr_expect_eq(p.cgroup.cpu_quota_us, 50000u);
	cr_expect_eq(p.cgroup.cpu_period_us, 100000u);
	for (int c = 0; c < _CGROUP_CTRL_MAX; c++)
		cr_expect_eq(p.cgroup.use[c], CGROUP_V2);
	cr_expect_null(find_rlimit(&p, RLIMIT_AS), "no RLIMIT_AS when a cgroup limits memory");
	cr_expect_null(find_rlimit(&p, RLIMIT_NPROC));
	expect_common(&p);
}

Test(limits_plan, cgroup1_host_enforces_in_the_kernel)
{
	struct limits_avail a = avail_all(CGROUP_V1);
	struct limits_plan p;

	cr_assert_eq(limits_plan_make(&everything, &a, &p, NULL), 0);
	cr_expect_eq(p.limit[LIMITS_MEMORY].mech, LIMITS_MECH_CGROUP1);
	cr_expect_eq(p.limit[LIMITS_PIDS].mech, LIMITS_MECH_CGROUP1);
	cr_expect_eq(p.limit[LIMITS_CPU_TIME].mech, LIMITS_MECH_CGROUP1);
	cr_expect_eq(p.limit[LIMITS_CPUS].mech, LIMITS_MECH_CGROUP1);
	cr_expect_eq(p.cgroup.use[CGROUP_CTRL_MEMORY], CGROUP_V1);
	cr_expect_null(find_rlimit(&p, RLIMIT_AS));
	cr_expect_null(find_rlimit(&p, RLIMIT_NPROC));
	expect_common(&p);
}

Test(limits_plan, mixed_host_uses_each_controller_where_it_is)
{
	struct limits_avail a = {.ctrl = {
					 [CGROUP_CTRL_MEMORY] = CGROUP_V1,
					 [CGROUP_CTRL_PIDS] = CGROUP_NONE,
					 [CGROUP_CTRL_CPU] = CGROUP_NONE,
					 [CGROUP_CTRL_CPUACCT] = CGROUP_V2,
				 }};
	struct limits_plan p;

	cr_assert_eq(limits_plan_make(&everything, &a, &p, NULL), 0);
	cr_expect_eq(p.limit[LIMITS_MEMORY].mech, LIMITS_MECH_CGROUP1);
	cr_expect_eq(p.limit[LIMITS_PIDS].mech, LIMITS_MECH_RLIMIT);
	expect_rlimit(&p, RLIMIT_NPROC, 32, 32);
	cr_expect_eq(p.cgroup.pids, 0u, "no cgroup pids limit without the controller");
	cr_expect_eq(p.limit[LIMITS_CPU_TIME].mech, LIMITS_MECH_CGROUP2);
	cr_expect_eq(p.limit[LIMITS_CPUS].mech, LIMITS_MECH_NONE, "cpus cannot be enforced");
	cr_expect_eq(p.cgroup.cpu_quota_us, 0u);
	cr_expect_eq(p.cgroup.use[CGROUP_CTRL_PIDS], CGROUP_NONE);
	expect_common(&p);
}

Test(limits_plan, no_cgroup_falls_back_to_rlimits_and_polls_the_process_tree)
{
	struct limits_avail a = avail_all(CGROUP_NONE);
	struct limits_plan p;

	cr_assert_eq(limits_plan_make(&everything, &a, &p, NULL), 0);
	cr_expect_eq(p.limit[LIMITS_MEMORY].mech, LIMITS_MECH_RLIMIT);
	cr_expect_eq(p.limit[LIMITS_PIDS].mech, LIMITS_MECH_RLIMIT);
	cr_expect_eq(p.limit[LIMITS_CPU_TIME].mech, LIMITS_MECH_SUPERVISOR);
	cr_expect_eq(p.limit[LIMITS_CPUS].mech, LIMITS_MECH_NONE);
	cr_expect_neq(p.cpu_poll_ms, 0u, "the supervisor polls /proc instead");
	expect_rlimit(&p, RLIMIT_AS, 64u << 20, 64u << 20);
	expect_rlimit(&p, RLIMIT_NPROC, 32, 32);
	for (int c = 0; c < _CGROUP_CTRL_MAX; c++)
		cr_expect_eq(p.cgroup.use[c], CGROUP_NONE);
	cr_expect_eq(p.cgroup.memory_bytes, 0u);
	expect_common(&p);
}

Test(limits_plan, require_cgroup_fails_instead_of_falling_back)
{
	struct policy_limits lim = everything;
	struct limits_avail none = avail_all(CGROUP_NONE);
	struct limits_avail no_pids = avail_all(CGROUP_V1);
	struct limits_plan p;
	struct err_ctx e = {0};

	lim.require_cgroup = true;
	cr_expect_eq(limits_plan_make(&lim, &none, &p, &e), -EOPNOTSUPP);
	cr_expect(strstr(e.msg, "memory") != NULL, "%s", e.msg);
	no_pids.ctrl[CGROUP_CTRL_PIDS] = CGROUP_NONE;
	cr_expect_eq(limits_plan_make(&lim, &no_pids, &p, &e), -EOPNOTSUPP);
	cr_expect(strstr(e.msg, "pids") != NULL, "%s", e.msg);
	/* cpus without a cpu controller is reported, not refused. */
	no_pids.ctrl[CGROUP_CTRL_PIDS] = CGROUP_V1;
	no_pids.ctrl[CGROUP_CTRL_CPU] = CGROUP_NONE;
	cr_expect_eq(limits_plan_make(&lim, &no_pids, &p, NULL), 0);
	/* Nothing to enforce, nothing to refuse. */
	lim.memory_bytes = 0;
	lim.pids = 0;
	cr_expect_eq(limits_plan_make(&lim, &none, &p, NULL), 0);
}

Test(limits_plan, unlimited_needs_no_mechanism)
{
	struct policy_limits lim = {0};
	struct limits_avail a = avail_all(CGROUP_V2);
	struct limits_plan p;

	cr_assert_eq(limits_plan_make(&lim, &a, &p, NULL), 0);
	for (int k = 0; k < _LIMITS_KIND_MAX; k++)
		cr_expect_eq(p.limit[k].mech, LIMITS_MECH_NONE, "%s", limits_kind_name(k));
	cr_expect_eq(p.n_rlimits, 1u);
	expect_rlimit(&p, RLIMIT_CORE, 0, 0);
	/* Leaves still come, for the usage report. */
	cr_expect_eq(p.cgroup.use[CGROUP_CTRL_MEMORY], CGROUP_V2);
	cr_expect_eq(p.cgroup.memory_bytes, 0u);
}

Test(limits_plan, cpu_values_are_checked_and_rounded)
{
	struct policy_limits lim = everything;
	struct limits_avail a = avail_all(CGROUP_V2);
	struct limits_plan p;

	lim.cpus = NAN;
	cr_expect_eq(limits_plan_make(&lim, &a, &p, NULL), -EINVAL);
	lim.cpus = -1;
	cr_expect_eq(limits_plan_make(&lim, &a, &p, NULL), -EINVAL);
	lim.cpus = INFINITY;
	cr_expect_eq(limits_plan_make(&lim, &a, &p, NULL), -EINVAL);
	lim.cpus = 0.001; /* below the kernel's 1 ms quota */
	cr_assert_eq(limits_plan_make(&lim, &a, &p, NULL), 0);
	cr_expect_eq(p.cgroup.cpu_quota_us, 1000u);
	lim.cpus = 2.5;
	cr_assert_eq(limits_plan_make(&lim, &a, &p, NULL), 0);
	cr_expect_eq(p.cgroup.cpu_quota_us, 250000u);

	lim.cpu_ms = 100;
	cr_assert_eq(limits_plan_make(&lim, &a, &p, NULL), 0);
	cr_expect_eq(p.cpu_poll_ms, (uint64_t)LIMITS_CPU_POLL_MIN_MS);
	lim.cpu_ms = 3600 * 1000;
	cr_assert_eq(limits_plan_make(&lim, &a, &p, NULL), 0);
	cr_expect_eq(p.cpu_poll_ms, (uint64_t)LIMITS_CPU_POLL_MAX_MS);
	lim.cpu_ms = 1500; /* RLIMIT_CPU rounds up to whole seconds */
	cr_assert_eq(limits_plan_make(&lim, &a, &p, NULL), 0);
	expect_rlimit(&p, RLIMIT_CPU, 2, 3);
}

static json_t *member(json_t *obj, const char *kind, const char *field)
{
	json_t *e = json_object_get(obj, kind);

	cr_assert_not_null(e, "no '%s' in the report", kind);
	return json_object_get(e, field);
}

Test(limits_plan, report_names_value_hit_and_mechanism)
{
	struct policy_limits lim = everything;
	struct limits_avail a = avail_all(CGROUP_V1);
	struct limits_plan p;
	bool hit[_LIMITS_KIND_MAX] = {[LIMITS_WALL_TIME] = true};
	json_t *obj = json_object();

	lim.open_files = 0;
	a.ctrl[CGROUP_CTRL_CPU] = CGROUP_NONE;
	cr_assert_eq(limits_plan_make(&lim, &a, &p, NULL), 0);
	cr_assert_eq(limits_plan_report(&p, NULL, hit, obj), 0);
	cr_expect_eq(json_object_size(obj), (size_t)_LIMITS_KIND_MAX);
	cr_expect_eq(json_integer_value(member(obj, "memory", "value")), 64 << 20);
	cr_expect_str_eq(json_string_value(member(obj, "memory", "enforced_by")), "cgroup1");
	cr_expect(json_is_false(member(obj, "memory", "hit")));
	cr_expect(json_is_true(member(obj, "wall_time", "hit")));
	cr_expect_eq(json_integer_value(member(obj, "wall_time", "value")), 10000);
	cr_expect_str_eq(json_string_value(member(obj, "wall_time", "enforced_by")), "supervisor");
	cr_expect_str_eq(json_string_value(member(obj, "file_size", "enforced_by")), "rlimit");
	cr_expect(json_is_null(member(obj, "open_files", "value")), "unlimited is null");
	cr_expect(json_is_null(member(obj, "open_files", "enforced_by")));
	cr_expect(json_real_value(member(obj, "cpus", "value")) == 0.5);
	cr_expect(json_is_null(member(obj, "cpus", "enforced_by")), "no cpu controller");
	json_decref(obj);
}

Test(limits_plan, report_takes_hits_from_kernel_counters)
{
	struct limits_avail a = avail_all(CGROUP_V2);
	struct limits_plan p;
	struct cgroup_usage u;
	json_t *obj = json_object();

	memset(&u, 0xff, sizeof(u)); /* all unknown */
	u.oom_kills = 1;
	u.pids_max_hits = 4;
	u.cpu_usec = 1000000; /* exactly the 1 s limit */
	cr_assert_eq(limits_plan_make(&everything, &a, &p, NULL), 0);
	cr_assert_eq(limits_plan_report(&p, &u, NULL, obj), 0);
	cr_expect(json_is_true(member(obj, "memory", "hit")));
	cr_expect(json_is_true(member(obj, "pids", "hit")));
	cr_expect(json_is_true(member(obj, "cpu_time", "hit")));
	cr_expect(json_is_false(member(obj, "output", "hit")));
	json_decref(obj);

	obj = json_object();
	u.oom_kills = 0;
	u.pids_max_hits = CGROUP_UNKNOWN;
	u.cpu_usec = 999999;
	cr_assert_eq(limits_plan_report(&p, &u, NULL, obj), 0);
	cr_expect(json_is_false(member(obj, "memory", "hit")));
	cr_expect(json_is_false(member(obj, "pids", "hit")), "unknown is not a hit");
	cr_expect(json_is_false(member(obj, "cpu_time", "hit")));
	json_decref(obj);
}

Test(limits_plan, names_match_the_policy_and_report_vocabulary)
{
	cr_expect_str_eq(limits_kind_name(LIMITS_CPU_TIME), "cpu_time");
	cr_expect_str_eq(limits_kind_name(LIMITS_OPEN_FILES), "open_files");
	cr_expect_null(limits_kind_name(_LIMITS_KIND_MAX));
	cr_expect_str_eq(limits_mech_name(LIMITS_MECH_CGROUP2), "cgroup2");
	cr_expect_str_eq(limits_mech_name(LIMITS_MECH_SUPERVISOR), "supervisor");
	cr_expect_null(limits_mech_name(LIMITS_MECH_NONE));
	for (int k = 0; k < _LIMITS_KIND_MAX; k++)
		cr_expect_not_null(limits_kind_name(k));
}

Test(limits_plan, avail_follows_cgroup_env)
{
	struct cgroup_env env;
	struct limits_avail a;

	memset(&env, 0, sizeof(env));
	env.v2_usable = CGROUP_MASK(CGROUP_CTRL_MEMORY) | CGROUP_MASK(CGROUP_CTRL_CPUACCT);
	env.v1[CGROUP_CTRL_PIDS].found = true;
	env.v1[CGROUP_CTRL_PIDS].writable = true;
	env.v1[CGROUP_CTRL_CPU].found = true; /* but not writable */
	limits_avail_from_env(&env, &a);
	cr_expect_eq(a.ctrl[CGROUP_CTRL_MEMORY], CGROUP_V2);
	cr_expect_eq(a.ctrl[CGROUP_CTRL_PIDS], CGROUP_V1);
	cr_expect_eq(a.ctrl[CGROUP_CTRL_CPU], CGROUP_NONE);
	cr_expect_eq(a.ctrl[CGROUP_CTRL_CPUACCT], CGROUP_V2);
}

Test(limits_plan, cgroup1_leaves_only_for_controllers_that_enforce_a_limit)
{
	/* Each v1 join waits for an RCU grace period: accounting alone is not worth it. */
	struct policy_limits only_memory = {.memory_bytes = 64u << 20};
	struct limits_avail a = avail_all(CGROUP_V1);
	struct limits_plan p;

	cr_assert_eq(limits_plan_make(&only_memory, &a, &p, NULL), 0);
	cr_expect_eq(p.cgroup.use[CGROUP_CTRL_MEMORY], CGROUP_V1);
	cr_expect_eq(p.cgroup.use[CGROUP_CTRL_PIDS], CGROUP_NONE);
	cr_expect_eq(p.cgroup.use[CGROUP_CTRL_CPU], CGROUP_NONE);
	cr_expect_eq(p.cgroup.use[CGROUP_CTRL_CPUACCT], CGROUP_NONE);
}

Test(limits_plan, cgroup2_leaf_is_used_for_accounting_even_without_limits)
{
	struct policy_limits none = {0};
	struct limits_avail a = avail_all(CGROUP_V2);
	struct limits_plan p;

	cr_assert_eq(limits_plan_make(&none, &a, &p, NULL), 0);
	for (int c = 0; c < _CGROUP_CTRL_MAX; c++)
		cr_expect_eq(p.cgroup.use[c], CGROUP_V2, "controller %d", c);
}
