/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <linux/capability.h>

#include "common/cleanup.h"
#include "policy/internal.h"

/*
 * Value and cross-field rules on struct policy. Runs at load time and again
 * after the CLI applied its flags, so it works on the struct, not on JSON;
 * the paths it names are those of the policy format. The only OS access is
 * stat() of bind sources (the child re-resolves and opens them anyway).
 */

#define MAX_PIDS 4194304       /* PID_MAX_LIMIT on 64-bit */
#define MAX_OPEN_FILES 1048576 /* the kernel's default fs.nr_open */
#define MAX_GRACE_MS (60 * 60 * 1000)
#define MAX_CPUS 4096.0

struct vctx {
	const char *origin;
	struct err_ctx *reterr;
};

static int vfail(struct vctx *v, int code, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int vfail(struct vctx *v, int code, const char *path, const char *fmt, ...)
{
	char msg[sizeof(((struct err_ctx *)0)->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return policy_fail(v->reterr, code, v->origin, path, "%s", msg);
}

const char *policy_path_problem(const char *path)
{
	const char *c, *next;
	size_t len;

	if (!path || path[0] != '/')
		return "must be an absolute path";
	len = strlen(path);
	if (len > POLICY_MAX_PATH)
		return "longer than 4095 bytes";
	for (c = path; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return "must not contain control characters";
	if (len == 1)
		return NULL;
	if (path[len - 1] == '/')
		return "must not end with '/'";
	for (c = path + 1; c; c = next ? next + 1 : NULL) {
		next = strchr(c, '/');
		len = next ? (size_t)(next - c) : strlen(c);
		if (len == 0)
			return "must not contain '//'";
		if (len == 1 && c[0] == '.')
			return "must not contain '.' components";
		if (len == 2 && c[0] == '.' && c[1] == '.')
			return "must not contain '..'";
	}
	return NULL;
}

static bool name_chars_ok(const char *s, const char *extra)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr(extra, *s)))
			return false;
	return true;
}

/* RFC 1123: labels of letters, digits and '-', not starting or ending with '-'. */
static bool hostname_ok(const char *h)
{
	size_t len = h ? strlen(h) : 0;
	const char *label = h;

	if (len == 0 || len > POLICY_MAX_HOSTNAME || !name_chars_ok(h, "-."))
		return false;
	for (; label; label = strchr(label, '.') ? strchr(label, '.') + 1 : NULL) {
		size_t n = strcspn(label, ".");

		if (n == 0 || n > 63 || label[0] == '-' || label[n - 1] == '-')
			return false;
	}
	return true;
}

static bool env_name_ok(const char *n)
{
	if (!n || !n[0] || strlen(n) > POLICY_MAX_ENV_NAME || (n[0] >= '0' && n[0] <= '9'))
		return false;
	return name_chars_ok(n, "_");
}

static int check_identity(struct vctx *v, const struct policy *p)
{
	const char *why;

	if (!p->name || !p->name[0] || strlen(p->name) > POLICY_MAX_NAME ||
	    !name_chars_ok(p->name, "._-"))
		return vfail(v, EINVAL, "$.name", "must be 1 to 64 of [A-Za-z0-9._-]");
	if (!hostname_ok(p->hostname))
		return vfail(v, EINVAL, "$.hostname",
			     "must be 1 to 64 characters of letters, digits, '-' and '.'");
	why = policy_path_problem(p->cwd);
	if (why)
		return vfail(v, EINVAL, "$.cwd", "%s", why);
	if (!p->ns.user)
		return vfail(v, EINVAL, "$.namespaces.user", "must be true");
	if (!p->ns.mount)
		return vfail(v, EINVAL, "$.namespaces.mount", "must be true");
	if (!p->ns.pid)
		return vfail(v, EINVAL, "$.namespaces.pid", "must be true");
	if ((unsigned)p->net >= _POLICY_NET_MAX)
		return vfail(v, EINVAL, "$.network", "unknown network");
	if (p->ns.net != (p->net != POLICY_NET_HOST))
		return vfail(v, EINVAL, "$.network",
			     "the net namespace must be on unless the network is \"host\"");
	if (p->user.uid > POLICY_MAX_ID || p->user.gid > POLICY_MAX_ID)
		return vfail(v, ERANGE, "$.user", "uid and gid must be below 4294967295");
	if (p->user.host_uid < POLICY_ID_AUTO || p->user.host_uid > POLICY_MAX_ID ||
	    p->user.host_gid < POLICY_ID_AUTO || p->user.host_gid > POLICY_MAX_ID)
		return vfail(v, ERANGE, "$.user", "host ids must be \"auto\" or below 4294967295");
	return 0;
}

/* A bind source must exist unless optional; stat() follows links as the mount will. */
static int check_bind_source(struct vctx *v, const char *path, const struct policy_mount *m)
{
	char q[64];
	struct stat st;

	if (m->optional || stat(m->source, &st) == 0)
		return 0;
	if (errno == ENOENT || errno == ENOTDIR)
		return vfail(v, ENOENT, path, "'%s' does not exist",
			     policy_quote(m->source, q, sizeof(q)));
	return vfail(v, errno, path, "cannot access '%s': %s",
		     policy_quote(m->source, q, sizeof(q)), strerror(errno));
}

static int check_mount(struct vctx *v, size_t i, const struct policy_mount *m)
{
	char path[64];
	const char *why;

	if ((unsigned)m->kind >= _POLICY_MOUNT_KIND_MAX)
		return vfail(v, EINVAL, "$.filesystem.mounts", "entry %zu: unknown type", i);
	snprintf(path, sizeof(path), "$.filesystem.mounts[%zu].dest", i);
	why = policy_path_problem(m->dest);
	if (why)
		return vfail(v, EINVAL, path, "%s", why);
	if (strcmp(m->dest, "/") == 0)
		return vfail(v, EINVAL, path, "cannot be '/' (the root is built by vmsandbox)");
	switch (m->kind) {
	case POLICY_MOUNT_BIND_RO:
	case POLICY_MOUNT_BIND_RW:
		snprintf(path, sizeof(path), "$.filesystem.mounts[%zu].source", i);
		why = policy_path_problem(m->source);
		if (why)
			return vfail(v, EINVAL, path, "%s", why);
		return check_bind_source(v, path, m);
	case POLICY_MOUNT_SYMLINK:
		snprintf(path, sizeof(path), "$.filesystem.mounts[%zu].target", i);
		if (!m->source || !m->source[0] || strlen(m->source) > POLICY_MAX_PATH)
			return vfail(v, EINVAL, path, "must be 1 to 4095 bytes");
		return 0;
	case POLICY_MOUNT_TMPFS:
	case POLICY_MOUNT_DIR:
		snprintf(path, sizeof(path), "$.filesystem.mounts[%zu].mode", i);
		if (m->mode > 07777)
			return vfail(v, EINVAL, path, "must be at most 07777");
		return 0;
	case POLICY_MOUNT_PROC:
	case POLICY_MOUNT_DEV:
	case _POLICY_MOUNT_KIND_MAX:
	default:
		return 0;
	}
}

/*
 * Two mounts on one dest are allowed on purpose: the later one shadows the
 * earlier (a file may put a tmpfs over a default bind). Order is the file's.
 */
static int check_mounts(struct vctx *v, const struct policy *p)
{
	size_t i;
	int r;

	if (p->n_mounts > POLICY_MAX_MOUNTS)
		return vfail(v, E2BIG, "$.filesystem.mounts", "too many mounts (at most %d)",
			     POLICY_MAX_MOUNTS);
	for (i = 0; i < p->n_mounts; i++) {
		r = check_mount(v, i, &p->mounts[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int check_env(struct vctx *v, const struct policy_environment *env)
{
	char path[64], q[48];
	size_t i, j;

	if (env->n_keep > POLICY_MAX_ENV_KEEP || env->n_set > POLICY_MAX_ENV_SET)
		return vfail(v, E2BIG, "$.environment", "too many variables");
	for (i = 0; i < env->n_keep; i++) {
		snprintf(path, sizeof(path), "$.environment.keep[%zu]", i);
		if (!env_name_ok(env->keep[i]))
			return vfail(v, EINVAL, path,
				     "'%s' is not a variable name ([A-Za-z_][A-Za-z0-9_]*)",
				     policy_quote(env->keep[i], q, sizeof(q)));
	}
	for (i = 0; i < env->n_set; i++) {
		const struct policy_env_set *s = &env->set[i];

		if (!env_name_ok(s->name))
			return vfail(v, EINVAL, "$.environment.set",
				     "'%s' is not a variable name ([A-Za-z_][A-Za-z0-9_]*)",
				     policy_quote(s->name, q, sizeof(q)));
		if (!s->value || strlen(s->value) > POLICY_MAX_ENV_VALUE)
			return vfail(v, EINVAL, "$.environment.set", "value of '%s' is too long",
				     s->name);
		for (j = 0; j < i; j++)
			if (strcmp(env->set[j].name, s->name) == 0)
				return vfail(v, EINVAL, "$.environment.set", "'%s' is set twice",
					     s->name);
	}
	return 0;
}

static bool errno_ok(int err)
{
	return err >= 1 && err <= POLICY_MAX_ERRNO;
}

static int check_rule(struct vctx *v, const struct policy_syscall_rule *r)
{
	const char *name = r->name ? r->name : "?";
	unsigned i, j;

	if (r->nr < 0)
		return vfail(v, EINVAL, "$.syscalls.deny", "rule for '%s': bad syscall number",
			     name);
	if (r->action == POLICY_ACTION_ALLOW || (unsigned)r->action >= _POLICY_ACTION_MAX)
		return vfail(v, EINVAL, "$.syscalls.deny", "rule for '%s': bad action", name);
	if (r->action == POLICY_ACTION_ERRNO && !errno_ok(r->err))
		return vfail(v, ERANGE, "$.syscalls.deny", "rule for '%s': errno must be 1..4095",
			     name);
	if (r->n_args > POLICY_MAX_ARGS)
		return vfail(v, E2BIG, "$.syscalls.deny", "rule for '%s': too many conditions",
			     name);
	for (i = 0; i < r->n_args; i++) {
		if (r->args[i].index >= POLICY_MAX_ARGS ||
		    (unsigned)r->args[i].op >= _POLICY_ARG_OP_MAX)
			return vfail(v, EINVAL, "$.syscalls.deny",
				     "rule for '%s': bad argument condition", name);
		for (j = 0; j < i; j++)
			if (r->args[j].index == r->args[i].index)
				return vfail(v, EINVAL, "$.syscalls.deny",
					     "rule for '%s': argument %u compared twice", name,
					     r->args[i].index);
	}
	return 0;
}

static int check_syscalls(struct vctx *v, const struct policy_syscalls *s)
{
	size_t i;
	int r;

	if ((unsigned)s->default_action >= _POLICY_ACTION_MAX)
		return vfail(v, EINVAL, "$.syscalls.default_action", "unknown action");
	if (s->default_action == POLICY_ACTION_ERRNO && !errno_ok(s->default_errno))
		return vfail(v, ERANGE, "$.syscalls.default_errno", "must be between 1 and 4095");
	if (s->n_allow > POLICY_MAX_ALLOW || s->n_deny > POLICY_MAX_DENY)
		return vfail(v, E2BIG, "$.syscalls", "too many syscalls");
	for (i = 0; i < s->n_allow; i++)
		if (s->allow[i] < 0 || (i > 0 && s->allow[i] <= s->allow[i - 1]))
			return vfail(v, EINVAL, "$.syscalls.allow", "not sorted and unique");
	for (i = 0; i < s->n_deny; i++) {
		r = check_rule(v, &s->deny[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int check_limits(struct vctx *v, const struct policy *p)
{
	const struct policy_limits *l = &p->limits;

	if (CAP_LAST_CAP < 63 && (p->caps_keep >> (CAP_LAST_CAP + 1)) != 0)
		return vfail(v, EINVAL, "$.capabilities", "names a capability unknown here");
	if (l->pids > MAX_PIDS)
		return vfail(v, ERANGE, "$.limits.pids", "must be at most %d", MAX_PIDS);
	if (l->open_files > MAX_OPEN_FILES)
		return vfail(v, ERANGE, "$.limits.open_files", "must be at most %d",
			     MAX_OPEN_FILES);
	if (!isfinite(l->cpus) || l->cpus < 0 || l->cpus > MAX_CPUS)
		return vfail(v, ERANGE, "$.limits.cpus", "must be between 0 and %.0f", MAX_CPUS);
	if (l->grace_ms > MAX_GRACE_MS)
		return vfail(v, ERANGE, "$.limits.grace_period", "must be at most 1h");
	if ((unsigned)l->on_output_limit >= _POLICY_OUTPUT_MAX)
		return vfail(v, EINVAL, "$.limits.on_output_limit", "unknown action");
	return 0;
}

int policy_validate(const struct policy *p, struct err_ctx *reterr)
{
	struct vctx v = {.reterr = reterr};
	int r;

	if (!p)
		return err_set(reterr, EINVAL, "policy: nothing to validate");
	v.origin = p->origin ? p->origin : "<policy>";
	r = check_identity(&v, p);
	if (r >= 0)
		r = check_mounts(&v, p);
	if (r >= 0)
		r = check_env(&v, &p->env);
	if (r >= 0)
		r = check_syscalls(&v, &p->syscalls);
	if (r >= 0)
		r = check_limits(&v, p);
	if (r >= 0)
		r = policy_validate_broker(p, v.origin, reterr);
	return r;
}
