/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "policy/internal.h"
#include "policy/syscalls.h"

/*
 * $.syscalls.deny: each JSON rule names syscalls (and @groups) and becomes
 * one struct policy_syscall_rule per syscall, all sharing the rule's action
 * and argument conditions.
 */

#define MAX_RULE_ITEMS 1024
#define MAX_VALUE_TEXT 256

static int conv_skip_names(struct conv *c, json_t *v, void *dst)
{
	(void)c;
	(void)v;
	(void)dst;
	return 0; /* converted last, once the rest of the rule is known */
}

/* One token of a value: a number (decimal, 0x hex, 0 octal) or a constant name. */
static int parse_token(const char *tok, unsigned long long *ret)
{
	char *end;

	if (tok[0] >= '0' && tok[0] <= '9') {
		errno = 0;
		*ret = strtoull(tok, &end, 0);
		if (errno != 0 || *end != '\0')
			return -EINVAL;
		return 0;
	}
	return syscall_constant_find(tok, ret);
}

/* "CLONE_NEWUSER|CLONE_NEWNS", "0x10 | AF_INET": tokens OR-ed together. */
static int conv_value_text(struct conv *c, const char *text, uint64_t *ret)
{
	char buf[MAX_VALUE_TEXT + 1], q[48];
	char *save = NULL, *tok;
	uint64_t v = 0;

	if (strlen(text) > MAX_VALUE_TEXT)
		return conv_fail(c, EINVAL, "longer than %d bytes", MAX_VALUE_TEXT);
	strcpy(buf, text);
	if (buf[0] == '\0' || buf[strlen(buf) - 1] == '|' || buf[0] == '|' || strstr(buf, "||"))
		return conv_fail(c, EINVAL, "empty value in '%s'",
				 policy_quote(text, q, sizeof(q)));
	for (tok = strtok_r(buf, "|", &save); tok; tok = strtok_r(NULL, "|", &save)) {
		unsigned long long t;
		size_t len;

		tok += strspn(tok, " ");
		len = strlen(tok);
		while (len > 0 && tok[len - 1] == ' ')
			tok[--len] = '\0';
		if (len == 0 || parse_token(tok, &t) < 0)
			return conv_fail(c, EINVAL, "unknown constant '%s'",
					 policy_quote(tok, q, sizeof(q)));
		v |= t;
	}
	*ret = v;
	return 0;
}

static int conv_arg_value(struct conv *c, json_t *v, void *dst)
{
	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0)
			return conv_fail(c, ERANGE, "must not be negative (write it as \"0x...\")");
		*(uint64_t *)dst = (uint64_t)json_integer_value(v);
		return 0;
	}
	if (!json_is_string(v))
		return conv_fail(c, EINVAL, "must be an integer or a constant name");
	return conv_value_text(c, json_string_value(v), dst);
}

static int conv_arg_index(struct conv *c, json_t *v, void *dst)
{
	if (!json_is_integer(v))
		return conv_fail(c, EINVAL, "must be an integer");
	if (json_integer_value(v) < 0 || json_integer_value(v) >= POLICY_MAX_ARGS)
		return conv_fail(c, ERANGE, "must be between 0 and %d", POLICY_MAX_ARGS - 1);
	*(unsigned *)dst = (unsigned)json_integer_value(v);
	return 0;
}

static int arg_op_lookup(const char *name, void *ret)
{
	return policy_arg_op_from_name(name, ret);
}

static int conv_arg_op(struct conv *c, json_t *v, void *dst)
{
	return conv_word(c, v, "op", "eq, ne, lt, le, gt, ge, masked_eq", arg_op_lookup, dst);
}

static int conv_arg(struct conv *c, json_t *obj, struct policy_arg *a)
{
#define A(key, member, fn, opt)                                                                    \
	{                                                                                          \
		key, FIELD_CUSTOM, offsetof(struct policy_arg, member), fn, opt                    \
	}
	static const struct field fields[] = {
		A("index", index, conv_arg_index, false),
		A("op", op, conv_arg_op, false),
		A("value", value, conv_arg_value, false),
		A("mask", mask, conv_arg_value, true),
	};
#undef A
	bool has_mask;
	int r;

	r = conv_object(c, obj, fields, ARRAY_SIZE(fields), a);
	if (r < 0)
		return r;
	has_mask = json_object_get(obj, "mask") != NULL;
	if (a->op == POLICY_ARG_MASKED_EQ && !has_mask)
		return conv_fail(c, EINVAL, "missing key 'mask' (op masked_eq needs one)");
	if (a->op != POLICY_ARG_MASKED_EQ && has_mask) {
		jpath_key(&c->path, "mask");
		return conv_fail(c, EINVAL, "only valid with op masked_eq");
	}
	return 0;
}

