/* SPDX-License-Identifier: MIT */
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "policy/policy.h"
#include "tests/unit/policy_test_util.h"

/* A policy whose only mount is the given JSON object. */
static void expect_mount_error(const char *mount_json, const char *want)
{
	char t[8192];

	snprintf(t, sizeof(t), "{\"version\": 1, \"filesystem\": {\"mounts\": [%s]}}", mount_json);
	expect_load_error(t, want);
}

Test(policy_validate, rejects_relative_path)
{
	expect_mount_error("{\"type\": \"tmpfs\", \"dest\": \"tmp\"}",
			   "test.json: $.filesystem.mounts[0].dest: must be an absolute path");
	expect_mount_error("{\"type\": \"ro-bind\", \"source\": \"usr\", \"dest\": \"/usr\"}",
			   "$.filesystem.mounts[0].source: must be an absolute path");
}

Test(policy_validate, rejects_dotdot_components)
{
	expect_mount_error("{\"type\": \"ro-bind\", \"source\": \"/usr/../etc\", \"dest\": \"/x\"}",
			   "$.filesystem.mounts[0].source: must not contain '..'");
	expect_mount_error("{\"type\": \"dir\", \"dest\": \"/run/..\"}",
			   "$.filesystem.mounts[0].dest: must not contain '..'");
}

Test(policy_validate, rejects_paths_that_are_not_normalised)
{
	expect_mount_error("{\"type\": \"dir\", \"dest\": \"/a/./b\"}",
			   "$.filesystem.mounts[0].dest: must not contain '.' components");
	expect_mount_error("{\"type\": \"dir\", \"dest\": \"/a//b\"}",
			   "$.filesystem.mounts[0].dest: must not contain '//'");
	expect_mount_error("{\"type\": \"dir\", \"dest\": \"/a/\"}",
			   "$.filesystem.mounts[0].dest: must not end with '/'");
	expect_mount_error("{\"type\": \"dir\", \"dest\": \"/a\\nb\"}",
			   "$.filesystem.mounts[0].dest: must not contain control characters");
}

Test(policy_validate, accepts_dots_inside_names)
{
	_cleanup_policy_ struct policy *p =
		must_load("{\"version\": 1, \"filesystem\": {\"mounts\": [{\"type\": \"dir\","
			  " \"dest\": \"/a/..b/.c/d..\"}]}}");

	cr_expect_str_eq(p->mounts[0].dest, "/a/..b/.c/d..");
}

Test(policy_validate, rejects_root_as_dest)
{
	expect_mount_error("{\"type\": \"tmpfs\", \"dest\": \"/\"}",
			   "$.filesystem.mounts[0].dest: cannot be '/'");
}

Test(policy_validate, rejects_overlong_path)
{
	char t[6000], path[5000];

	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	snprintf(t, sizeof(t), "{\"type\": \"dir\", \"dest\": \"%s\"}", path);
	expect_mount_error(t, "$.filesystem.mounts[0].dest: longer than 4095 bytes");
}

Test(policy_validate, rejects_missing_bind_source)
{
	expect_mount_error("{\"type\": \"ro-bind\", \"source\": \"/nonexistent/vmsb-src\"}",
			   "test.json: $.filesystem.mounts[0].source: '/nonexistent/vmsb-src' does "
			   "not exist");
}

Test(policy_validate, accepts_missing_optional_bind_source)
{
	_cleanup_policy_ struct policy *p =
		must_load("{\"version\": 1, \"filesystem\": {\"mounts\": [{\"type\": \"ro-bind\","
			  " \"source\": \"/nonexistent/vmsb-src\", \"optional\": true}]}}");

	cr_expect(p->mounts[0].optional);
}

Test(policy_validate, allows_two_mounts_on_one_dest)
{
	_cleanup_policy_ struct policy *p =
		must_load("{\"version\": 1, \"filesystem\": {\"mounts\": [{\"type\": \"tmpfs\", "
			  "\"dest\": \"/t\"},"
			  " {\"type\": \"tmpfs\", \"dest\": \"/t\", \"size\": \"1M\"}]}}");

	cr_expect_eq(p->n_mounts, 2, "the later mount shadows the earlier");
}

