/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>

#include "common/cleanup.h"
#include "policy/internal.h"

/*
 * The second pass: the merged JSON document to struct policy, in one walk
 * that rejects unknown keys and wrong types and names the JSON path of the
 * first problem. Value rules that do not depend on JSON (path forms, name
 * characters, ranges) live in validate.c, which also runs after CLI flags.
 */

static const struct field *field_find(const struct field *fields, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(fields[i].key, key) == 0)
			return &fields[i];
	return NULL;
}

int conv_string(struct conv *c, json_t *v, size_t max, const char **ret)
{
	const char *s;

	if (!json_is_string(v))
		return conv_fail(c, EINVAL, "must be a string");
	s = json_string_value(v);
	/* jansson rejects \u0000 unless asked not to; check anyway, C strings end there. */
	if (strlen(s) != json_string_length(v))
		return conv_fail(c, EINVAL, "must not contain NUL bytes");
	if (strlen(s) > max)
		return conv_fail(c, EINVAL, "longer than %zu bytes", max);
	*ret = s;
	return 0;
}

int conv_word(struct conv *c, json_t *v, const char *what, const char *choices,
	      int (*lookup)(const char *name, void *ret), void *dst)
{
	const char *s;
	char q[48];
	int r;

	r = conv_string(c, v, POLICY_MAX_NAME, &s);
	if (r < 0)
		return r;
	if (lookup(s, dst) >= 0)
		return 0;
	policy_quote(s, q, sizeof(q));
	if (choices)
		return conv_fail(c, EINVAL, "unknown %s '%s' (%s)", what, q, choices);
	return conv_fail(c, EINVAL, "unknown %s '%s'", what, q);
}

int conv_strdup(struct conv *c, json_t *v, size_t max, char **dst)
{
	const char *s;
	char *copy;
	int r;

	r = conv_string(c, v, max, &s);
	if (r < 0)
		return r;
	copy = strdup(s);
	if (!copy)
		return conv_fail(c, ENOMEM, "out of memory");
	free(*dst);
	*dst = copy;
	return 0;
}

int conv_array(struct conv *c, json_t *v, size_t max, const char *what, size_t elem_size,
	       void **ret, size_t *ret_n, int (*conv_elem)(struct conv *c, json_t *v, void *elem))
{
	json_t *item;
	size_t i;

	if (!json_is_array(v))
		return conv_fail(c, EINVAL, "must be an array");
	if (json_array_size(v) > max)
		return conv_fail(c, E2BIG, "too many %s (at most %zu)", what, max);
	*ret = calloc(json_array_size(v) + 1, elem_size);
	if (!*ret)
		return conv_fail(c, ENOMEM, "out of memory");
	json_array_foreach(v, i, item)
	{
		size_t mark = jpath_index(&c->path, i);
		int r;

		*ret_n = i + 1;
		r = conv_elem(c, item, (char *)*ret + i * elem_size);
		if (r < 0)
			return r;
		jpath_pop(&c->path, mark);
	}
	return 0;
}

static int conv_uint(struct conv *c, json_t *v, uint64_t max, uint64_t *ret)
{
	json_int_t i;

	if (!json_is_integer(v))
		return conv_fail(c, EINVAL, "must be an integer");
	i = json_integer_value(v);
	if (i < 0)
		return conv_fail(c, ERANGE, "must not be negative");
	if ((uint64_t)i > max)
		return conv_fail(c, ERANGE, "must be at most %llu", (unsigned long long)max);
	*ret = (uint64_t)i;
	return 0;
}

/* Sizes, durations and counts: an integer, a string with a unit, or "unlimited" (= 0). */
int conv_amount(struct conv *c, json_t *v, enum field_type type, uint64_t *ret)
{
	char q[48];
	const char *s;
	int r;

	if (json_is_integer(v)) {
		r = conv_uint(c, v, INT64_MAX, ret);
		if (r < 0 || type != FIELD_DURATION)
			return r;
		if (*ret > INT64_MAX / 1000)
			return conv_fail(c, ERANGE, "too large");
		*ret *= 1000; /* a bare number of seconds */
		return 0;
	}
	if (json_is_string(v) && strcmp(json_string_value(v), "unlimited") == 0) {
		*ret = 0;
		return 0;
	}
	/* A count has no units: 1.5 and "lots" are the same mistake, told the same way. */
	if (type == FIELD_COUNT)
		return conv_fail(c, EINVAL, "must be an integer or \"unlimited\"");
	if (!json_is_string(v))
		return conv_fail(c, EINVAL, "must be an integer or a string");
	s = json_string_value(v);
	r = type == FIELD_SIZE ? policy_parse_size(s, ret) : policy_parse_duration(s, ret);
	if (r == -ERANGE)
		return conv_fail(c, ERANGE, "'%s' is too large", policy_quote(s, q, sizeof(q)));
	if (r < 0 && type == FIELD_SIZE)
		return conv_fail(c, EINVAL, "'%s' is not a size (like \"512K\", \"64M\", \"1G\")",
				 policy_quote(s, q, sizeof(q)));
	if (r < 0)
		return conv_fail(c, EINVAL,
				 "'%s' is not a duration (like \"250ms\", \"30s\", \"2m\", \"1h\")",
				 policy_quote(s, q, sizeof(q)));
	return 0;
}

