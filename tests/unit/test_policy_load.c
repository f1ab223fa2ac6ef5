/* SPDX-License-Identifier: MIT */
#include <criterion/criterion.h>
#include <errno.h>
#include <seccomp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/sha256.h"
#include "policy/policy.h"
#include "tests/unit/policy_test_util.h"

extern const char policy_default_json[], policy_default_json_end[];

static struct policy *load_default(void)
{
	struct err_ctx e = {0};
	struct policy *p = NULL;

	cr_assert_geq(policy_load_default(&p, &e), 0, "default failed: %s", e.msg);
	return p;
}

static bool has_allow(const struct policy *p, const char *name)
{
	int nr = seccomp_syscall_resolve_name(name);
	size_t i;

	for (i = 0; i < p->syscalls.n_allow; i++)
		if (p->syscalls.allow[i] == nr)
			return true;
	return false;
}

/* An unconditional deny rule for name with the given action. */
static const struct policy_syscall_rule *find_plain_deny(const struct policy *p, const char *name)
{
	int nr = seccomp_syscall_resolve_name(name);
	size_t i;

	for (i = 0; i < p->syscalls.n_deny; i++)
		if (p->syscalls.deny[i].nr == nr && p->syscalls.deny[i].n_args == 0)
			return &p->syscalls.deny[i];
	return NULL;
}

/* ---- the embedded default ---- */

Test(policy_load, default_loads_with_documented_values)
{
	_cleanup_policy_ struct policy *p = load_default();

	cr_expect_str_eq(p->name, "default");
	cr_expect_str_eq(p->origin, "<default>");
	cr_expect_eq(p->net, POLICY_NET_LOOPBACK);
	cr_expect(p->ns.user && p->ns.pid && p->ns.mount && p->ns.net && p->ns.ipc && p->ns.uts &&
		  p->ns.cgroup);
	cr_expect_eq(p->user.uid, 1000);
	cr_expect_eq(p->user.gid, 1000);
	cr_expect_eq(p->user.host_uid, POLICY_ID_AUTO);
	cr_expect_str_eq(p->hostname, "vmsandbox");
	cr_expect_str_eq(p->cwd, "/home/sandbox");
	cr_expect_eq(p->caps_keep, 0);
	cr_expect(p->landlock);
	cr_expect_eq(p->syscalls.default_action, POLICY_ACTION_ENOSYS);
	cr_expect_eq(p->limits.wall_ms, 10 * 60 * 1000);
	cr_expect_eq(p->limits.cpu_ms, 5 * 60 * 1000);
	cr_expect_eq(p->limits.memory_bytes, 1ULL << 30);
	cr_expect_eq(p->limits.pids, 256);
	cr_expect_eq(p->limits.output_bytes, 64ULL << 20);
	cr_expect_eq(p->limits.on_output_limit, POLICY_OUTPUT_KILL);
	cr_expect_eq(p->limits.file_size_bytes, 1ULL << 30);
	cr_expect_eq(p->limits.open_files, 1024);
	cr_expect_eq(p->limits.tmpfs_bytes, 64ULL << 20);
	cr_expect_eq(p->limits.grace_ms, 2000);
	cr_expect_not(p->limits.require_cgroup);
}

Test(policy_load, default_allows_execve_but_not_ptrace)
{
	_cleanup_policy_ struct policy *p = load_default();

	cr_expect(has_allow(p, "execve"));
	cr_expect(has_allow(p, "read"));
	cr_expect_not(has_allow(p, "ptrace"));
	cr_expect_not(has_allow(p, "clone3"));
}

Test(policy_load, default_denies_dangerous_syscalls_with_eperm)
{
	static const char *const names[] = {DEFAULT_EPERM_DENIED};
	_cleanup_policy_ struct policy *p = load_default();
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		const struct policy_syscall_rule *r = find_plain_deny(p, names[i]);

		cr_expect_not_null(r, "no deny rule for %s", names[i]);
		if (r) {
			cr_expect_eq(r->action, POLICY_ACTION_ERRNO, "%s", names[i]);
			cr_expect_eq(r->err, EPERM, "%s", names[i]);
		}
		cr_expect_not(has_allow(p, names[i]), "%s is allowed", names[i]);
	}
}

Test(policy_load, default_clone3_fails_with_enosys)
{
	_cleanup_policy_ struct policy *p = load_default();
	const struct policy_syscall_rule *r = find_plain_deny(p, "clone3");

	cr_assert_not_null(r);
	cr_expect_eq(r->action, POLICY_ACTION_ENOSYS);
}

