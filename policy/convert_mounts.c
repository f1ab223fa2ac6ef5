/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "policy/internal.h"

/*
 * $.filesystem.mounts: an ordered list, each entry typed. A key that only
 * makes sense for another type ("size" on a bind) is an error rather than
 * silently ignored, so a typo in "type" cannot quietly change the meaning.
 */

#define KIND(k) (1u << (k))
#define BINDS (KIND(POLICY_MOUNT_BIND_RO) | KIND(POLICY_MOUNT_BIND_RW))
#define ALL_KINDS ((1u << _POLICY_MOUNT_KIND_MAX) - 1)

static int conv_skip(struct conv *c, json_t *v, void *dst)
{
	(void)c;
	(void)v;
	(void)dst;
	return 0; /* "type" was read first */
}

/*
 * "0755": octal digits for a value of at most 07777 (leading zeros are
 * fine, so "07777" is too). The string is read in full before any rule, so
 * that "rwxrwxrwx" is told it is not octal and "17777" that it is too
 * large, rather than both that they are long.
 */
static int conv_mode(struct conv *c, json_t *v, void *dst)
{
	const char *s, *p;
	uint32_t mode = 0;
	int r;

	r = conv_string(c, v, SIZE_MAX, &s);
	if (r < 0)
		return r;
	for (p = s; *p >= '0' && *p <= '7'; p++)
		if (mode <= 07777)
			mode = mode * 8 + (uint32_t)(*p - '0'); /* stops growing once too large */
	if (p == s || *p != '\0')
		return conv_fail(c, EINVAL, "must be an octal string such as \"0755\"");
	if (mode > 07777)
		return conv_fail(c, ERANGE, "must be at most 07777");
	*(uint32_t *)dst = mode;
	return 0;
}

/* A tmpfs size; 0 means "use limits.tmpfs_size", so "unlimited" has no meaning here. */
static int conv_tmpfs_size(struct conv *c, json_t *v, void *dst)
{
	const char *s;
	char q[48];

	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0)
			return conv_fail(c, ERANGE, "must not be negative");
		*(uint64_t *)dst = (uint64_t)json_integer_value(v);
		return 0;
	}
	if (!json_is_string(v))
		return conv_fail(c, EINVAL, "must be an integer or a string");
	s = json_string_value(v);
	if (policy_parse_size(s, dst) < 0)
		return conv_fail(c, EINVAL, "'%s' is not a size (like \"512K\", \"64M\", \"1G\")",
				 policy_quote(s, q, sizeof(q)));
	return 0;
}

struct mount_key {
	struct field f;
	unsigned kinds;	   /* types the key is valid for */
	unsigned required; /* types that must have it */
};

#define M(member) offsetof(struct policy_mount, member)

static const struct mount_key mount_keys[] = {
	{{"type", FIELD_CUSTOM, 0, conv_skip}, ALL_KINDS, ALL_KINDS},
	{{"source", FIELD_STRING, M(source)}, BINDS, BINDS},
	{{"target", FIELD_STRING, M(source)},
	 KIND(POLICY_MOUNT_SYMLINK),
	 KIND(POLICY_MOUNT_SYMLINK)},
	{{"dest", FIELD_STRING, M(dest)}, ALL_KINDS, ALL_KINDS & ~BINDS},
	{{"optional", FIELD_BOOL, M(optional)}, BINDS, 0},
	{{"size", FIELD_CUSTOM, M(size), conv_tmpfs_size}, KIND(POLICY_MOUNT_TMPFS), 0},
	{{"mode", FIELD_CUSTOM, M(mode), conv_mode},
	 KIND(POLICY_MOUNT_TMPFS) | KIND(POLICY_MOUNT_DIR),
	 0},
	{{"suid", FIELD_BOOL, M(allow_suid)}, BINDS | KIND(POLICY_MOUNT_TMPFS), 0},
	{{"dev", FIELD_BOOL, M(allow_dev)}, BINDS | KIND(POLICY_MOUNT_TMPFS), 0},
	{{"noexec", FIELD_BOOL, M(noexec)}, BINDS | KIND(POLICY_MOUNT_TMPFS), 0},
};

#undef M

static int mount_kind_lookup(const char *name, void *ret)
{
	return policy_mount_kind_from_name(name, ret);
}

static int conv_mount_type(struct conv *c, json_t *obj, enum policy_mount_kind *ret)
{
	json_t *t = json_object_get(obj, "type");
	size_t mark;
	int r;

	if (!t)
		return conv_fail(c, EINVAL, "missing key 'type'");
	mark = jpath_key(&c->path, "type");
	r = conv_word(c, t, "mount type", "ro-bind, bind, tmpfs, proc, dev, symlink, dir",
		      mount_kind_lookup, ret);
	if (r < 0)
		return r;
	jpath_pop(&c->path, mark);
	return 0;
}

/* Keys of other mount types are named as such before the generic walk calls them unknown. */
static int check_keys_fit(struct conv *c, json_t *obj, enum policy_mount_kind kind)
{
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach(obj, key, v)
	{
		for (i = 0; i < ARRAY_SIZE(mount_keys); i++) {
			if (strcmp(mount_keys[i].f.key, key) != 0 ||
			    (mount_keys[i].kinds & KIND(kind)))
				continue;
			jpath_key(&c->path, key);
			return conv_fail(c, EINVAL, "not valid for a '%s' mount",
					 policy_mount_kind_name(kind));
		}
	}
	return 0;
}

static int conv_mount(struct conv *c, json_t *obj, struct policy_mount *m)
{
	struct field fields[ARRAY_SIZE(mount_keys)];
	size_t i, n = 0;
	int r;

	if (!json_is_object(obj))
		return conv_fail(c, EINVAL, "must be an object");
	r = conv_mount_type(c, obj, &m->kind);
	if (r < 0)
		return r;
	r = check_keys_fit(c, obj, m->kind);
	if (r < 0)
		return r;
	for (i = 0; i < ARRAY_SIZE(mount_keys); i++) {
		if (!(mount_keys[i].kinds & KIND(m->kind)))
			continue;
		fields[n] = mount_keys[i].f;
		fields[n++].optional = !(mount_keys[i].required & KIND(m->kind));
	}
	m->mode = m->kind == POLICY_MOUNT_TMPFS ? 01777 : 0755;
	r = conv_object(c, obj, fields, n, m);
	if (r < 0)
		return r;
	if ((KIND(m->kind) & BINDS) && !m->dest) {
		m->dest = strdup(m->source); /* dest defaults to source */
		if (!m->dest)
			return conv_fail(c, ENOMEM, "out of memory");
	}
	return 0;
}

static int conv_mount_elem(struct conv *c, json_t *v, void *elem)
{
	return conv_mount(c, v, elem);
}

int conv_mounts(struct conv *c, json_t *v, void *dst)
{
	struct policy *p = dst;

	void *elems = NULL;
	int r = conv_array(c, v, POLICY_MAX_MOUNTS, "mounts", sizeof(*p->mounts), &elems,
			   &p->n_mounts, conv_mount_elem);

	p->mounts = elems; /* on failure too: policy_free() frees what was built */
	return r;
}