static int conv_field(struct conv *c, const struct field *f, json_t *v, void *base)
{
	void *dst = (char *)base + f->offset;
	uint64_t u;
	int r;

	switch (f->type) {
	case FIELD_BOOL:
		if (!json_is_boolean(v))
			return conv_fail(c, EINVAL, "must be true or false");
		*(bool *)dst = json_is_true(v);
		return 0;
	case FIELD_STRING:
		return conv_strdup(c, v, POLICY_MAX_PATH, dst);
	case FIELD_U32:
		r = conv_uint(c, v, POLICY_MAX_ID, &u);
		if (r >= 0)
			*(uint32_t *)dst = (uint32_t)u;
		return r;
	case FIELD_SIZE:
	case FIELD_DURATION:
	case FIELD_COUNT:
		return conv_amount(c, v, f->type, dst);
	case FIELD_CUSTOM:
		return f->custom(c, v, dst);
	case _FIELD_TYPE_MAX:
	default:
		return conv_fail(c, EINVAL, "internal error: bad field type");
	}
}

int conv_object(struct conv *c, json_t *obj, const struct field *fields, size_t n, void *base)
{
	const char *key;
	json_t *v;
	size_t i;

	if (!json_is_object(obj))
		return conv_fail(c, EINVAL, "must be an object");
	json_object_foreach(obj, key, v)
	{
		const struct field *f = field_find(fields, n, key);
		size_t mark = jpath_key(&c->path, key);
		int r;

		if (!f)
			return conv_fail(c, EINVAL, "unknown key");
		r = conv_field(c, f, v, base);
		if (r < 0)
			return r;
		jpath_pop(&c->path, mark);
	}
	for (i = 0; i < n; i++)
		if (!fields[i].optional && !json_object_get(obj, fields[i].key))
			return conv_fail(c, EINVAL, "missing key '%s'", fields[i].key);
	return 0;
}

/* ---- top-level scalars ---- */

/*
 * "name" and "hostname": any length here, because validate.c has the rule
 * (1 to 64 characters of a set) and a message that says so; the generic
 * string limit would pre-empt it with a misleading "longer than 4095 bytes".
 * The file size limit still bounds the copy.
 */
static int conv_label(struct conv *c, json_t *v, void *dst)
{
	return conv_strdup(c, v, SIZE_MAX, dst);
}

static int conv_version(struct conv *c, json_t *v, void *dst)
{
	(void)dst;
	if (!json_is_integer(v) || json_integer_value(v) != 1)
		return conv_fail(c, EINVAL, "must be 1");
	return 0;
}

static int net_lookup(const char *name, void *ret)
{
	return policy_net_from_name(name, ret);
}

static int conv_network(struct conv *c, json_t *v, void *dst)
{
	return conv_word(c, v, "network", "none, loopback, host", net_lookup, dst);
}

static int conv_host_id(struct conv *c, json_t *v, void *dst)
{
	uint64_t u;
	int r;

	if (json_is_string(v) && strcmp(json_string_value(v), "auto") == 0) {
		*(int64_t *)dst = POLICY_ID_AUTO;
		return 0;
	}
	if (!json_is_integer(v))
		return conv_fail(c, EINVAL, "must be an integer or \"auto\"");
	r = conv_uint(c, v, POLICY_MAX_ID, &u);
	if (r >= 0)
		*(int64_t *)dst = (int64_t)u;
	return r;
}

static int conv_namespaces(struct conv *c, json_t *v, void *dst)
{
	static const struct field fields[] = {
		{"user", FIELD_BOOL, offsetof(struct policy_namespaces, user)},
		{"mount", FIELD_BOOL, offsetof(struct policy_namespaces, mount)},
		{"pid", FIELD_BOOL, offsetof(struct policy_namespaces, pid)},
		{"ipc", FIELD_BOOL, offsetof(struct policy_namespaces, ipc)},
		{"uts", FIELD_BOOL, offsetof(struct policy_namespaces, uts)},
		{"cgroup", FIELD_BOOL, offsetof(struct policy_namespaces, cgroup)},
	};

	return conv_object(c, v, fields, ARRAY_SIZE(fields), dst);
}