Test(policy_load, default_denies_each_clone_namespace_flag)
{
	static const unsigned long long flags[] = {
		CLONE_NEWNS,   CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
		CLONE_NEWUSER, CLONE_NEWPID,	CLONE_NEWNET,
	};
	_cleanup_policy_ struct policy *p = load_default();
	int clone_nr = seccomp_syscall_resolve_name("clone");
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		bool found = false;

		for (j = 0; j < p->syscalls.n_deny; j++) {
			const struct policy_syscall_rule *r = &p->syscalls.deny[j];

			if (r->nr == clone_nr && r->n_args == 1 && r->args[0].index == 0 &&
			    r->args[0].op == POLICY_ARG_MASKED_EQ && r->args[0].mask == flags[i] &&
			    r->args[0].value == flags[i] && r->action == POLICY_ACTION_ERRNO)
				found = true;
		}
		cr_expect(found, "no clone rule for flag %#llx", flags[i]);
	}
}

Test(policy_load, default_view_shows_usr_but_no_secrets_from_etc)
{
	static const char *const secret[] = {"/etc",	     "/etc/shadow", "/etc/gshadow",
					     "/etc/sudoers", "/etc/ssh",    "/root",
					     "/home"};
	_cleanup_policy_ struct policy *p = load_default();
	bool usr = false;
	size_t i, j;

	for (i = 0; i < p->n_mounts; i++) {
		const struct policy_mount *m = &p->mounts[i];

		if (m->kind == POLICY_MOUNT_BIND_RO && strcmp(m->source, "/usr") == 0)
			usr = !m->optional;
		cr_expect_neq(m->kind, POLICY_MOUNT_BIND_RW, "rw bind of %s", m->source);
		for (j = 0; m->source && j < ARRAY_SIZE(secret); j++)
			cr_expect_str_neq(m->source, secret[j]);
	}
	cr_expect(usr, "/usr is not a required read-only bind");
}

Test(policy_load, default_hash_is_of_the_embedded_bytes)
{
	_cleanup_policy_ struct policy *p = load_default();
	uint8_t want[SHA256_DIGEST_SIZE];

	sha256_buffer(policy_default_json, (size_t)(policy_default_json_end - policy_default_json),
		      want);
	cr_expect_arr_eq(p->sha256, want, sizeof(want));
}

/* ---- layering ---- */

Test(policy_load, file_with_only_limits_keeps_default_mounts)
{
	_cleanup_policy_ struct policy *d = load_default();
	_cleanup_policy_ struct policy *p = NULL;
	struct err_ctx e = {0};
	size_t i;

	cr_assert_geq(policy_load_file(policy_fixture("limits-only.json"), &p, &e), 0, "%s", e.msg);
	cr_expect_eq(p->limits.memory_bytes, 256ULL << 20);
	cr_expect_eq(p->limits.wall_ms, 30000);
	cr_expect_eq(p->limits.cpu_ms, d->limits.cpu_ms, "other limits keep the default");
	cr_assert_eq(p->n_mounts, d->n_mounts);
	for (i = 0; i < p->n_mounts; i++)
		cr_expect_str_eq(p->mounts[i].dest, d->mounts[i].dest);
	cr_expect_eq(p->syscalls.n_deny, d->syscalls.n_deny);
	cr_expect_str_eq(p->name, "limits-only");
	cr_expect_str_eq(p->origin, policy_fixture("limits-only.json"));
}

Test(policy_load, hash_is_of_the_file_bytes)
{
	_cleanup_policy_ struct policy *p = NULL;
	_cleanup_free_ char *buf = NULL;
	struct err_ctx e = {0};
	uint8_t want[SHA256_DIGEST_SIZE];
	FILE *f = fopen(policy_fixture("limits-only.json"), "re");
	size_t n;

	cr_assert_not_null(f);
	buf = malloc(65536);
	n = fread(buf, 1, 65536, f);
	fclose(f);
	sha256_buffer(buf, n, want);
	cr_assert_geq(policy_load_file(policy_fixture("limits-only.json"), &p, &e), 0, "%s", e.msg);
	cr_expect_arr_eq(p->sha256, want, sizeof(want));
}