Test(policy_validate, rejects_empty_symlink_target)
{
	expect_mount_error("{\"type\": \"symlink\", \"target\": \"\", \"dest\": \"/bin\"}",
			   "$.filesystem.mounts[0].target: must be 1 to 4095 bytes");
}

Test(policy_validate, rejects_bad_mode)
{
	expect_mount_error("{\"type\": \"dir\", \"dest\": \"/d\", \"mode\": \"0799\"}",
			   "$.filesystem.mounts[0].mode: must be an octal string such as \"0755\"");
	expect_mount_error("{\"type\": \"dir\", \"dest\": \"/d\", \"mode\": \"\"}",
			   "$.filesystem.mounts[0].mode: must be an octal string such as \"0755\"");
	expect_mount_error("{\"type\": \"dir\", \"dest\": \"/d\", \"mode\": 755}",
			   "$.filesystem.mounts[0].mode: must be a string");
}

/* Longer than a mode can be, but the message says what is wrong, not how long it is. */
Test(policy_validate, rejects_symbolic_mode_as_not_octal)
{
	expect_mount_error("{\"type\": \"tmpfs\", \"dest\": \"/d\", \"mode\": \"rwxrwxrwx\"}",
			   "$.filesystem.mounts[0].mode: must be an octal string such as \"0755\"");
}

Test(policy_validate, rejects_mode_above_07777_saying_so)
{
	char t[512], digits[300];

	expect_mount_error("{\"type\": \"dir\", \"dest\": \"/d\", \"mode\": \"17777\"}",
			   "$.filesystem.mounts[0].mode: must be at most 07777");
	expect_mount_error("{\"type\": \"dir\", \"dest\": \"/d\", \"mode\": \"10000\"}",
			   "$.filesystem.mounts[0].mode: must be at most 07777");
	/* Far beyond 32 bits: the value must not wrap around to something small. */
	memset(digits, '7', sizeof(digits) - 1);
	digits[sizeof(digits) - 1] = '\0';
	snprintf(t, sizeof(t), "{\"type\": \"dir\", \"dest\": \"/d\", \"mode\": \"%s\"}", digits);
	expect_mount_error(t, "$.filesystem.mounts[0].mode: must be at most 07777");
	memset(digits, '0', sizeof(digits) - 1);
	digits[0] = '1';
	snprintf(t, sizeof(t), "{\"type\": \"dir\", \"dest\": \"/d\", \"mode\": \"%s\"}", digits);
	expect_mount_error(t, "$.filesystem.mounts[0].mode: must be at most 07777");
}

Test(policy_validate, accepts_modes_up_to_07777_with_leading_zeros)
{
	_cleanup_policy_ struct policy *p =
		must_load("{\"version\": 1, \"filesystem\": {\"mounts\": ["
			  "{\"type\": \"dir\", \"dest\": \"/a\", \"mode\": \"7\"},"
			  "{\"type\": \"dir\", \"dest\": \"/b\", \"mode\": \"07777\"},"
			  "{\"type\": \"dir\", \"dest\": \"/c\", \"mode\": \"000755\"},"
			  "{\"type\": \"tmpfs\", \"dest\": \"/d\", \"mode\": \"1777\"}]}}");

	cr_expect_eq(p->mounts[0].mode, 07);
	cr_expect_eq(p->mounts[1].mode, 07777);
	cr_expect_eq(p->mounts[2].mode, 0755);
	cr_expect_eq(p->mounts[3].mode, 01777);
}

Test(policy_validate, rejects_relative_cwd)
{
	expect_load_error("{\"version\": 1, \"cwd\": \"home\"}", "$.cwd: must be an absolute path");
}

Test(policy_validate, rejects_bad_hostnames)
{
	static const char *const bad[] = {"-lead", "trail-", "a..b", "has space",
					  "",	   "a_b",    "x.-y"};
	char t[256];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(t, sizeof(t), "{\"version\": 1, \"hostname\": \"%s\"}", bad[i]);
		expect_load_error(t, "test.json: $.hostname: must be 1 to 64 characters");
	}
}