static int conv_user(struct conv *c, json_t *v, void *dst)
{
	static const struct field fields[] = {
		{"uid", FIELD_U32, offsetof(struct policy_user, uid)},
		{"gid", FIELD_U32, offsetof(struct policy_user, gid)},
		{"host_uid", FIELD_CUSTOM, offsetof(struct policy_user, host_uid), conv_host_id},
		{"host_gid", FIELD_CUSTOM, offsetof(struct policy_user, host_gid), conv_host_id},
	};

	return conv_object(c, v, fields, ARRAY_SIZE(fields), dst);
}

/* ---- capabilities ---- */

/* "CAP_NET_ADMIN", "cap_net_admin" and "net_admin" all name the same capability (*ret_cap). */
static int cap_resolve(const char *name, void *ret_cap)
{
	cap_value_t *ret = ret_cap;
	char buf[64];
	size_t i;

	if (strncasecmp(name, "cap_", 4) == 0)
		name += 4;
	if (strlen(name) == 0 || strlen(name) + 4 >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, "cap_", 4);
	for (i = 0; name[i]; i++) {
		/* Letters and '_' only: libcap would also take numbers, we do not. */
		if (!isalpha((unsigned char)name[i]) && name[i] != '_')
			return -EINVAL;
		buf[4 + i] = (char)tolower((unsigned char)name[i]);
	}
	buf[4 + i] = '\0';
	if (cap_from_name(buf, ret) < 0 || *ret < 0 || *ret > 63)
		return -EINVAL;
	return 0;
}

static int conv_capabilities(struct conv *c, json_t *v, void *dst)
{
	uint64_t keep = 0;
	json_t *item;
	size_t i;

	if (!json_is_array(v))
		return conv_fail(c, EINVAL, "must be an array of capability names");
	json_array_foreach(v, i, item)
	{
		size_t mark = jpath_index(&c->path, i);
		cap_value_t cap;
		int r;

		r = conv_word(c, item, "capability", NULL, cap_resolve, &cap);
		if (r < 0)
			return r;
		keep |= UINT64_C(1) << cap;
		jpath_pop(&c->path, mark);
	}
	*(uint64_t *)dst = keep;
	return 0;
}

/* ---- limits ---- */

static int output_lookup(const char *name, void *ret)
{
	return policy_output_from_name(name, ret);
}

static int conv_output_action(struct conv *c, json_t *v, void *dst)
{
	return conv_word(c, v, "action", "kill, truncate", output_lookup, dst);
}

static int conv_cpus(struct conv *c, json_t *v, void *dst)
{
	if (json_is_string(v) && strcmp(json_string_value(v), "unlimited") == 0) {
		*(double *)dst = 0;
		return 0;
	}
	if (!json_is_number(v))
		return conv_fail(c, EINVAL, "must be a number or \"unlimited\"");
	*(double *)dst = json_number_value(v);
	return 0;
}

static int conv_limits(struct conv *c, json_t *v, void *dst)
{
#define L(key, type, member)                                                                       \
	{                                                                                          \
		key, type, offsetof(struct policy_limits, member)                                  \
	}
	static const struct field fields[] = {
		L("wall_time", FIELD_DURATION, wall_ms),
		L("cpu_time", FIELD_DURATION, cpu_ms),
		L("memory", FIELD_SIZE, memory_bytes),
		L("pids", FIELD_COUNT, pids),
		L("output", FIELD_SIZE, output_bytes),
		{"on_output_limit", FIELD_CUSTOM, offsetof(struct policy_limits, on_output_limit),
		 conv_output_action},
		L("file_size", FIELD_SIZE, file_size_bytes),
		L("open_files", FIELD_COUNT, open_files),
		L("tmpfs_size", FIELD_SIZE, tmpfs_bytes),
		{"cpus", FIELD_CUSTOM, offsetof(struct policy_limits, cpus), conv_cpus},
		L("grace_period", FIELD_DURATION, grace_ms),
		L("require_cgroup", FIELD_BOOL, require_cgroup),
	};
#undef L

	return conv_object(c, v, fields, ARRAY_SIZE(fields), dst);
}

/* ---- environment ---- */