Test(policy_load, arrays_replace_and_objects_merge)
{
	_cleanup_policy_ struct policy *p =
		must_load("{\"version\": 1, \"filesystem\": {\"mounts\": [{\"type\": \"tmpfs\", "
			  "\"dest\": \"/x\"}]},"
			  " \"syscalls\": {\"allow\": [\"read\", \"exit_group\"]}}");

	cr_expect_eq(p->n_mounts, 1);
	cr_expect_eq(p->syscalls.n_allow, 2);
	cr_expect_gt(p->syscalls.n_deny, 0, "deny rules come from the default");
	cr_expect_eq(p->syscalls.default_action, POLICY_ACTION_ENOSYS);
}

Test(policy_load, explicit_name_wins_over_file_name)
{
	_cleanup_policy_ struct policy *p = must_load("{\"version\": 1, \"name\": \"ci.v2\"}");

	cr_expect_str_eq(p->name, "ci.v2");
}

Test(policy_load, name_defaults_to_base_name_without_json)
{
	_cleanup_policy_ struct policy *p = NULL;
	struct err_ctx e = {0};
	const char *t = "{\"version\": 1}";

	cr_assert_geq(policy_load_buffer("/some/dir/build-env.json", t, strlen(t), &p, &e), 0);
	cr_expect_str_eq(p->name, "build-env");
	cr_expect_str_eq(p->origin, "/some/dir/build-env.json");
}

/* ---- syntax and structure errors ---- */

Test(policy_load, rejects_syntax_error_with_line_and_column)
{
	struct policy *p = NULL;
	struct err_ctx e = {0};
	char want[4200];

	cr_expect_lt(policy_load_file(policy_fixture("syntax-error.json"), &p, &e), 0);
	snprintf(want, sizeof(want), "%s:4:31: ", policy_fixture("syntax-error.json"));
	cr_expect_eq(strncmp(e.msg, want, strlen(want)), 0, "got \"%s\"", e.msg);
	cr_expect_eq(e.code, EINVAL);
}

Test(policy_load, rejects_duplicate_key_with_location)
{
	struct policy *p = NULL;
	struct err_ctx e = {0};

	cr_expect_lt(policy_load_file(policy_fixture("duplicate-key.json"), &p, &e), 0);
	cr_expect_not_null(strstr(e.msg, "duplicate-key.json:4:"), "got \"%s\"", e.msg);
	cr_expect_not_null(strstr(e.msg, "duplicate object key"), "got \"%s\"", e.msg);
}

Test(policy_load, rejects_unknown_key_with_path)
{
	struct policy *p = NULL;
	struct err_ctx e = {0};
	char want[4200];

	cr_expect_lt(policy_load_file(policy_fixture("unknown-key.json"), &p, &e), 0);
	snprintf(want, sizeof(want), "%s: $.limits.memroy: unknown key",
		 policy_fixture("unknown-key.json"));
	cr_expect_str_eq(e.msg, want);
}

Test(policy_load, rejects_unknown_top_level_key)
{
	expect_load_error("{\"version\": 1, \"netwrok\": \"host\"}",
			  "test.json: $.netwrok: unknown key");
}

Test(policy_load, rejects_unknown_key_in_mount)
{
	expect_load_error("{\"version\": 1, \"filesystem\": {\"mounts\": [{\"type\": \"tmpfs\", "
			  "\"dest\": \"/x\", \"sise\": \"1M\"}]}}",
			  "$.filesystem.mounts[0].sise: unknown key");
}

Test(policy_load, rejects_missing_version)
{
	expect_load_error("{\"hostname\": \"x\"}", "test.json: $: missing key 'version'");
}

Test(policy_load, rejects_other_versions)
{
	expect_load_error("{\"version\": 2}", "test.json: $.version: must be 1");
	expect_load_error("{\"version\": \"1\"}", "$.version: must be 1");
}

Test(policy_load, rejects_document_that_is_not_an_object)
{
	expect_load_error("[1, 2]", "test.json: $: must be a JSON object");
}

Test(policy_load, rejects_wrong_types_with_path)
{
	expect_load_error("{\"version\": 1, \"hostname\": 5}", "$.hostname: must be a string");
	expect_load_error("{\"version\": 1, \"landlock\": \"yes\"}",
			  "$.landlock: must be true or false");
	expect_load_error("{\"version\": 1, \"limits\": {\"pids\": \"many\"}}",
			  "$.limits.pids: must be an integer or \"unlimited\"");
	/* The same words for a real number: a count takes no units either way. */
	expect_load_error("{\"version\": 1, \"limits\": {\"pids\": 1.5}}",
			  "$.limits.pids: must be an integer or \"unlimited\"");
	expect_load_error("{\"version\": 1, \"limits\": {\"open_files\": [1]}}",
			  "$.limits.open_files: must be an integer or \"unlimited\"");
	expect_load_error("{\"version\": 1, \"limits\": 5}", "$.limits: must be an object");
	expect_load_error("{\"version\": 1, \"user\": {\"uid\": 1.5}}",
			  "$.user.uid: must be an integer");
	expect_load_error("{\"version\": 1, \"filesystem\": {\"mounts\": {}}}",
			  "$.filesystem.mounts: must be an array");
}

