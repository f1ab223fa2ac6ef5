/* SPDX-License-Identifier: MIT */
#include <criterion/criterion.h>
#include <string.h>

#include "supervisor/env.h"

static bool has_entry(char **envp, const char *entry)
{
	for (char **e = envp; *e; e++)
		if (strcmp(*e, entry) == 0)
			return true;
	return false;
}

static size_t count(char **envp)
{
	size_t n = 0;

	while (envp[n])
		n++;
	return n;
}

Test(env, passes_only_kept_names_and_sets)
{
	char *keep[] = {"TERM", "LANG"};
	struct policy_env_set set[] = {{"PATH", "/usr/bin"}};
	struct policy_environment env = {keep, 2, set, 1};
	char *caller[] = {"TERM=xterm", "SECRET_TOKEN=hunter2", "PATH=/host/bin", NULL};
	char **envp = NULL;

	cr_assert_eq(env_build(&env, caller, &envp), 0);
	cr_expect(has_entry(envp, "TERM=xterm"));
	cr_expect(has_entry(envp, "PATH=/usr/bin"), "policy value must win over the caller's");
	cr_expect_not(has_entry(envp, "SECRET_TOKEN=hunter2"), "caller secret leaked");
	cr_expect_eq(count(envp), 2, "LANG is unset in the caller and must not appear");
	env_free(envp);
}

Test(env, kept_name_must_match_whole_name)
{
	char *keep[] = {"TERM"};
	struct policy_environment env = {keep, 1, NULL, 0};
	char *caller[] = {"TERMINAL=x", NULL};
	char **envp = NULL;

	cr_assert_eq(env_build(&env, caller, &envp), 0);
	cr_expect_eq(count(envp), 0);
	env_free(envp);
}

Test(env, add_appends_a_copy)
{
	struct policy_environment env = {NULL, 0, NULL, 0};
	char *caller[] = {NULL};
	char **envp = NULL;

	cr_assert_eq(env_build(&env, caller, &envp), 0);
	cr_assert_eq(env_add(&envp, "VMSANDBOX_BROKER_FD=3"), 0);
	cr_expect_eq(count(envp), 1);
	cr_expect(has_entry(envp, "VMSANDBOX_BROKER_FD=3"));
	env_free(envp);
}