static int conv_env_keep(struct conv *c, json_t *v, void *dst)
{
	struct policy_environment *env = dst;
	json_t *item;
	size_t i;

	if (!json_is_array(v))
		return conv_fail(c, EINVAL, "must be an array of variable names");
	if (json_array_size(v) > POLICY_MAX_ENV_KEEP)
		return conv_fail(c, E2BIG, "too many names (at most %d)", POLICY_MAX_ENV_KEEP);
	env->keep = calloc(json_array_size(v) + 1, sizeof(*env->keep));
	if (!env->keep)
		return conv_fail(c, ENOMEM, "out of memory");
	json_array_foreach(v, i, item)
	{
		size_t mark = jpath_index(&c->path, i);
		const char *s;
		int r = conv_string(c, item, POLICY_MAX_ENV_NAME, &s);

		if (r < 0)
			return r;
		env->keep[i] = strdup(s);
		if (!env->keep[i])
			return conv_fail(c, ENOMEM, "out of memory");
		env->n_keep = i + 1;
		jpath_pop(&c->path, mark);
	}
	return 0;
}

static int conv_env_set(struct conv *c, json_t *v, void *dst)
{
	struct policy_environment *env = dst;
	const char *key;
	json_t *val;

	if (!json_is_object(v))
		return conv_fail(c, EINVAL, "must be an object of NAME: \"value\"");
	if (json_object_size(v) > POLICY_MAX_ENV_SET)
		return conv_fail(c, E2BIG, "too many variables (at most %d)", POLICY_MAX_ENV_SET);
	env->set = calloc(json_object_size(v) + 1, sizeof(*env->set));
	if (!env->set)
		return conv_fail(c, ENOMEM, "out of memory");
	json_object_foreach(v, key, val)
	{
		size_t mark = jpath_key(&c->path, key);
		struct policy_env_set *s = &env->set[env->n_set];
		const char *text;
		int r = conv_string(c, val, POLICY_MAX_ENV_VALUE, &text);

		if (r < 0)
			return r;
		s->name = strdup(key);
		s->value = strdup(text);
		env->n_set++;
		if (!s->name || !s->value)
			return conv_fail(c, ENOMEM, "out of memory");
		jpath_pop(&c->path, mark);
	}
	return 0;
}

static int conv_environment(struct conv *c, json_t *v, void *dst)
{
	static const struct field fields[] = {
		{"keep", FIELD_CUSTOM, 0, conv_env_keep},
		{"set", FIELD_CUSTOM, 0, conv_env_set},
	};

	return conv_object(c, v, fields, ARRAY_SIZE(fields), dst);
}

/* ---- the document ---- */

static int conv_filesystem(struct conv *c, json_t *v, void *dst)
{
	static const struct field fields[] = {
		{"mounts", FIELD_CUSTOM, 0, conv_mounts},
	};

	return conv_object(c, v, fields, ARRAY_SIZE(fields), dst);
}

int policy_convert(json_t *root, const char *origin, struct policy *p, struct err_ctx *reterr)
{
#define P(key, type, member, fn)                                                                   \
	{                                                                                          \
		key, type, offsetof(struct policy, member), fn                                     \
	}
	static const struct field fields[] = {
		{"version", FIELD_CUSTOM, 0, conv_version},
		{"name", FIELD_CUSTOM, offsetof(struct policy, name), conv_label, true},
		P("namespaces", FIELD_CUSTOM, ns, conv_namespaces),
		P("network", FIELD_CUSTOM, net, conv_network),
		P("user", FIELD_CUSTOM, user, conv_user),
		P("hostname", FIELD_CUSTOM, hostname, conv_label),
		P("cwd", FIELD_STRING, cwd, NULL),
		{"filesystem", FIELD_CUSTOM, 0, conv_filesystem}, /* fills p->mounts */
		P("environment", FIELD_CUSTOM, env, conv_environment),
		P("syscalls", FIELD_CUSTOM, syscalls, conv_syscalls),
		P("capabilities", FIELD_CUSTOM, caps_keep, conv_capabilities),
		P("landlock", FIELD_BOOL, landlock, NULL),
		P("limits", FIELD_CUSTOM, limits, conv_limits),
		/* Optional: the default has none, and no broker section means no broker. */
		{"broker", FIELD_CUSTOM, offsetof(struct policy, broker), conv_broker, true},
	};
#undef P
	struct conv c = {.origin = origin, .reterr = reterr};
	int r;

	jpath_init(&c.path);
	r = conv_object(&c, root, fields, ARRAY_SIZE(fields), p);
	if (r < 0)
		return r;
	/* There is no "net" key: "network" decides, and "host" is the only way out. */
	p->ns.net = p->net != POLICY_NET_HOST;
	return 0;
}