Test(policy_load, rejects_deep_nesting_without_crashing)
{
	size_t depth = 100000, i;
	_cleanup_free_ char *t = malloc(depth + 64);
	char *w = t;

	w += sprintf(w, "{\"version\": 1, \"x\": ");
	for (i = 0; i < depth; i++)
		*w++ = '[';
	*w = '\0';
	expect_load_error(t, "test.json:1:");
}

Test(policy_load, rejects_nesting_where_a_value_belongs)
{
	expect_load_error("{\"version\": 1, \"limits\": {\"memory\": [[[[[[[[[[1]]]]]]]]]]}}",
			  "$.limits.memory: must be an integer or a string");
}

Test(policy_load, rejects_oversized_file)
{
	char path[] = "/tmp/vmsb-test-big-XXXXXX";
	_cleanup_close_ int fd = mkstemp(path);
	_cleanup_free_ char *chunk = calloc(1, 65536);
	struct policy *p = NULL;
	struct err_ctx e = {0};
	char want[128];
	int i, r;

	cr_assert_geq(fd, 0);
	memset(chunk, ' ', 65536);
	for (i = 0; i < 17; i++)
		cr_assert_eq(write(fd, chunk, 65536), 65536);
	r = policy_load_file(path, &p, &e);
	unlink(path);
	cr_expect_lt(r, 0);
	snprintf(want, sizeof(want), "%s: larger than 1 MiB", path);
	cr_expect_str_eq(e.msg, want);
	cr_expect_eq(e.code, EFBIG);
}

Test(policy_load, rejects_missing_file)
{
	struct policy *p = NULL;
	struct err_ctx e = {0};

	cr_expect_eq(policy_load_file("/nonexistent/policy.json", &p, &e), -ENOENT);
	cr_expect_not_null(strstr(e.msg, "/nonexistent/policy.json: cannot open"), "%s", e.msg);
}

Test(policy_load, hostile_keys_are_sanitised_in_messages)
{
	struct policy *p = NULL;
	struct err_ctx e = {0};
	const char *t = "{\"version\": 1, \"a\\nb\\u001b[31m\": 1}";

	cr_expect_lt(load_text(t, &p, &e), 0);
	cr_expect_null(strchr(e.msg, '\n'));
	cr_expect_null(strchr(e.msg, '\033'));
	cr_expect_not_null(strstr(e.msg, "$.a?b?[31m: unknown key"), "%s", e.msg);
}

/* No byte of msg is a control character (so no newline either). */
static void expect_printable(const char *msg)
{
	const char *c;

	for (c = msg; *c; c++)
		cr_expect(!((unsigned char)*c < 0x20 || *c == 0x7f), "byte 0x%02x at %zu in \"%s\"",
			  (unsigned char)*c, (size_t)(c - msg), msg);
}

/* jansson quotes the input near a syntax error verbatim; that quote is hostile. */
Test(policy_load, syntax_error_quoting_a_newline_stays_one_line)
{
	struct policy *p = NULL;
	struct err_ctx e = {0};
	const char *t = "{\n  \"version\": 1,\n  \"name\": \"x\\\n\"\n}\n";

	cr_expect_eq(load_text(t, &p, &e), -EINVAL);
	expect_printable(e.msg);
	cr_expect_not_null(strstr(e.msg, "test.json:4:"), "%s", e.msg);
	cr_expect_not_null(strstr(e.msg, "invalid escape near '\"x\\?'"), "%s", e.msg);
}

Test(policy_load, syntax_error_quoting_an_escape_byte_is_sanitised)
{
	struct policy *p = NULL;
	struct err_ctx e = {0};
	const char *t = "{ \033]2;pwned\007 \"version\": 1 }\n";

	cr_expect_eq(load_text(t, &p, &e), -EINVAL);
	expect_printable(e.msg);
	/* jansson's own quotes around the token are kept, only the byte is replaced. */
	cr_expect_str_eq(e.msg, "test.json:1:3: string or '}' expected near '?'");
}

