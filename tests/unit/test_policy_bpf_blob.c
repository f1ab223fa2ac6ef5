/* SPDX-License-Identifier: MIT */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "policy/bpf.h"
#include "policy_test_util.h"

extern const uint8_t policy_default_bpf[] __attribute__((weak));

static bool same_filters(const struct policy_bpf *a, const struct policy_bpf *b)
{
	if (a->n_filters != b->n_filters)
		return false;
	for (unsigned i = 0; i < a->n_filters; i++)
		if (a->filters[i].len != b->filters[i].len ||
		    memcmp(a->filters[i].filter, b->filters[i].filter,
			   a->filters[i].len * sizeof(struct sock_filter)) != 0)
			return false;
	return true;
}

Test(policy_bpf_blob, embedded_default_equals_a_fresh_compile)
{
	struct policy *p = NULL;
	struct policy_bpf cached = {0}, fresh = {0};

	cr_assert_not_null(policy_default_bpf, "the test binary must link the precompiled blob");
	cr_assert_eq(policy_load_default(&p, NULL), 0);
	cr_assert_eq(policy_bpf_compile(p, &cached, NULL), 0);
	cr_assert_eq(policy_bpf_compile_fresh(p, &fresh, NULL), 0);
	cr_expect(same_filters(&cached, &fresh), "precompiled filters differ from libseccomp's");
	policy_bpf_release(&cached);
	policy_bpf_release(&fresh);
	policy_free(p);
}

Test(policy_bpf_blob, any_rule_change_changes_the_key)
{
	struct policy *p = NULL;
	struct policy_syscall_rule *with_args = NULL;
	uint8_t a[POLICY_BPF_KEY_SIZE], b[POLICY_BPF_KEY_SIZE];

	cr_assert_eq(policy_load_default(&p, NULL), 0);
	for (size_t i = 0; i < p->syscalls.n_deny && !with_args; i++)
		if (p->syscalls.deny[i].n_args > 0)
			with_args = &p->syscalls.deny[i];
	cr_assert_not_null(with_args, "the default has deny rules with arguments");
	policy_bpf_key(&p->syscalls, a);
	with_args->args[0].value ^= 1;
	policy_bpf_key(&p->syscalls, b);
	cr_expect_neq(memcmp(a, b, sizeof(a)), 0, "an argument value must change the key");
	with_args->args[0].value ^= 1;
	p->syscalls.default_action = POLICY_ACTION_KILL;
	policy_bpf_key(&p->syscalls, b);
	cr_expect_neq(memcmp(a, b, sizeof(a)), 0, "the default action must change the key");
	policy_free(p);
}

Test(policy_bpf_blob, a_policy_with_other_rules_is_compiled_not_reused)
{
	struct policy *p =
		must_load("{\"version\": 1, \"syscalls\": {\"default_action\": \"kill\"}}");
	struct policy_bpf got = {0}, fresh = {0};

	cr_assert_eq(policy_bpf_compile(p, &got, NULL), 0);
	cr_assert_eq(policy_bpf_compile_fresh(p, &fresh, NULL), 0);
	cr_expect(same_filters(&got, &fresh));
	policy_bpf_release(&got);
	policy_bpf_release(&fresh);
	policy_free(p);
}

Test(policy_bpf_blob, truncated_or_foreign_blobs_are_refused)
{
	struct policy *p = NULL;
	struct policy_bpf bpf = {0}, out = {0};
	uint8_t key[POLICY_BPF_KEY_SIZE], other[POLICY_BPF_KEY_SIZE] = {0}, *blob = NULL;
	size_t len = 0;

	cr_assert_eq(policy_load_default(&p, NULL), 0);
	cr_assert_eq(policy_bpf_compile_fresh(p, &bpf, NULL), 0);
	policy_bpf_key(&p->syscalls, key);
	cr_assert_eq(policy_bpf_blob_make(&bpf, key, &blob, &len), 0);
	cr_expect_eq(policy_bpf_blob_load(blob, len, other, &out), -ENOENT, "wrong key");
	cr_expect_eq(policy_bpf_blob_load(blob, len - 8, key, &out), -EINVAL, "truncated");
	cr_expect_eq(policy_bpf_blob_load(blob, 10, key, &out), -ENOENT, "shorter than a header");
	cr_expect_eq(policy_bpf_blob_load(blob, len, key, &out), 0);
	cr_expect(same_filters(&out, &bpf));
	policy_bpf_release(&out);
	policy_bpf_release(&bpf);
	free(blob);
	policy_free(p);
}