/* The hostname rule, not the 4095-byte limit on strings, names what is wrong. */
Test(policy_validate, rejects_overlong_hostname_and_name_by_their_own_rule)
{
	size_t len[] = {65, 4096, 10000};
	_cleanup_free_ char *t = malloc(10100);
	_cleanup_free_ char *s = malloc(10001);
	size_t i;

	cr_assert(t && s);
	for (i = 0; i < ARRAY_SIZE(len); i++) {
		memset(s, 'h', len[i]);
		s[len[i]] = '\0';
		snprintf(t, 10100, "{\"version\": 1, \"hostname\": \"%s\"}", s);
		expect_load_error(t, "test.json: $.hostname: must be 1 to 64 characters");
		snprintf(t, 10100, "{\"version\": 1, \"name\": \"%s\"}", s);
		expect_load_error(t, "test.json: $.name: must be 1 to 64 of [A-Za-z0-9._-]");
	}
}

Test(policy_validate, accepts_dotted_hostname)
{
	_cleanup_policy_ struct policy *p =
		must_load("{\"version\": 1, \"hostname\": \"build-1.ci.example\"}");

	cr_expect_str_eq(p->hostname, "build-1.ci.example");
}

Test(policy_validate, rejects_bad_policy_name)
{
	expect_load_error("{\"version\": 1, \"name\": \"a/b\"}",
			  "$.name: must be 1 to 64 of [A-Za-z0-9._-]");
	expect_load_error("{\"version\": 1, \"name\": \"\"}", "$.name: must be 1 to 64");
}

Test(policy_validate, rejects_turning_off_required_namespaces)
{
	expect_load_error("{\"version\": 1, \"namespaces\": {\"user\": false}}",
			  "$.namespaces.user: must be true");
	expect_load_error("{\"version\": 1, \"namespaces\": {\"pid\": false}}",
			  "$.namespaces.pid: must be true");
	expect_load_error("{\"version\": 1, \"namespaces\": {\"mount\": false}}",
			  "$.namespaces.mount: must be true");
}

Test(policy_validate, allows_turning_off_optional_namespaces)
{
	_cleanup_policy_ struct policy *p =
		must_load("{\"version\": 1, \"namespaces\": {\"ipc\": false, \"uts\": false}}");

	cr_expect_not(p->ns.ipc);
	cr_expect_not(p->ns.uts);
	cr_expect(p->ns.cgroup, "untouched keys keep the default");
}

Test(policy_validate, rejects_bad_environment_names)
{
	expect_load_error("{\"version\": 1, \"environment\": {\"keep\": [\"OK\", \"1BAD\"]}}",
			  "$.environment.keep[1]: '1BAD' is not a variable name");
	expect_load_error("{\"version\": 1, \"environment\": {\"set\": {\"A-B\": \"x\"}}}",
			  "$.environment.set: 'A-B' is not a variable name");
}

Test(policy_validate, rejects_limits_out_of_range)
{
	expect_load_error("{\"version\": 1, \"limits\": {\"pids\": 5000000}}",
			  "$.limits.pids: must be at most 4194304");
	expect_load_error("{\"version\": 1, \"limits\": {\"open_files\": 2000000}}",
			  "$.limits.open_files: must be at most 1048576");
	expect_load_error("{\"version\": 1, \"limits\": {\"cpus\": -1}}",
			  "$.limits.cpus: must be between 0 and 4096");
	expect_load_error("{\"version\": 1, \"limits\": {\"grace_period\": \"2h\"}}",
			  "$.limits.grace_period: must be at most 1h");
	expect_load_error("{\"version\": 1, \"limits\": {\"on_output_limit\": \"ignore\"}}",
			  "$.limits.on_output_limit: unknown action 'ignore'");
}

Test(policy_validate, rejects_out_of_range_ids)
{
	expect_load_error("{\"version\": 1, \"user\": {\"uid\": 4294967295}}",
			  "$.user.uid: must be at most 4294967294");
	expect_load_error("{\"version\": 1, \"user\": {\"host_gid\": -5}}",
			  "$.user.host_gid: must not be negative");
	expect_load_error("{\"version\": 1, \"user\": {\"host_uid\": \"root\"}}",
			  "$.user.host_uid: must be an integer or \"auto\"");
}