/* U+009B is CSI to a terminal that takes C1 controls: valid UTF-8, still hostile. */
Test(policy_load, syntax_error_quoting_a_c1_control_is_sanitised)
{
	struct policy *p = NULL;
	struct err_ctx e = {0};
	const char *t = "{ \302\2332J \"version\": 1 }\n";

	cr_expect_eq(load_text(t, &p, &e), -EINVAL);
	expect_printable(e.msg);
	cr_expect_str_eq(e.msg, "test.json:1:3: string or '}' expected near '?"
				"?'");
}

/* ---- values ---- */

Test(policy_load, rejects_bad_unit)
{
	expect_load_error("{\"version\": 1, \"limits\": {\"memory\": \"12Q\"}}",
			  "test.json: $.limits.memory: '12Q' is not a size");
	expect_load_error("{\"version\": 1, \"limits\": {\"wall_time\": \"5 minutes\"}}",
			  "$.limits.wall_time: '5 minutes' is not a duration");
	expect_load_error("{\"version\": 1, \"limits\": {\"memory\": -1}}",
			  "$.limits.memory: must not be negative");
	expect_load_error("{\"version\": 1, \"limits\": {\"memory\": \"99999999999T\"}}",
			  "$.limits.memory: '99999999999T' is too large");
}

Test(policy_load, units_and_unlimited_convert)
{
	_cleanup_policy_ struct policy *p = must_load(
		"{\"version\": 1, \"limits\": {\"memory\": \"unlimited\", \"wall_time\": 3,"
		" \"cpu_time\": \"250ms\", \"output\": 4096, \"pids\": \"unlimited\", \"cpus\": "
		"0.5}}");

	cr_expect_eq(p->limits.memory_bytes, 0);
	cr_expect_eq(p->limits.wall_ms, 3000, "a bare number is seconds");
	cr_expect_eq(p->limits.cpu_ms, 250);
	cr_expect_eq(p->limits.output_bytes, 4096);
	cr_expect_eq(p->limits.pids, 0);
	cr_expect_float_eq(p->limits.cpus, 0.5, 1e-9);
}

Test(policy_load, rejects_unknown_syscall_naming_it)
{
	expect_load_error("{\"version\": 1, \"syscalls\": {\"allow\": [\"read\", \"nosuchcall\"]}}",
			  "test.json: $.syscalls.allow[1]: unknown syscall 'nosuchcall'");
}

Test(policy_load, rejects_syscall_of_another_architecture)
{
	expect_load_error("{\"version\": 1, \"syscalls\": {\"allow\": [\"socketcall\"]}}",
			  "$.syscalls.allow[0]: unknown syscall 'socketcall'");
}

Test(policy_load, rejects_unknown_group)
{
	expect_load_error("{\"version\": 1, \"syscalls\": {\"allow\": [\"@nosuch\"]}}",
			  "$.syscalls.allow[0]: unknown syscall group '@nosuch'");
}

Test(policy_load, groups_expand_sorted_and_unique)
{
	_cleanup_policy_ struct policy *p = must_load(
		"{\"version\": 1, \"syscalls\": {\"allow\": [\"@signal\", \"kill\", \"@signal\","
		" \"read\"]}}");
	size_t i;

	cr_expect(has_allow(p, "kill"));
	cr_expect(has_allow(p, "rt_sigaction"));
	cr_expect(has_allow(p, "read"));
	cr_expect_not(has_allow(p, "write"));
	for (i = 1; i < p->syscalls.n_allow; i++)
		cr_expect_lt(p->syscalls.allow[i - 1], p->syscalls.allow[i]);
}

Test(policy_load, nested_groups_expand)
{
	_cleanup_policy_ struct policy *p =
		must_load("{\"version\": 1, \"syscalls\": {\"allow\": [\"@default\"]}}");

	cr_expect(has_allow(p, "execve"), "from @process inside @default");
	cr_expect(has_allow(p, "nanosleep"), "from @timer inside @default");
}

Test(policy_load, capability_names_in_any_spelling)
{
	_cleanup_policy_ struct policy *p =
		must_load("{\"version\": 1, \"capabilities\": [\"CAP_NET_BIND_SERVICE\", "
			  "\"chown\", \"cap_kill\"]}");

	cr_expect_eq(p->caps_keep, (1ULL << 10) | (1ULL << 0) | (1ULL << 5));
}

Test(policy_load, rejects_unknown_capability)
{
	expect_load_error("{\"version\": 1, \"capabilities\": [\"CAP_KILL\", \"CAP_EVERYTHING\"]}",
			  "test.json: $.capabilities[1]: unknown capability 'CAP_EVERYTHING'");
	expect_load_error("{\"version\": 1, \"capabilities\": [\"12\"]}",
			  "$.capabilities[0]: unknown capability '12'");
}

