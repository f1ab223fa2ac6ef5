/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>

#include "common/cleanup.h"
#include "policy/internal.h"

/*
 * The effective policy as JSON with the keys of the format, so that the
 * output of `vmsandbox check --print` loads back as the same policy. Sizes
 * are plain byte counts; durations keep a unit so that milliseconds survive.
 * Each builder returns NULL if anything inside it failed (json_pack fails on
 * a NULL "o" argument too), so one check at the top covers every allocation.
 */

/* Both steal v; false if v is NULL or the insertion failed. */
static bool put(json_t *o, const char *key, json_t *v)
{
	return v && json_object_set_new(o, key, v) == 0;
}

static bool push(json_t *a, json_t *v)
{
	return v && json_array_append_new(a, v) == 0;
}

/* Returns o, or NULL (dropping o) when ok is false. */
static json_t *finish(json_t *o, bool ok)
{
	if (ok && o)
		return o;
	if (o)
		json_decref(o);
	return NULL;
}

static json_t *duration_json(uint64_t ms)
{
	static const struct {
		uint64_t ms;
		const char *unit;
	} units[] = {{3600000, "h"}, {60000, "m"}, {1000, "s"}, {1, "ms"}};
	char buf[40];
	size_t i;

	if (ms == 0)
		return json_integer(0);
	for (i = 0; ms % units[i].ms != 0; i++)
		;
	snprintf(buf, sizeof(buf), "%" PRIu64 "%s", ms / units[i].ms, units[i].unit);
	return json_string(buf);
}

/* JSON integers are signed: larger values go out as hex text, which loads back. */
static json_t *u64_json(uint64_t v)
{
	char buf[24];

	if (v <= INT64_MAX)
		return json_integer((json_int_t)v);
	snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
	return json_string(buf);
}

static json_t *errno_json(int err)
{
	const char *name = policy_errno_name(err);

	return name ? json_string(name) : json_integer(err);
}

static json_t *mount_json(const struct policy_mount *m)
{
	json_t *o = json_object();
	bool ok = put(o, "type", json_string(policy_mount_kind_name(m->kind)));
	char mode[8];

	switch (m->kind) {
	case POLICY_MOUNT_BIND_RO:
	case POLICY_MOUNT_BIND_RW:
		ok = ok && put(o, "source", json_string(m->source));
		ok = ok && put(o, "optional", json_boolean(m->optional));
		break;
	case POLICY_MOUNT_SYMLINK:
		ok = ok && put(o, "target", json_string(m->source));
		break;
	case POLICY_MOUNT_TMPFS:
		ok = ok && put(o, "size", u64_json(m->size));
		break;
	case POLICY_MOUNT_PROC:
	case POLICY_MOUNT_DEV:
	case POLICY_MOUNT_DIR:
	case _POLICY_MOUNT_KIND_MAX:
	default:
		break;
	}
	ok = ok && put(o, "dest", json_string(m->dest));
	if (m->kind == POLICY_MOUNT_TMPFS || m->kind == POLICY_MOUNT_DIR) {
		snprintf(mode, sizeof(mode), "%04o", m->mode & 07777);
		ok = ok && put(o, "mode", json_string(mode));
	}
	if (m->kind == POLICY_MOUNT_BIND_RO || m->kind == POLICY_MOUNT_BIND_RW ||
	    m->kind == POLICY_MOUNT_TMPFS) {
		ok = ok && put(o, "suid", json_boolean(m->allow_suid));
		ok = ok && put(o, "dev", json_boolean(m->allow_dev));
		ok = ok && put(o, "noexec", json_boolean(m->noexec));
	}
	return finish(o, ok);
}

static json_t *filesystem_json(const struct policy *p)
{
	json_t *a = json_array();
	bool ok = a != NULL;
	size_t i;

	for (i = 0; ok && i < p->n_mounts; i++)
		ok = push(a, mount_json(&p->mounts[i]));
	return json_pack("{s:o}", "mounts", finish(a, ok));
}

