/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "policy/internal.h"
#include "policy/syscalls.h"

/*
 * $.syscalls: names and @groups to native syscall numbers, deny rules with
 * their argument conditions. Names resolve for the native architecture only;
 * a name that exists elsewhere but not here (socketcall on x86_64) is unknown.
 */

#define NR_LIMIT 4096 /* x86_64 numbers are far below; anything above is refused */
#define MAX_LIST_ITEMS 4096
#define MAX_GROUP_DEPTH 8

/* A set of syscall numbers, plus the groups already expanded into it. */
struct nrset {
	uint64_t bits[NR_LIMIT / 64];
	bool group_done[128];
	size_t count;
};

static void nrset_add(struct nrset *s, int nr)
{
	uint64_t bit = UINT64_C(1) << (nr % 64);

	if (!(s->bits[nr / 64] & bit)) {
		s->bits[nr / 64] |= bit;
		s->count++;
	}
}

static bool nrset_has(const struct nrset *s, int nr)
{
	return s->bits[nr / 64] & (UINT64_C(1) << (nr % 64));
}

static bool valid_syscall_name(const char *name)
{
	size_t i;

	for (i = 0; name[i]; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
		      name[i] == '_'))
			return false;
	return i > 0 && i <= 64;
}

static int resolve_syscall(const char *name)
{
	int nr;

	if (!valid_syscall_name(name))
		return -ENOENT;
	nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR || nr < 0 || nr >= NR_LIMIT)
		return -ENOENT;
	return nr;
}

static int nrset_add_name(struct conv *c, struct nrset *s, const char *name, unsigned depth);

/* Groups may name groups; each is expanded once per set, which also stops cycles. */
static int nrset_add_group(struct conv *c, struct nrset *s, const char *name, unsigned depth)
{
	const struct syscall_group *table, *g = syscall_group_find(name);
	const char *const *m;
	char q[48];
	size_t n;
	int r;

	if (!g)
		return conv_fail(c, EINVAL, "unknown syscall group '%s'",
				 policy_quote(name, q, sizeof(q)));
	table = syscall_group_table(&n);
	if ((size_t)(g - table) >= ARRAY_SIZE(s->group_done) || depth > MAX_GROUP_DEPTH)
		return conv_fail(c, EINVAL, "internal error: group '%s' nests too deeply", name);
	if (s->group_done[g - table])
		return 0;
	s->group_done[g - table] = true;
	for (m = g->syscalls; *m; m++) {
		r = nrset_add_name(c, s, *m, depth + 1);
		if (r < 0)
			return r;
	}
	return 0;
}

static int nrset_add_name(struct conv *c, struct nrset *s, const char *name, unsigned depth)
{
	char q[48];
	int nr;

	if (name[0] == '@')
		return nrset_add_group(c, s, name, depth);
	nr = resolve_syscall(name);
	if (nr < 0 && depth > 0)
		return conv_fail(c, EINVAL, "internal error: a group names unknown syscall '%s'",
				 name);
	if (nr < 0)
		return conv_fail(c, EINVAL, "unknown syscall '%s'",
				 policy_quote(name, q, sizeof(q)));
	nrset_add(s, nr);
	return 0;
}

/* An array of syscall names and @groups into s. */
static int conv_name_list(struct conv *c, json_t *v, struct nrset *s)
{
	json_t *item;
	size_t i;

	if (!json_is_array(v))
		return conv_fail(c, EINVAL, "must be an array of syscall names and @groups");
	if (json_array_size(v) > MAX_LIST_ITEMS)
		return conv_fail(c, E2BIG, "too many entries (at most %d)", MAX_LIST_ITEMS);
	json_array_foreach(v, i, item)
	{
		size_t mark = jpath_index(&c->path, i);
		const char *name;
		int r;

		r = conv_string(c, item, POLICY_MAX_NAME, &name);
		if (r < 0)
			return r;
		r = nrset_add_name(c, s, name, 0);
		if (r < 0)
			return r;
		jpath_pop(&c->path, mark);
	}
	return 0;
}

static int conv_allow(struct conv *c, json_t *v, void *dst)
{
	struct policy_syscalls *sc = dst;
	_cleanup_free_ struct nrset *s = calloc(1, sizeof(*s));
	int nr;
	int r;

	if (!s)
		return conv_fail(c, ENOMEM, "out of memory");
	r = conv_name_list(c, v, s);
	if (r < 0)
		return r;
	if (s->count > POLICY_MAX_ALLOW)
		return conv_fail(c, E2BIG, "too many syscalls (at most %d)", POLICY_MAX_ALLOW);
	free(sc->allow);
	sc->n_allow = 0;
	sc->allow = calloc(s->count + 1, sizeof(*sc->allow));
	if (!sc->allow)
		return conv_fail(c, ENOMEM, "out of memory");
	for (nr = 0; nr < NR_LIMIT; nr++) /* ascending: sorted and unique by construction */
		if (nrset_has(s, nr))
			sc->allow[sc->n_allow++] = nr;
	return 0;
}

static int action_lookup(const char *name, void *ret)
{
	return policy_action_from_name(name, ret);
}

int conv_action(struct conv *c, json_t *v, void *dst)
{
	return conv_word(c, v, "action", "kill, errno, enosys, log, allow", action_lookup, dst);
}

static int errno_lookup(const char *name, void *ret)
{
	return policy_errno_from_name(name, ret);
}

int conv_errno(struct conv *c, json_t *v, void *dst)
{
	if (json_is_integer(v)) {
		json_int_t e = json_integer_value(v);

		if (e < 1 || e > POLICY_MAX_ERRNO)
			return conv_fail(c, ERANGE, "must be between 1 and %d", POLICY_MAX_ERRNO);
		*(int *)dst = (int)e;
		return 0;
	}
	if (!json_is_string(v))
		return conv_fail(c, EINVAL, "must be an errno name (\"EPERM\") or number");
	/* Too many names to list in the message. */
	return conv_word(c, v, "errno name", NULL, errno_lookup, dst);
}

int conv_syscall_names(struct conv *c, json_t *v, int **ret_nrs, size_t *ret_n)
{
	_cleanup_free_ struct nrset *s = calloc(1, sizeof(*s));
	int nr, r;
	size_t n = 0;

	if (!s)
		return conv_fail(c, ENOMEM, "out of memory");
	r = conv_name_list(c, v, s);
	if (r < 0)
		return r;
	if (s->count == 0)
		return conv_fail(c, EINVAL, "must name at least one syscall");
	*ret_nrs = calloc(s->count, sizeof(int));
	if (!*ret_nrs)
		return conv_fail(c, ENOMEM, "out of memory");
	for (nr = 0; nr < NR_LIMIT; nr++)
		if (nrset_has(s, nr))
			(*ret_nrs)[n++] = nr;
	*ret_n = n;
	return 0;
}

int conv_syscalls(struct conv *c, json_t *v, void *dst)
{
	static const struct field fields[] = {
		{"default_action", FIELD_CUSTOM, offsetof(struct policy_syscalls, default_action),
		 conv_action},
		{"default_errno", FIELD_CUSTOM, offsetof(struct policy_syscalls, default_errno),
		 conv_errno},
		{"allow", FIELD_CUSTOM, 0, conv_allow}, /* these two fill the whole struct */
		{"deny", FIELD_CUSTOM, 0, conv_deny},
	};

	return conv_object(c, v, fields, ARRAY_SIZE(fields), dst);
}