Test(policy_load, errno_by_name_or_number)
{
	_cleanup_policy_ struct policy *p =
		must_load("{\"version\": 1, \"syscalls\": {\"default_action\": \"errno\", "
			  "\"default_errno\": 13}}");
	_cleanup_policy_ struct policy *q =
		must_load("{\"version\": 1, \"syscalls\": {\"default_action\": \"errno\","
			  " \"default_errno\": \"EACCES\"}}");

	cr_expect_eq(p->syscalls.default_errno, EACCES);
	cr_expect_eq(q->syscalls.default_errno, EACCES);
}

Test(policy_load, rejects_bad_errno)
{
	expect_load_error("{\"version\": 1, \"syscalls\": {\"default_errno\": \"EWHATEVER\"}}",
			  "$.syscalls.default_errno: unknown errno name 'EWHATEVER'");
	expect_load_error("{\"version\": 1, \"syscalls\": {\"default_errno\": 5000}}",
			  "$.syscalls.default_errno: must be between 1 and 4095");
	expect_load_error("{\"version\": 1, \"syscalls\": {\"default_errno\": 0}}",
			  "$.syscalls.default_errno: must be between 1 and 4095");
}

Test(policy_load, rejects_bad_action)
{
	expect_load_error("{\"version\": 1, \"syscalls\": {\"default_action\": \"deny\"}}",
			  "$.syscalls.default_action: unknown action 'deny'");
	expect_load_error("{\"version\": 1, \"syscalls\": {\"deny\": [{\"names\": [\"ptrace\"],"
			  " \"action\": \"allow\"}]}}",
			  "$.syscalls.deny[0].action: a deny rule cannot allow");
	expect_load_error("{\"version\": 1, \"syscalls\": {\"deny\": [{\"names\": [\"ptrace\"]}]}}",
			  "$.syscalls.deny[0]: missing key 'action'");
}

Test(policy_load, rejects_errno_on_a_rule_that_does_not_use_it)
{
	expect_load_error("{\"version\": 1, \"syscalls\": {\"deny\": [{\"names\": [\"ptrace\"],"
			  " \"action\": \"kill\", \"errno\": \"EPERM\"}]}}",
			  "$.syscalls.deny[0].errno: only valid with action \"errno\"");
}

Test(policy_load, rejects_argument_index_above_5)
{
	expect_load_error("{\"version\": 1, \"syscalls\": {\"deny\": [{\"names\": [\"ioctl\"],"
			  " \"action\": \"errno\", \"args\": [{\"index\": 6, \"op\": \"eq\","
			  " \"value\": 1}]}]}}",
			  "test.json: $.syscalls.deny[0].args[0].index: must be between 0 and 5");
}

Test(policy_load, rejects_two_conditions_on_one_argument)
{
	expect_load_error(
		"{\"version\": 1, \"syscalls\": {\"deny\": [{\"names\": [\"ioctl\"],"
		" \"action\": \"errno\", \"args\": [{\"index\": 1, \"op\": \"ge\", \"value\": 1},"
		" {\"index\": 1, \"op\": \"le\", \"value\": 9}]}]}}",
		"$.syscalls.deny[0].args[1].index: argument 1 already has a condition");
}

Test(policy_load, rejects_mask_rules_that_do_not_fit_the_op)
{
	expect_load_error("{\"version\": 1, \"syscalls\": {\"deny\": [{\"names\": [\"clone\"],"
			  " \"action\": \"errno\", \"args\": [{\"index\": 0, \"op\": \"masked_eq\","
			  " \"value\": 1}]}]}}",
			  "$.syscalls.deny[0].args[0]: missing key 'mask'");
	expect_load_error("{\"version\": 1, \"syscalls\": {\"deny\": [{\"names\": [\"clone\"],"
			  " \"action\": \"errno\", \"args\": [{\"index\": 0, \"op\": \"eq\","
			  " \"value\": 1, \"mask\": 1}]}]}}",
			  "$.syscalls.deny[0].args[0].mask: only valid with op masked_eq");
	expect_load_error("{\"version\": 1, \"syscalls\": {\"deny\": [{\"names\": [\"clone\"],"
			  " \"action\": \"errno\", \"args\": [{\"index\": 0, \"op\": \"like\","
			  " \"value\": 1}]}]}}",
			  "$.syscalls.deny[0].args[0].op: unknown op 'like'");
}