static json_t *env_json(const struct policy_environment *env)
{
	json_t *keep = json_array(), *set = json_object();
	bool ok = keep && set;
	size_t i;

	for (i = 0; ok && i < env->n_keep; i++)
		ok = push(keep, json_string(env->keep[i]));
	for (i = 0; ok && i < env->n_set; i++)
		ok = put(set, env->set[i].name, json_string(env->set[i].value));
	if (!ok) {
		finish(keep, false);
		finish(set, false);
		return NULL;
	}
	return json_pack("{s:o,s:o}", "keep", keep, "set", set);
}

static json_t *syscall_name_json(int nr)
{
	char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
	json_t *j = name ? json_string(name) : NULL;

	free(name);
	return j;
}

static json_t *rule_json(const struct policy_syscall_rule *r)
{
	json_t *o =
		json_pack("{s:[s],s:s}", "names", r->name, "action", policy_action_name(r->action));
	json_t *args = json_array();
	bool ok = o && args;
	unsigned i;

	if (ok && r->action == POLICY_ACTION_ERRNO)
		ok = put(o, "errno", errno_json(r->err));
	for (i = 0; ok && i < r->n_args; i++) {
		const struct policy_arg *a = &r->args[i];
		json_t *ja = json_pack("{s:i,s:s,s:o}", "index", (int)a->index, "op",
				       policy_arg_op_name(a->op), "value", u64_json(a->value));

		if (ja && a->op == POLICY_ARG_MASKED_EQ && !put(ja, "mask", u64_json(a->mask)))
			ja = finish(ja, false);
		ok = push(args, ja);
	}
	if (ok && r->n_args > 0)
		return finish(o, put(o, "args", args));
	finish(args, false);
	return finish(o, ok);
}

static json_t *syscalls_json(const struct policy_syscalls *s)
{
	json_t *allow = json_array(), *deny = json_array();
	bool ok = allow && deny;
	size_t i;

	for (i = 0; ok && i < s->n_allow; i++)
		ok = push(allow, syscall_name_json(s->allow[i]));
	for (i = 0; ok && i < s->n_deny; i++)
		ok = push(deny, rule_json(&s->deny[i]));
	if (!ok) {
		finish(allow, false);
		finish(deny, false);
		return NULL;
	}
	return json_pack("{s:s,s:o,s:o,s:o}", "default_action",
			 policy_action_name(s->default_action), "default_errno",
			 errno_json(s->default_errno ? s->default_errno : EPERM), "allow", allow,
			 "deny", deny);
}

static json_t *caps_json(uint64_t keep)
{
	json_t *a = json_array();
	bool ok = a != NULL;
	int cap;

	for (cap = 0; ok && cap < 64; cap++) {
		char *name, *c;

		if (!(keep & (UINT64_C(1) << cap)))
			continue;
		name = cap_to_name(cap);
		for (c = name; c && *c; c++)
			*c = (char)toupper((unsigned char)*c);
		ok = push(a, name ? json_string(name) : NULL);
		cap_free(name);
	}
	return finish(a, ok);
}

static json_t *limits_json(const struct policy_limits *l)
{
	return json_pack("{s:o,s:o,s:o,s:o,s:o,s:s,s:o,s:o,s:o,s:f,s:o,s:b}", "wall_time",
			 duration_json(l->wall_ms), "cpu_time", duration_json(l->cpu_ms), "memory",
			 u64_json(l->memory_bytes), "pids", u64_json(l->pids), "output",
			 u64_json(l->output_bytes), "on_output_limit",
			 policy_output_name(l->on_output_limit), "file_size",
			 u64_json(l->file_size_bytes), "open_files", u64_json(l->open_files),
			 "tmpfs_size", u64_json(l->tmpfs_bytes), "cpus", l->cpus, "grace_period",
			 duration_json(l->grace_ms), "require_cgroup", (int)l->require_cgroup);
}