/* The CLI changes a loaded policy and validates again: the same rules apply. */
Test(policy_validate, checks_mounts_added_after_loading)
{
	_cleanup_policy_ struct policy *p = NULL;
	struct err_ctx e = {0};
	size_t n;

	cr_assert_geq(policy_load_default(&p, &e), 0, "%s", e.msg);
	n = p->n_mounts;
	cr_assert_eq(policy_add_mount(p, POLICY_MOUNT_BIND_RO, "/nonexistent/x", "/x", 0), 0);
	cr_expect_lt(policy_validate(p, &e), 0);
	cr_expect_eq(e.code, ENOENT);
	cr_expect_not_null(strstr(e.msg, "$.filesystem.mounts["), "%s", e.msg);
	cr_expect_not_null(strstr(e.msg, "'/nonexistent/x' does not exist"), "%s", e.msg);
	p->mounts[n].optional = true;
	cr_expect_geq(policy_validate(p, &e), 0, "%s", e.msg);
	cr_assert_eq(policy_add_mount(p, POLICY_MOUNT_TMPFS, NULL, "relative", 0), 0);
	cr_expect_lt(policy_validate(p, &e), 0);
	cr_expect_not_null(strstr(e.msg, "must be an absolute path"), "%s", e.msg);
}

Test(policy_validate, rejects_net_namespace_out_of_step_with_network)
{
	_cleanup_policy_ struct policy *p = NULL;
	struct err_ctx e = {0};

	cr_assert_geq(policy_load_default(&p, &e), 0, "%s", e.msg);
	p->net = POLICY_NET_HOST; /* but ns.net still true */
	cr_expect_lt(policy_validate(p, &e), 0);
	cr_expect_not_null(strstr(e.msg, "$.network"), "%s", e.msg);
	p->ns.net = false;
	cr_expect_geq(policy_validate(p, &e), 0, "%s", e.msg);
}

Test(policy_validate, rejects_changes_that_break_syscall_invariants)
{
	_cleanup_policy_ struct policy *p = NULL;
	struct err_ctx e = {0};
	int saved;

	cr_assert_geq(policy_load_default(&p, &e), 0, "%s", e.msg);
	cr_assert_gt(p->syscalls.n_allow, 2);
	saved = p->syscalls.allow[1];
	p->syscalls.allow[1] = p->syscalls.allow[0];
	cr_expect_lt(policy_validate(p, &e), 0, "duplicate in the allow list");
	p->syscalls.allow[1] = saved;
	p->syscalls.default_action = POLICY_ACTION_ERRNO;
	p->syscalls.default_errno = 0;
	cr_expect_lt(policy_validate(p, &e), 0);
	cr_expect_not_null(strstr(e.msg, "$.syscalls.default_errno"), "%s", e.msg);
}

Test(policy_validate, all_examples_are_valid)
{
	static const char *const names[] = {"strict.json", "ci-build.json", "network-host.json",
					    "permissive-log.json"};
	char path[4096];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		_cleanup_policy_ struct policy *p = NULL;
		struct err_ctx e = {0};

		snprintf(path, sizeof(path), "%s/../../policy/examples/%s", fixtures_dir(),
			 names[i]);
		cr_expect_geq(policy_load_file(path, &p, &e), 0, "%s", e.msg);
	}
}

/* policy/schema.json must know every key the default uses, at both levels. */
Test(policy_validate, schema_lists_every_key_of_the_default)
{
	extern const char policy_default_json[], policy_default_json_end[];
	char path[4096];
	json_error_t jerr;
	json_t *schema, *def, *props, *v;
	const char *key;

	snprintf(path, sizeof(path), "%s/../../policy/schema.json", fixtures_dir());
	schema = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	cr_assert_not_null(schema, "%s:%d: %s", path, jerr.line, jerr.text);
	def = json_loadb(policy_default_json,
			 (size_t)(policy_default_json_end - policy_default_json), 0, &jerr);
	cr_assert_not_null(def);
	props = json_object_get(schema, "properties");
	cr_expect(json_is_false(json_object_get(schema, "additionalProperties")));
	json_object_foreach(def, key, v)
	{
		json_t *sub = json_object_get(props, key), *k2v;
		const char *k2;

		cr_expect_not_null(sub, "schema lacks $.%s", key);
		if (!sub || !json_is_object(v))
			continue;
		cr_expect(json_is_false(json_object_get(sub, "additionalProperties")), "$.%s", key);
		json_object_foreach(v, k2, k2v)
			cr_expect_not_null(json_object_get(json_object_get(sub, "properties"), k2),
					   "schema lacks $.%s.%s", key, k2);
	}
	json_decref(def);
	json_decref(schema);
}