Test(policy_load, rejects_unknown_constant)
{
	expect_load_error("{\"version\": 1, \"syscalls\": {\"deny\": [{\"names\": [\"socket\"],"
			  " \"action\": \"errno\", \"args\": [{\"index\": 0, \"op\": \"eq\","
			  " \"value\": \"AF_INET|AF_BOGUS\"}]}]}}",
			  "$.syscalls.deny[0].args[0].value: unknown constant 'AF_BOGUS'");
}

Test(policy_load, constant_expressions_or_together)
{
	_cleanup_policy_ struct policy *p = must_load(
		"{\"version\": 1, \"syscalls\": {\"deny\": [{\"names\": [\"clone\"],"
		" \"action\": \"kill\", \"args\": [{\"index\": 0, \"op\": \"masked_eq\","
		" \"mask\": \"CLONE_NEWUSER | CLONE_NEWNS\", \"value\": \"0x10000000\"}]}]}}");

	cr_assert_eq(p->syscalls.n_deny, 1);
	cr_expect_eq(p->syscalls.deny[0].args[0].mask, CLONE_NEWUSER | CLONE_NEWNS);
	cr_expect_eq(p->syscalls.deny[0].args[0].value, CLONE_NEWUSER);
	cr_expect_eq(p->syscalls.deny[0].action, POLICY_ACTION_KILL);
}

Test(policy_load, deny_rule_expands_into_one_rule_per_syscall)
{
	_cleanup_policy_ struct policy *p = must_load(
		"{\"version\": 1, \"syscalls\": {\"deny\": [{\"names\": [\"@namespaces\"],"
		" \"action\": \"errno\"}]}}");

	cr_assert_eq(p->syscalls.n_deny, 2);
	cr_expect_str_eq(p->syscalls.deny[0].name, "unshare", "sorted by number: unshare is 272");
	cr_expect_str_eq(p->syscalls.deny[1].name, "setns");
	cr_expect_eq(p->syscalls.deny[0].err, EPERM, "errno defaults to EPERM");
}

Test(policy_load, rejects_too_many_mounts)
{
	size_t n = 257, i;
	_cleanup_free_ char *t = malloc(n * 48 + 128);
	char *w = t;

	w += sprintf(w, "{\"version\": 1, \"filesystem\": {\"mounts\": [");
	for (i = 0; i < n; i++)
		w += sprintf(w, "%s{\"type\": \"dir\", \"dest\": \"/d%zu\"}", i ? "," : "", i);
	sprintf(w, "]}}");
	expect_load_error(t, "$.filesystem.mounts: too many mounts (at most 256)");
}

Test(policy_load, rejects_mount_keys_of_another_type)
{
	expect_load_error("{\"version\": 1, \"filesystem\": {\"mounts\": [{\"type\": \"tmpfs\","
			  " \"source\": \"/usr\", \"dest\": \"/x\"}]}}",
			  "$.filesystem.mounts[0].source: not valid for a 'tmpfs' mount");
	expect_load_error("{\"version\": 1, \"filesystem\": {\"mounts\": [{\"type\": \"bind\","
			  " \"source\": \"/usr\", \"size\": \"1M\"}]}}",
			  "$.filesystem.mounts[0].size: not valid for a 'bind' mount");
}

Test(policy_load, rejects_unknown_or_missing_mount_type)
{
	expect_load_error("{\"version\": 1, \"filesystem\": {\"mounts\": [{\"type\": \"overlay\","
			  " \"dest\": \"/x\"}]}}",
			  "$.filesystem.mounts[0].type: unknown mount type 'overlay'");
	expect_load_error("{\"version\": 1, \"filesystem\": {\"mounts\": [{\"dest\": \"/x\"}]}}",
			  "$.filesystem.mounts[0]: missing key 'type'");
	expect_load_error("{\"version\": 1, \"filesystem\": {\"mounts\": [{\"type\": \"bind\"}]}}",
			  "$.filesystem.mounts[0]: missing key 'source'");
}

