/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "policy/internal.h"

/* Lifetime of struct policy: everything it points to is owned by it. */

static void free_env(struct policy_environment *env)
{
	size_t i;

	for (i = 0; i < env->n_keep; i++)
		free(env->keep[i]);
	free(env->keep);
	for (i = 0; i < env->n_set; i++) {
		free(env->set[i].name);
		free(env->set[i].value);
	}
	free(env->set);
}

struct policy *policy_free(struct policy *p)
{
	size_t i;

	if (!p)
		return NULL;
	free(p->name);
	free(p->origin);
	free(p->hostname);
	free(p->cwd);
	for (i = 0; i < p->n_mounts; i++) {
		free(p->mounts[i].source);
		free(p->mounts[i].dest);
	}
	free(p->mounts);
	free_env(&p->env);
	free(p->syscalls.allow);
	for (i = 0; i < p->syscalls.n_deny; i++)
		free(p->syscalls.deny[i].name);
	free(p->syscalls.deny);
	for (i = 0; i < p->broker.n_grants; i++)
		free(p->broker.grants[i].name);
	free(p->broker.grants);
	free(p->broker.store_path);
	for (i = 0; i < p->broker.n_regions; i++)
		free(p->broker.regions[i].name);
	free(p->broker.regions);
	free(p);
	return NULL;
}

/*
 * For CLI flags. The result is checked by policy_validate(), which the
 * caller runs after applying all flags (paths, bind sources, the count).
 * dest NULL means "same as source" for binds.
 */
int policy_add_mount(struct policy *p, enum policy_mount_kind kind, const char *source,
		     const char *dest, uint64_t size)
{
	_cleanup_free_ char *s = NULL, *d = NULL;
	struct policy_mount *m;
	bool needs_source;

	if (!p || (unsigned)kind >= _POLICY_MOUNT_KIND_MAX)
		return -EINVAL;
	needs_source = kind == POLICY_MOUNT_BIND_RO || kind == POLICY_MOUNT_BIND_RW ||
		       kind == POLICY_MOUNT_SYMLINK;
	if (needs_source && !source)
		return -EINVAL;
	if (!dest && kind != POLICY_MOUNT_SYMLINK)
		dest = source;
	if (!dest)
		return -EINVAL;
	if (p->n_mounts >= POLICY_MAX_MOUNTS)
		return -E2BIG;
	s = needs_source ? strdup(source) : NULL;
	d = strdup(dest);
	if ((needs_source && !s) || !d)
		return -ENOMEM;
	m = reallocarray(p->mounts, p->n_mounts + 1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	p->mounts = m;
	p->mounts[p->n_mounts++] = (struct policy_mount){
		.kind = kind,
		.source = take_ptr(s),
		.dest = take_ptr(d),
		.size = size,
		.mode = kind == POLICY_MOUNT_TMPFS ? 01777 : 0755,
	};
	return 0;
}
