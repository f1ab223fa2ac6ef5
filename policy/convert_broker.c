/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "policy/internal.h"

/*
 * $.broker: which effects an instance may ask the supervisor for, and the
 * grants its capabilities are minted from. Every key is optional because
 * the default has no broker section to merge with: absent means no broker.
 * The form of names and paths is checked in validate_broker.c, which also
 * runs after CLI flags.
 */

#define EFFECT_CHOICES "log, cap, register, fs.open, net.connect"
#define RIGHT_CHOICES "read, write, create, consume, transfer, attenuate"

static int effect_lookup(const char *name, void *ret)
{
	return policy_effect_from_name(name, ret);
}

static int right_lookup(const char *name, void *ret)
{
	return policy_right_from_name(name, ret);
}

static int access_lookup(const char *name, void *ret)
{
	return policy_region_access_from_name(name, ret);
}

static int malformed_lookup(const char *name, void *ret)
{
	return policy_malformed_from_name(name, ret);
}

/*
 * A list of flag words into a bit set. A word listed twice is an error that
 * names the first place: it is most likely a typo for a word left out.
 */
static int conv_flag_list(struct conv *c, json_t *v, const char *what, const char *choices,
			  int (*lookup)(const char *name, void *ret), uint32_t *ret)
{
	uint32_t set = 0, seen_at[32] = {0};
	json_t *item;
	size_t i;

	if (!json_is_array(v))
		return conv_fail(c, EINVAL, "must be an array of %s names", what);
	json_array_foreach(v, i, item)
	{
		size_t mark = jpath_index(&c->path, i);
		uint32_t bit = 0;
		int r;

		r = conv_word(c, item, what, choices, lookup, &bit);
		if (r < 0)
			return r;
		if (set & bit)
			return conv_fail(c, EINVAL, "%s '%s' is listed twice (first at [%u])", what,
					 json_string_value(item), seen_at[__builtin_ctz(bit)]);
		set |= bit;
		seen_at[__builtin_ctz(bit)] = (uint32_t)i;
		jpath_pop(&c->path, mark);
	}
	*ret = set;
	return 0;
}

static int conv_effects(struct conv *c, json_t *v, void *dst)
{
	return conv_flag_list(c, v, "effect", EFFECT_CHOICES, effect_lookup, dst);
}

static int conv_rights(struct conv *c, json_t *v, void *dst)
{
	int r = conv_flag_list(c, v, "right", RIGHT_CHOICES, right_lookup, dst);

	if (r >= 0 && *(uint32_t *)dst == 0)
		return conv_fail(c, EINVAL, "must name at least one right (%s)", RIGHT_CHOICES);
	return r;
}

/* "KIND:NAME": the kind picks the table, the rest is checked by validate_broker.c. */
static int conv_resource(struct conv *c, json_t *v, void *dst)
{
	struct policy_grant *g = dst;
	const char *s, *colon;
	char kind[16], q[48];
	size_t n;
	int r;

	r = conv_string(c, v, SIZE_MAX, &s);
	if (r < 0)
		return r;
	colon = strchr(s, ':');
	if (!colon)
		return conv_fail(c, EINVAL, "'%s' must be KIND:NAME (KIND: register, fs, net)",
				 policy_quote(s, q, sizeof(q)));
	n = (size_t)(colon - s);
	/* A kind too long for the buffer is unknown too: the message shows its start. */
	snprintf(kind, sizeof(kind), "%.*s", (int)n, s);
	if (n >= sizeof(kind) || policy_grant_kind_from_name(kind, &g->kind) < 0)
		return conv_fail(c, EINVAL, "unknown resource kind '%s' (register, fs, net)",
				 policy_quote(kind, q, sizeof(q)));
	free(g->name);
	g->name = strdup(colon + 1);
	if (!g->name)
		return conv_fail(c, ENOMEM, "out of memory");
	return 0;
}

static int conv_grant(struct conv *c, json_t *v, struct policy_grant *g)
{
	static const struct field fields[] = {
		{"resource", FIELD_CUSTOM, 0, conv_resource},
		{"rights", FIELD_CUSTOM, offsetof(struct policy_grant, rights), conv_rights},
	};

	return conv_object(c, v, fields, ARRAY_SIZE(fields), g);
}