Test(policy_load, mount_fields_convert)
{
	_cleanup_policy_ struct policy *p = must_load(
		"{\"version\": 1, \"filesystem\": {\"mounts\": ["
		"{\"type\": \"bind\", \"source\": \"/usr\", \"noexec\": true},"
		"{\"type\": \"tmpfs\", \"dest\": \"/t\", \"size\": \"8M\", \"mode\": \"0700\"},"
		"{\"type\": \"symlink\", \"target\": \"usr/bin\", \"dest\": \"/bin\"},"
		"{\"type\": \"dir\", \"dest\": \"/run\"}]}}");

	cr_assert_eq(p->n_mounts, 4);
	cr_expect_eq(p->mounts[0].kind, POLICY_MOUNT_BIND_RW);
	cr_expect_str_eq(p->mounts[0].dest, "/usr", "dest defaults to source");
	cr_expect(p->mounts[0].noexec);
	cr_expect_not(p->mounts[0].allow_suid);
	cr_expect_eq(p->mounts[1].size, 8ULL << 20);
	cr_expect_eq(p->mounts[1].mode, 0700);
	cr_expect_str_eq(p->mounts[2].source, "usr/bin");
	cr_expect_eq(p->mounts[3].mode, 0755);
}

Test(policy_load, user_network_and_environment_convert)
{
	_cleanup_policy_ struct policy *p =
		must_load("{\"version\": 1, \"network\": \"host\", \"user\": {\"uid\": 0, "
			  "\"host_uid\": 5000},"
			  " \"environment\": {\"keep\": [\"CI\"], \"set\": {\"A\": \"1\"}}}");

	cr_expect_eq(p->net, POLICY_NET_HOST);
	cr_expect_not(p->ns.net, "host network means no net namespace");
	cr_expect_eq(p->user.uid, 0);
	cr_expect_eq(p->user.host_uid, 5000);
	cr_expect_eq(p->user.host_gid, POLICY_ID_AUTO);
	cr_assert_eq(p->env.n_keep, 1);
	cr_expect_str_eq(p->env.keep[0], "CI");
	/* "set" is an object, so it merges with the default's PATH and HOME. */
	cr_assert_eq(p->env.n_set, 3);
	cr_expect_str_eq(p->env.set[2].name, "A");
	cr_expect_str_eq(p->env.set[2].value, "1");
	cr_expect_str_eq(p->env.set[0].name, "PATH");
}

Test(policy_load, rejects_unknown_network)
{
	expect_load_error("{\"version\": 1, \"network\": \"internet\"}",
			  "$.network: unknown network 'internet'");
}

/* ---- dump and programmatic changes ---- */

Test(policy_load, dump_loads_back_as_the_same_policy)
{
	_cleanup_policy_ struct policy *p = load_default();
	_cleanup_policy_ struct policy *q = NULL;
	_cleanup_free_ char *a = NULL, *b = NULL;
	struct err_ctx e = {0};

	cr_assert_eq(policy_dump(p, &a), 0);
	cr_assert_geq(policy_load_buffer("dump.json", a, strlen(a), &q, &e), 0, "%s", e.msg);
	cr_assert_eq(policy_dump(q, &b), 0);
	cr_expect_str_eq(a, b);
	cr_expect_eq(q->syscalls.n_allow, p->syscalls.n_allow);
	cr_expect_eq(q->syscalls.n_deny, p->syscalls.n_deny);
	cr_expect_not_null(strstr(a, "\"wall_time\": \"10m\""));
}

Test(policy_load, add_mount_appends_copies)
{
	_cleanup_policy_ struct policy *p = load_default();
	size_t n = p->n_mounts;
	char src[] = "/usr";
	struct err_ctx e = {0};

	cr_assert_eq(policy_add_mount(p, POLICY_MOUNT_BIND_RO, src, NULL, 0), 0);
	cr_assert_eq(policy_add_mount(p, POLICY_MOUNT_TMPFS, NULL, "/scratch", 4096), 0);
	src[1] = 'X';
	cr_assert_eq(p->n_mounts, n + 2);
	cr_expect_str_eq(p->mounts[n].source, "/usr");
	cr_expect_str_eq(p->mounts[n].dest, "/usr");
	cr_expect_eq(p->mounts[n + 1].size, 4096);
	cr_expect_eq(policy_add_mount(p, POLICY_MOUNT_TMPFS, NULL, NULL, 0), -EINVAL);
	cr_expect_geq(policy_validate(p, &e), 0, "%s", e.msg);
}

Test(policy_load, names_of_enums)
{
	enum policy_net net;

	cr_expect_str_eq(policy_net_name(POLICY_NET_NONE), "none");
	cr_expect_str_eq(policy_action_name(POLICY_ACTION_ENOSYS), "enosys");
	cr_expect_eq(policy_net_from_name("host", &net), 0);
	cr_expect_eq(net, POLICY_NET_HOST);
	cr_expect_lt(policy_net_from_name("HOST", &net), 0);
	cr_expect_null(policy_net_name(_POLICY_NET_MAX));
}
