/* SPDX-License-Identifier: MIT */
#ifndef VMSB_SUPERVISOR_ENV_H
#define VMSB_SUPERVISOR_ENV_H

#include "policy/policy.h"

/*
 * The instance's environment: the policy's "set" entries, plus each "keep"
 * name that the caller has set (and "set" does not override). Never the
 * caller's whole environment: CI secrets live there.
 */
int env_build(const struct policy_environment *env, char *const *caller_env, char ***ret_envp)
	__attribute__((warn_unused_result));

/* Appends one "NAME=VALUE" entry (copied) to an envp from env_build. */
int env_add(char ***envp, const char *entry) __attribute__((warn_unused_result));

char **env_free(char **envp);

#endif
