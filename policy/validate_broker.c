/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
	[POLICY_GRANT_NET] = POLICY_EFFECT_NET_CONNECT,
};

/* "consume" takes a register away for good; a directory has no such thing. */
static const uint32_t kind_rights[_POLICY_GRANT_KIND_MAX] = {
	[POLICY_GRANT_REGISTER] = POLICY_RIGHTS_ALL,
	[POLICY_GRANT_FS] = POLICY_RIGHTS_ALL & ~(uint32_t)POLICY_RIGHT_CONSUME,
	/* a connection is read and written; nothing is created or used up */
	[POLICY_GRANT_NET] = POLICY_RIGHT_READ | POLICY_RIGHT_WRITE | POLICY_RIGHT_TRANSFER |
			     POLICY_RIGHT_ATTENUATE,
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

/*
 * NULL when name is "ADDRESS:PORT" in its one canonical spelling, else what
 * is wrong. The capability check compares names byte for byte, so the
 * address must be numeric and written as inet_ntop writes it (IPv6 in
 * brackets): "127.0.0.1:80" and "[::1]:80", never "127.000.0.1" or "[0::1]".
 */
static const char *net_name_problem(const char *name)
{
	char addr[INET6_ADDRSTRLEN + 2], canon[INET6_ADDRSTRLEN];
	const char *colon = strrchr(name, ':'), *p;
	unsigned char bin[16];
	unsigned long port = 0;
	size_t n;
	int af;

	if (!colon || colon == name)
		return "must be net:ADDRESS:PORT (e.g. net:127.0.0.1:8080, net:[::1]:8080)";
	for (p = colon + 1; *p; p++) {
		if (*p < '0' || *p > '9' || port > 65535)
			return "port must be a number from 1 to 65535";
		port = port * 10 + (unsigned long)(*p - '0');
	}
	if (port == 0 || port > 65535 || colon[1] == '0')
		return "port must be a number from 1 to 65535, without leading zeros";
	n = (size_t)(colon - name);
	af = name[0] == '[' ? AF_INET6 : AF_INET;
	if (af == AF_INET && memchr(name, ':', n))
		return "an IPv6 address is written in brackets: [::1]:8080";
	if (af == AF_INET6 && (n < 3 || name[n - 1] != ']'))
		return "an IPv6 address is written in brackets: [::1]:8080";
	if (af == AF_INET6)
		name++, n -= 2;
	if (n >= sizeof(addr))
		return "address is not a numeric IPv4 or IPv6 address";
	memcpy(addr, name, n);
	addr[n] = '\0';
	if (inet_pton(af, addr, bin) != 1)
		return "address is not a numeric IPv4 or IPv6 address (host names are not "
		       "resolved)";
	if (!inet_ntop(af, bin, canon, sizeof(canon)) || strcmp(canon, addr) != 0)
		return "address must be written in its canonical form (as inet_ntop(3) writes it)";
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
	} else if (g->kind == POLICY_GRANT_NET) {
		if ((why = net_name_problem(g->name)))
			return policy_fail(reterr, EINVAL, origin, path, "'%s': %s", q, why);
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

/* ---- regions ---- */

#define REGIONS "$.broker.regions"

static const char *region_name_problem(const char *name)
{
	size_t i, n = name ? strlen(name) : 0;

	if (n == 0 || n > POLICY_REGION_NAME_MAX)
		return "region name must be 1 to 64 characters";
	for (i = 0; i < n; i++)
		if (!segment_char_ok(name[i]))
			return "region names are made of [A-Za-z0-9._-]";
	return NULL;
}

/* Whether one argument condition can hold; an unknown argument can be anything. */
static bool arg_may_hold(const struct policy_arg *a, const uint64_t *args, unsigned known)
{
	uint64_t v;

	if (a->index >= 6 || !(known & (1u << a->index)))
		return true;
	v = args[a->index];
	switch (a->op) {
	case POLICY_ARG_EQ:
		return v == a->value;
	case POLICY_ARG_NE:
		return v != a->value;
	case POLICY_ARG_LT:
		return v < a->value;
	case POLICY_ARG_LE:
		return v <= a->value;
	case POLICY_ARG_GT:
		return v > a->value;
	case POLICY_ARG_GE:
		return v >= a->value;
	case POLICY_ARG_MASKED_EQ:
		return (v & a->mask) == a->value;
	case _POLICY_ARG_OP_MAX:
	default:
		return true;
	}
}

static bool syscall_allowed(const struct policy_syscalls *sc, int nr)
{
	size_t i;

	for (i = 0; i < sc->n_allow; i++)
		if (sc->allow[i] == nr)
			return true;
	return sc->default_action == POLICY_ACTION_ALLOW || sc->default_action == POLICY_ACTION_LOG;
}

/*
 * Whether the syscall rules let the instance map an rwx region the way the
 * guest library does: mmap(addr, size, PROT_READ|PROT_WRITE|PROT_EXEC,
 * MAP_SHARED|MAP_FIXED, fd, 0). A deny rule on mmap refuses it when all its
 * conditions can hold; the address and descriptor count as unknown. This is
 * how a write-xor-execute policy says "no executable memory".
 */
static bool executable_memory_allowed(const struct policy_syscalls *sc, uint64_t size)
{
	const uint64_t args[6] = {
		0, size, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_SHARED | MAP_FIXED, 0, 0};
	const unsigned known = (1u << 1) | (1u << 2) | (1u << 3) | (1u << 5);
	size_t i;
	unsigned k;

	if (!syscall_allowed(sc, SYS_mmap))
		return false;
	for (i = 0; i < sc->n_deny; i++) {
		const struct policy_syscall_rule *rule = &sc->deny[i];
		bool all = true;

		if (rule->nr != SYS_mmap || rule->action == POLICY_ACTION_ALLOW ||
		    rule->action == POLICY_ACTION_LOG)
			continue;
		for (k = 0; k < rule->n_args && all; k++)
			all = arg_may_hold(&rule->args[k], args, known);
		if (all)
			return false;
	}
	return true;
}

static int check_region(const struct policy *p, size_t i, const char *origin,
			struct err_ctx *reterr)
{
	const struct policy_region *reg = &p->broker.regions[i];
	const char *why = region_name_problem(reg->name);
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	char path[64], q[72];
	size_t j;

	snprintf(path, sizeof(path), REGIONS "[%zu].name", i);
	if (why)
		return policy_fail(reterr, EINVAL, origin, path, "%s", why);
	for (j = 0; j < i; j++)
		if (strcmp(p->broker.regions[j].name, reg->name) == 0)
			return policy_fail(reterr, EINVAL, origin, path,
					   "region '%s' is declared twice (first at [%zu])",
					   policy_quote(reg->name, q, sizeof(q)), j);
	snprintf(path, sizeof(path), REGIONS "[%zu].size", i);
	if (reg->size == 0 || reg->size > POLICY_REGION_SIZE_MAX || reg->size % page)
		return policy_fail(reterr, EINVAL, origin, path,
				   "must be 1 byte to 16G (kept as whole pages)");
	snprintf(path, sizeof(path), REGIONS "[%zu].access", i);
	if ((unsigned)reg->access >= _POLICY_REGION_ACCESS_MAX)
		return policy_fail(reterr, EINVAL, origin, path, "unknown access");
	if (reg->access == POLICY_REGION_RWX && !executable_memory_allowed(&p->syscalls, reg->size))
		return policy_fail(reterr, EPERM, origin, path,
				   "'rwx' needs executable memory, which the syscall rules deny "
				   "(mmap with PROT_EXEC)");
	return 0;
}

/* Region pages are the instance's memory: together they must fit its limit. */
static int check_regions(const struct policy *p, const char *origin, struct err_ctx *reterr)
{
	uint64_t total = 0;
	size_t i;
	int r;

	if (p->broker.n_regions > POLICY_MAX_REGIONS)
		return policy_fail(reterr, E2BIG, origin, REGIONS, "too many regions (at most %d)",
				   POLICY_MAX_REGIONS);
	for (i = 0; i < p->broker.n_regions; i++) {
		r = check_region(p, i, origin, reterr);
		if (r < 0)
			return r;
		total += p->broker.regions[i].size; /* at most 16 x 16G: no overflow */
	}
	/* descriptors 4.. must be below the instance's open-file limit */
	if (p->broker.n_regions && p->limits.open_files &&
	    p->limits.open_files <= POLICY_REGION_FD_BASE + p->broker.n_regions)
		return policy_fail(reterr, EINVAL, origin, REGIONS,
				   "%zu regions take descriptors up to %zu: limits.open_files must "
				   "be above that",
				   p->broker.n_regions,
				   POLICY_REGION_FD_BASE + p->broker.n_regions - 1);
	if (p->limits.memory_bytes && total > p->limits.memory_bytes)
		return policy_fail(
			reterr, E2BIG, origin, REGIONS,
			"regions take %llu bytes, more than the memory limit (%llu bytes)",
			(unsigned long long)total, (unsigned long long)p->limits.memory_bytes);
	return 0;
}

int policy_validate_broker(const struct policy *p, const char *origin, struct err_ctx *reterr)
{
	const struct policy_broker *b = &p->broker;
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
	return check_regions(p, origin, reterr);
}
