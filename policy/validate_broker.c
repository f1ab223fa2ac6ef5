/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "common/cleanup.h"
#include "policy/internal.h"

/*
 * Rules of $.broker on struct policy_broker. A grant is the root of every
 * capability an instance will hold, so its resource must be exact: register
 * names have one spelling (no empty, "." or ".." segment that a store or a
 * prefix match could read two ways), and fs roots are normalised absolute
 * directories that exist now. The only OS access is stat() of those roots;
 * the supervisor opens them itself, beneath-only, when it serves a request.
 */

#define GRANTS "$.broker.grants"

/* The effect a grant of each kind is used through. */
static const uint32_t kind_effect[_POLICY_GRANT_KIND_MAX] = {
	[POLICY_GRANT_REGISTER] = POLICY_EFFECT_REGISTER,
	[POLICY_GRANT_FS] = POLICY_EFFECT_FS_OPEN,
};

/* "consume" takes a register away for good; a directory has no such thing. */
static const uint32_t kind_rights[_POLICY_GRANT_KIND_MAX] = {
	[POLICY_GRANT_REGISTER] = POLICY_RIGHTS_ALL,
	[POLICY_GRANT_FS] = POLICY_RIGHTS_ALL & ~(uint32_t)POLICY_RIGHT_CONSUME,
};

static bool segment_char_ok(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '.' || ch == '_' || ch == '-';
}

/* NULL when name is a register name or pattern, else what is wrong with it. */
static const char *register_name_problem(const char *name)
{
	const char *seg, *end;
	size_t len;

	if (!name || !name[0])
		return "register name must not be empty";
	if (strlen(name) > POLICY_MAX_REGISTER_NAME)
		return "register name longer than 255 bytes";
	for (seg = name; seg; seg = *end ? end + 1 : NULL) {
		end = seg + strcspn(seg, "/");
		len = (size_t)(end - seg);
		if (len == 0)
			return "register name must not have an empty segment";
		if (len == 1 && seg[0] == '*' && !*end)
			return NULL; /* the whole last segment: a pattern */
		if ((len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.'))
			return "register name must not have a '.' or '..' segment";
		for (; seg < end; seg++)
			if (*seg == '*')
				return "'*' may only be the whole last segment";
			else if (!segment_char_ok(*seg))
				return "register name segments are made of [A-Za-z0-9._-]";
	}
	return NULL;
}

/* Like a bind source, stat() follows links: the supervisor opens what it names. */
static int check_fs_root(const char *origin, const char *path, const char *root,
			 struct err_ctx *reterr)
{
	const char *why = policy_path_problem(root);
	struct stat st;
	char q[64];

	if (why)
		return policy_fail(reterr, EINVAL, origin, path, "fs root %s", why);
	policy_quote(root, q, sizeof(q));
	if (stat(root, &st) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return policy_fail(reterr, ENOENT, origin, path, "'%s' does not exist", q);
		return policy_fail(reterr, errno, origin, path, "cannot access '%s': %s", q,
				   strerror(errno));
	}
	if (!S_ISDIR(st.st_mode))
		return policy_fail(reterr, ENOTDIR, origin, path, "'%s' is not a directory", q);
	return 0;
}

static int check_rights(const char *origin, const char *path, const struct policy_grant *g,
			struct err_ctx *reterr)
{
	uint32_t bad = g->rights & ~kind_rights[g->kind];
	const char *name;

	if (g->rights == 0)
		return policy_fail(reterr, EINVAL, origin, path, "must name at least one right");
	if (bad == 0)
		return 0;
	name = policy_right_name(bad & -bad);
	if (!name)
		return policy_fail(reterr, EINVAL, origin, path, "unknown right");
	return policy_fail(reterr, EINVAL, origin, path,
			   "right '%s' does not apply to a '%s' grant", name,
			   policy_grant_kind_name(g->kind));
}

/* Kind and name decide; a second grant of one resource is most likely a mistake. */
static bool same_resource(const struct policy_grant *a, const struct policy_grant *b)
{
	return a->kind == b->kind && a->name && b->name && strcmp(a->name, b->name) == 0;
}

static int check_grant(const struct policy_broker *b, size_t i, const char *origin,
		       struct err_ctx *reterr)
{
	const struct policy_grant *g = &b->grants[i];
	const char *kind = policy_grant_kind_name(g->kind), *why;
	char path[64], q[64];
	size_t j;

	snprintf(path, sizeof(path), GRANTS "[%zu].resource", i);
	if (!kind)
		return policy_fail(reterr, EINVAL, origin, path, "unknown resource kind");
	policy_quote(g->name, q, sizeof(q));
	if (g->kind == POLICY_GRANT_FS) {
		int r = check_fs_root(origin, path, g->name, reterr);

		if (r < 0)
			return r;
	} else if ((why = register_name_problem(g->name))) {
		return policy_fail(reterr, EINVAL, origin, path, "%s", why);
	}
	for (j = 0; j < i; j++)
		if (same_resource(&b->grants[j], g))
			return policy_fail(reterr, EINVAL, origin, path,
					   "'%s:%s' is granted twice (first at [%zu])", kind, q, j);
	snprintf(path, sizeof(path), GRANTS "[%zu]", i);
	if (!(b->effects & kind_effect[g->kind]))
		return policy_fail(reterr, EINVAL, origin, path, "grant '%s:%s' needs effect '%s'",
				   kind, q, policy_effect_name(kind_effect[g->kind]));
	snprintf(path, sizeof(path), GRANTS "[%zu].rights", i);
	return check_rights(origin, path, g, reterr);
}

int policy_validate_broker(const struct policy_broker *b, const char *origin,
			   struct err_ctx *reterr)
{
	const char *why;
	size_t i;
	int r;

	if (b->effects & ~POLICY_EFFECTS_ALL)
		return policy_fail(reterr, EINVAL, origin, "$.broker.effects", "unknown effect");
	if ((unsigned)b->on_malformed >= _POLICY_MALFORMED_MAX)
		return policy_fail(reterr, EINVAL, origin, "$.broker.on_malformed",
				   "unknown action");
	if (b->store_path && (why = policy_path_problem(b->store_path)))
		return policy_fail(reterr, EINVAL, origin, "$.broker.store", "%s", why);
	if (b->n_grants > POLICY_MAX_GRANTS)
		return policy_fail(reterr, E2BIG, origin, GRANTS, "too many grants (at most %d)",
				   POLICY_MAX_GRANTS);
	for (i = 0; i < b->n_grants; i++) {
		r = check_grant(b, i, origin, reterr);
		if (r < 0)
			return r;
	}
	return 0;
}