/* The names of the set bits of a flag word, in bit order. */
static json_t *flags_json(uint32_t set, const char *(*name)(uint32_t bit))
{
	json_t *a = json_array();
	bool ok = a != NULL;
	unsigned bit;

	for (bit = 0; ok && bit < 32; bit++)
		if (set & (UINT32_C(1) << bit))
			ok = push(a, json_string(name(UINT32_C(1) << bit)));
	return finish(a, ok);
}

static const char *effect_name(uint32_t bit)
{
	return policy_effect_name((enum policy_effect)bit);
}

static const char *right_name(uint32_t bit)
{
	return policy_right_name((enum policy_right)bit);
}

static json_t *grant_json(const struct policy_grant *g)
{
	_cleanup_free_ char *resource = NULL;

	if (asprintf(&resource, "%s:%s", policy_grant_kind_name(g->kind), g->name) < 0)
		return NULL;
	return json_pack("{s:s,s:o}", "resource", resource, "rights",
			 flags_json(g->rights, right_name));
}

/* Printed even when empty, so that --print shows the broker is off. */
static json_t *broker_json(const struct policy_broker *b)
{
	json_t *grants = json_array(), *regions = json_array();
	json_t *o = json_pack("{s:o,s:o,s:o,s:{s:o,s:o,s:o}}", "effects",
			      flags_json(b->effects, effect_name), "grants", grants, "regions",
			      regions, "quotas", "storage_operations",
			      u64_json(b->max_storage_operations), "network_operations",
			      u64_json(b->max_network_operations), "bytes", u64_json(b->max_bytes));
	bool ok = o != NULL;
	size_t i;

	for (i = 0; ok && i < b->n_grants; i++)
		ok = push(grants, grant_json(&b->grants[i]));
	for (i = 0; ok && i < b->n_regions; i++)
		ok = push(regions, json_pack("{s:s,s:I,s:s}", "name", b->regions[i].name, "size",
					     (json_int_t)b->regions[i].size, "access",
					     policy_region_access_name(b->regions[i].access)));
	if (ok && b->store_path)
		ok = put(o, "store", json_string(b->store_path));
	ok = ok && put(o, "on_malformed", json_string(policy_malformed_name(b->on_malformed)));
	return finish(o, ok);
}

static json_t *host_id_json(int64_t id)
{
	return id == POLICY_ID_AUTO ? json_string("auto") : json_integer(id);
}

static json_t *policy_json(const struct policy *p)
{
	return json_pack(
		"{s:i,s:s,s:{s:b,s:b,s:b,s:b,s:b,s:b},s:s,s:{s:I,s:I,s:o,s:o},s:s,s:s,s:o,s:o,s:o,"
		"s:o,s:b,s:o,s:o}",
		"version", 1, "name", p->name, "namespaces", "user", (int)p->ns.user, "mount",
		(int)p->ns.mount, "pid", (int)p->ns.pid, "ipc", (int)p->ns.ipc, "uts",
		(int)p->ns.uts, "cgroup", (int)p->ns.cgroup, "network", policy_net_name(p->net),
		"user", "uid", (json_int_t)p->user.uid, "gid", (json_int_t)p->user.gid, "host_uid",
		host_id_json(p->user.host_uid), "host_gid", host_id_json(p->user.host_gid),
		"hostname", p->hostname, "cwd", p->cwd, "filesystem", filesystem_json(p),
		"environment", env_json(&p->env), "syscalls", syscalls_json(&p->syscalls),
		"capabilities", caps_json(p->caps_keep), "landlock", (int)p->landlock, "limits",
		limits_json(&p->limits), "broker", broker_json(&p->broker));
}

int policy_dump(const struct policy *p, char **ret_text)
{
	_cleanup_json_ json_t *root = NULL;
	char *text;

	if (!p || !ret_text)
		return -EINVAL;
	root = policy_json(p);
	if (!root)
		return -ENOMEM;
	text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!text)
		return -ENOMEM;
	*ret_text = text;
	return 0;
}
