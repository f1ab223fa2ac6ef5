/* SPDX-License-Identifier: MIT */
#include "supervisor/env.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"

static const char *lookup(char *const *caller_env, const char *name)
{
	size_t len = strlen(name);

	for (char *const *e = caller_env; e && *e; e++)
		if (strncmp(*e, name, len) == 0 && (*e)[len] == '=')
			return *e + len + 1;
	return NULL;
}

static bool is_set_by_policy(const struct policy_environment *env, const char *name)
{
	for (size_t i = 0; i < env->n_set; i++)
		if (strcmp(env->set[i].name, name) == 0)
			return true;
	return false;
}

static int push(char **envp, size_t *n, const char *name, const char *value)
{
	char *entry;

	if (asprintf(&entry, "%s=%s", name, value) < 0)
		return -ENOMEM;
	envp[(*n)++] = entry;
	return 0;
}

int env_build(const struct policy_environment *env, char *const *caller_env, char ***ret_envp)
{
	char **envp = calloc(env->n_set + env->n_keep + 1, sizeof(char *));
	size_t n = 0;

	if (!envp)
		return -ENOMEM;
	for (size_t i = 0; i < env->n_set; i++)
		if (push(envp, &n, env->set[i].name, env->set[i].value) < 0)
			goto oom;
	for (size_t i = 0; i < env->n_keep; i++) {
		const char *value = lookup(caller_env, env->keep[i]);

		if (!value || is_set_by_policy(env, env->keep[i]))
			continue;
		if (push(envp, &n, env->keep[i], value) < 0)
			goto oom;
	}
	*ret_envp = envp;
	return 0;
oom:
	env_free(envp);
	return -ENOMEM;
}

int env_add(char ***envp, const char *entry)
{
	size_t n = 0;
	char **grown, *copy = strdup(entry);

	while ((*envp)[n])
		n++;
	grown = copy ? realloc(*envp, (n + 2) * sizeof(char *)) : NULL;
	if (!grown) {
		free(copy);
		return -ENOMEM;
	}
	grown[n] = copy;
	grown[n + 1] = NULL;
	*envp = grown;
	return 0;
}

char **env_free(char **envp)
{
	for (char **e = envp; e && *e; e++)
		free(*e);
	free(envp);
	return NULL;
}