static int conv_args(struct conv *c, json_t *v, void *dst)
{
	struct policy_syscall_rule *rule = dst;
	json_t *item;
	size_t i, j;

	if (!json_is_array(v))
		return conv_fail(c, EINVAL, "must be an array");
	if (json_array_size(v) > POLICY_MAX_ARGS)
		return conv_fail(c, E2BIG, "too many conditions (at most %d)", POLICY_MAX_ARGS);
	json_array_foreach(v, i, item)
	{
		size_t mark = jpath_index(&c->path, i);
		int r = conv_arg(c, item, &rule->args[i]);

		if (r < 0)
			return r;
		/* libseccomp refuses two comparisons of one argument in one rule. */
		for (j = 0; j < i; j++) {
			if (rule->args[j].index != rule->args[i].index)
				continue;
			jpath_key(&c->path, "index");
			return conv_fail(c, EINVAL,
					 "argument %u already has a condition in this rule",
					 rule->args[i].index);
		}
		rule->n_args = i + 1;
		jpath_pop(&c->path, mark);
	}
	return 0;
}

/* One rule per syscall number, appended to sc->deny. */
static int append_rules(struct conv *c, struct policy_syscalls *sc,
			const struct policy_syscall_rule *tmpl, const int *nrs, size_t n)
{
	struct policy_syscall_rule *d;
	size_t i;

	if (n > POLICY_MAX_DENY || sc->n_deny > POLICY_MAX_DENY - n)
		return conv_fail(c, E2BIG, "too many deny rules (at most %d syscalls in all)",
				 POLICY_MAX_DENY);
	d = reallocarray(sc->deny, sc->n_deny + n, sizeof(*d));
	if (!d)
		return conv_fail(c, ENOMEM, "out of memory");
	sc->deny = d;
	for (i = 0; i < n; i++) {
		d[sc->n_deny] = *tmpl;
		d[sc->n_deny].nr = nrs[i];
		d[sc->n_deny].name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nrs[i]);
		if (!d[sc->n_deny++].name)
			return conv_fail(c, ENOMEM, "out of memory");
	}
	return 0;
}

static int check_rule_action(struct conv *c, json_t *obj, struct policy_syscall_rule *rule)
{
	bool has_errno = json_object_get(obj, "errno") != NULL;

	if (rule->action == POLICY_ACTION_ALLOW) {
		jpath_key(&c->path, "action");
		return conv_fail(c, EINVAL, "a deny rule cannot allow (kill, errno, enosys, log)");
	}
	if (has_errno && rule->action != POLICY_ACTION_ERRNO) {
		jpath_key(&c->path, "errno");
		return conv_fail(c, EINVAL, "only valid with action \"errno\"");
	}
	if (rule->action == POLICY_ACTION_ERRNO && !has_errno)
		rule->err = EPERM;
	return 0;
}

static int conv_rule(struct conv *c, json_t *obj, struct policy_syscalls *sc)
{
#define R(key, member, fn, opt)                                                                    \
	{                                                                                          \
		key, FIELD_CUSTOM, offsetof(struct policy_syscall_rule, member), fn, opt           \
	}
	static const struct field fields[] = {
		R("names", name, conv_skip_names, false),
		R("action", action, conv_action, false),
		R("errno", err, conv_errno, true),
		{"args", FIELD_CUSTOM, 0, conv_args, true},
	};
#undef R
	struct policy_syscall_rule tmpl = {0};
	_cleanup_free_ int *nrs = NULL;
	size_t n, mark;
	int r;

	r = conv_object(c, obj, fields, ARRAY_SIZE(fields), &tmpl);
	if (r < 0)
		return r;
	r = check_rule_action(c, obj, &tmpl);
	if (r < 0)
		return r;
	mark = jpath_key(&c->path, "names");
	r = conv_syscall_names(c, json_object_get(obj, "names"), &nrs, &n);
	if (r < 0)
		return r;
	r = append_rules(c, sc, &tmpl, nrs, n);
	if (r < 0)
		return r;
	jpath_pop(&c->path, mark);
	return 0;
}

int conv_deny(struct conv *c, json_t *v, void *dst)
{
	struct policy_syscalls *sc = dst;
	json_t *item;
	size_t i;

	if (!json_is_array(v))
		return conv_fail(c, EINVAL, "must be an array of rules");
	if (json_array_size(v) > MAX_RULE_ITEMS)
		return conv_fail(c, E2BIG, "too many rules (at most %d)", MAX_RULE_ITEMS);
	json_array_foreach(v, i, item)
	{
		size_t mark = jpath_index(&c->path, i);
		int r = conv_rule(c, item, sc);

		if (r < 0)
			return r;
		jpath_pop(&c->path, mark);
	}
	return 0;
}