static int conv_grant_elem(struct conv *c, json_t *v, void *elem)
{
	return conv_grant(c, v, elem);
}

static int conv_grants(struct conv *c, json_t *v, void *dst)
{
	struct policy_broker *b = dst;

	void *elems = NULL;
	int r = conv_array(c, v, POLICY_MAX_GRANTS, "grants", sizeof(*b->grants), &elems,
			   &b->n_grants, conv_grant_elem);

	b->grants = elems; /* on failure too: policy_free() frees what was built */
	return r;
}

static int conv_quotas(struct conv *c, json_t *v, void *dst)
{
	static const struct field fields[] = {
		{"storage_operations", FIELD_COUNT,
		 offsetof(struct policy_broker, max_storage_operations), NULL, true},
		{"bytes", FIELD_SIZE, offsetof(struct policy_broker, max_bytes), NULL, true},
		{"network_operations", FIELD_COUNT,
		 offsetof(struct policy_broker, max_network_operations), NULL, true},
	};

	return conv_object(c, v, fields, ARRAY_SIZE(fields), dst);
}

static int conv_region_name(struct conv *c, json_t *v, void *dst)
{
	return conv_strdup(c, v, SIZE_MAX, dst); /* the rule and its message: validate_broker.c */
}

static int conv_region_access(struct conv *c, json_t *v, void *dst)
{
	return conv_word(c, v, "access", "none, r, rw, rwx", access_lookup, dst);
}

/* Sizes are kept whole pages: the instance maps them, guard pages around. */
static int conv_region_size(struct conv *c, json_t *v, void *dst)
{
	uint64_t *size = dst, page = (uint64_t)sysconf(_SC_PAGESIZE);
	int r = conv_amount(c, v, FIELD_SIZE, size);

	if (r < 0)
		return r;
	if (*size == 0)
		return conv_fail(c, EINVAL,
				 "must be at least 1 byte (regions have no 'unlimited')");
	if (*size > POLICY_REGION_SIZE_MAX)
		return conv_fail(c, E2BIG, "larger than 16G");
	*size = (*size + page - 1) / page * page;
	return 0;
}

static int conv_region(struct conv *c, json_t *v, struct policy_region *reg)
{
	static const struct field fields[] = {
		{"name", FIELD_CUSTOM, offsetof(struct policy_region, name), conv_region_name},
		{"size", FIELD_CUSTOM, offsetof(struct policy_region, size), conv_region_size},
		{"access", FIELD_CUSTOM, offsetof(struct policy_region, access),
		 conv_region_access},
	};

	return conv_object(c, v, fields, ARRAY_SIZE(fields), reg);
}

static int conv_region_elem(struct conv *c, json_t *v, void *elem)
{
	return conv_region(c, v, elem);
}

static int conv_regions(struct conv *c, json_t *v, void *dst)
{
	struct policy_broker *b = dst;

	void *elems = NULL;
	int r = conv_array(c, v, POLICY_MAX_REGIONS, "regions", sizeof(*b->regions), &elems,
			   &b->n_regions, conv_region_elem);

	b->regions = elems; /* on failure too: policy_free() frees what was built */
	return r;
}

static int conv_on_malformed(struct conv *c, json_t *v, void *dst)
{
	return conv_word(c, v, "action", "error, kill", malformed_lookup, dst);
}

int conv_broker(struct conv *c, json_t *v, void *dst)
{
	static const struct field fields[] = {
		{"effects", FIELD_CUSTOM, offsetof(struct policy_broker, effects), conv_effects,
		 true},
		{"grants", FIELD_CUSTOM, 0, conv_grants, true},
		{"quotas", FIELD_CUSTOM, 0, conv_quotas, true},
		{"regions", FIELD_CUSTOM, 0, conv_regions, true},
		{"store", FIELD_STRING, offsetof(struct policy_broker, store_path), NULL, true},
		{"on_malformed", FIELD_CUSTOM, offsetof(struct policy_broker, on_malformed),
		 conv_on_malformed, true},
	};

	return conv_object(c, v, fields, ARRAY_SIZE(fields), dst);
}
