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

/* The policy's "broker" section (issue 4): effects, grants, quotas, store, on_malformed. */

/* A document whose broker section is the given JSON object text. */
static char *with_broker(const char *broker)
{
	char *text = NULL;

	cr_assert_geq(asprintf(&text, "{\"version\": 1, \"broker\": %s}", broker), 0);
	return text;
}

static void expect_broker_error(const char *broker, const char *want)
{
	_cleanup_free_ char *text = with_broker(broker);

	expect_load_error(text, want);
}

static struct policy *must_load_broker(const char *broker)
{
	_cleanup_free_ char *text = with_broker(broker);

	return must_load(text);
}

/* A grant of one register pattern with read, under the register effect. */
static void expect_register_name_error(const char *name, const char *want)
{
	char broker[1024];

	snprintf(broker, sizeof(broker),
		 "{\"effects\": [\"register\"], \"grants\": [{\"resource\": \"register:%s\", "
		 "\"rights\": [\"read\"]}]}",
		 name);
	expect_broker_error(broker, want);
}

static const char *example_path(void)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/../../policy/examples/broker-demo.json", fixtures_dir());
	return path;
}

/* ---- what loads ---- */

Test(policy_broker, default_has_no_broker)
{
	_cleanup_policy_ struct policy *p = NULL;
	struct err_ctx e = {0};

	cr_assert_geq(policy_load_default(&p, &e), 0, "%s", e.msg);
	cr_expect_eq(p->broker.effects, 0);
	cr_expect_eq(p->broker.n_grants, 0);
	cr_expect_null(p->broker.grants);
	cr_expect_null(p->broker.store_path);
	cr_expect_eq(p->broker.max_storage_operations, 0);
	cr_expect_eq(p->broker.max_bytes, 0);
	cr_expect_eq(p->broker.on_malformed, POLICY_MALFORMED_ERROR);
}

Test(policy_broker, example_loads_with_the_issue_grants)
{
	_cleanup_policy_ struct policy *p = NULL;
	struct err_ctx e = {0};

	cr_assert_geq(policy_load_file(example_path(), &p, &e), 0, "%s", e.msg);
	cr_expect_str_eq(p->name, "broker-demo");
	cr_expect_eq(p->broker.effects, POLICY_EFFECT_LOG | POLICY_EFFECT_CAP |
						POLICY_EFFECT_REGISTER | POLICY_EFFECT_FS_OPEN);
	cr_assert_eq(p->broker.n_grants, 2);
	cr_expect_eq(p->broker.grants[0].kind, POLICY_GRANT_REGISTER);
	cr_expect_str_eq(p->broker.grants[0].name, "demo/*");
	cr_expect_eq(p->broker.grants[0].rights, POLICY_RIGHT_CREATE | POLICY_RIGHT_READ |
							 POLICY_RIGHT_WRITE | POLICY_RIGHT_CONSUME);
	cr_expect_eq(p->broker.grants[1].kind, POLICY_GRANT_FS);
	cr_expect_str_eq(p->broker.grants[1].name, "/usr/share/doc");
	cr_expect_eq(p->broker.grants[1].rights, POLICY_RIGHT_READ, "fs.open is read-only");
	cr_expect_eq(p->broker.max_storage_operations, 0);
	cr_expect_eq(p->broker.on_malformed, POLICY_MALFORMED_ERROR);
}

Test(policy_broker, every_key_converts)
{
	_cleanup_policy_ struct policy *p = NULL;
	struct err_ctx e = {0};
	const struct policy_broker *b;

	cr_assert_geq(policy_load_file(policy_fixture("broker-full.json"), &p, &e), 0, "%s", e.msg);
	b = &p->broker;
	cr_expect_eq(b->effects,
		     POLICY_EFFECT_REGISTER | POLICY_EFFECT_FS_OPEN | POLICY_EFFECT_LOG);
	cr_assert_eq(b->n_grants, 3);
	cr_expect_str_eq(b->grants[0].name, "jobs/42/result");
	cr_expect_eq(b->grants[0].rights, POLICY_RIGHT_READ | POLICY_RIGHT_WRITE |
						  POLICY_RIGHT_TRANSFER | POLICY_RIGHT_ATTENUATE);
	cr_expect_str_eq(b->grants[1].name, "*");
	cr_expect_eq(b->grants[2].rights,
		     POLICY_RIGHT_READ | POLICY_RIGHT_WRITE | POLICY_RIGHT_CREATE);
	cr_expect_eq(b->max_storage_operations, 1000);
	cr_expect_eq(b->max_bytes, 64ULL << 20);
	cr_expect_str_eq(b->store_path, "/var/lib/vmsandbox/registers.db");
	cr_expect_eq(b->on_malformed, POLICY_MALFORMED_KILL);
}

Test(policy_broker, unlimited_quotas_are_zero)
{
	_cleanup_policy_ struct policy *p = must_load_broker(
		"{\"quotas\": {\"storage_operations\": \"unlimited\", \"bytes\": \"unlimited\"}}");

	cr_expect_eq(p->broker.max_storage_operations, 0);
	cr_expect_eq(p->broker.max_bytes, 0);
}

Test(policy_broker, register_names_at_the_edges_load)
{
	char name[300], broker[1024];
	_cleanup_policy_ struct policy *p = NULL;

	memset(name, 'a', 255);
	name[255] = '\0';
	snprintf(broker, sizeof(broker),
		 "{\"effects\": [\"register\"], \"grants\": [{\"resource\": \"register:%s\", "
		 "\"rights\": [\"read\"]}, {\"resource\": \"register:A.b_c-9/..x/*\", "
		 "\"rights\": [\"read\"]}]}",
		 name);
	p = must_load_broker(broker);
	cr_expect_eq(strlen(p->broker.grants[0].name), 255);
	cr_expect_str_eq(p->broker.grants[1].name, "A.b_c-9/..x/*");
}

/* ---- layering ---- */

Test(policy_broker, broker_section_layers_over_the_default)
{
	_cleanup_policy_ struct policy *d = NULL;
	_cleanup_policy_ struct policy *p =
		must_load_broker("{\"effects\": [\"log\"], \"quotas\": {\"bytes\": \"1K\"}}");
	struct err_ctx e = {0};

	cr_assert_geq(policy_load_default(&d, &e), 0, "%s", e.msg);
	cr_expect_eq(p->broker.effects, POLICY_EFFECT_LOG);
	cr_expect_eq(p->broker.max_bytes, 1024);
	cr_expect_eq(p->broker.max_storage_operations, 0, "a quota left out is unlimited");
	cr_expect_eq(p->broker.n_grants, 0);
	cr_expect_eq(p->n_mounts, d->n_mounts, "the rest of the default stays");
	cr_expect_eq(p->syscalls.n_allow, d->syscalls.n_allow);
	cr_expect_eq(p->limits.wall_ms, d->limits.wall_ms);
}

Test(policy_broker, empty_broker_object_is_no_broker)
{
	_cleanup_policy_ struct policy *p = must_load_broker("{}");

	cr_expect_eq(p->broker.effects, 0);
	cr_expect_eq(p->broker.n_grants, 0);
	cr_expect_null(p->broker.store_path);
}

Test(policy_broker, a_file_without_broker_keeps_none)
{
	_cleanup_policy_ struct policy *p = must_load("{\"version\": 1, \"landlock\": false}");

	cr_expect_eq(p->broker.effects, 0);
	cr_expect_eq(p->broker.n_grants, 0);
}

/* ---- dump ---- */

static void expect_round_trip(struct policy *p)
{
	_cleanup_policy_ struct policy *q = NULL;
	_cleanup_free_ char *a = NULL, *b = NULL;
	struct err_ctx e = {0};
	size_t i;

	cr_assert_eq(policy_dump(p, &a), 0);
	cr_assert_geq(policy_load_buffer("dump.json", a, strlen(a), &q, &e), 0, "%s\n%s", e.msg, a);
	cr_assert_eq(policy_dump(q, &b), 0);
	cr_expect_str_eq(a, b);
	cr_expect_eq(q->broker.effects, p->broker.effects);
	cr_assert_eq(q->broker.n_grants, p->broker.n_grants);
	for (i = 0; i < p->broker.n_grants; i++) {
		cr_expect_eq(q->broker.grants[i].kind, p->broker.grants[i].kind);
		cr_expect_str_eq(q->broker.grants[i].name, p->broker.grants[i].name);
		cr_expect_eq(q->broker.grants[i].rights, p->broker.grants[i].rights);
	}
	cr_expect_eq(q->broker.max_storage_operations, p->broker.max_storage_operations);
	cr_expect_eq(q->broker.max_bytes, p->broker.max_bytes);
	cr_expect_eq(q->broker.on_malformed, p->broker.on_malformed);
	if (p->broker.store_path)
		cr_expect_str_eq(q->broker.store_path, p->broker.store_path);
	else
		cr_expect_null(q->broker.store_path);
}

Test(policy_broker, dump_round_trips_every_key)
{
	_cleanup_policy_ struct policy *p = NULL;
	_cleanup_free_ char *text = NULL;
	struct err_ctx e = {0};

	cr_assert_geq(policy_load_file(policy_fixture("broker-full.json"), &p, &e), 0, "%s", e.msg);
	expect_round_trip(p);
	cr_assert_eq(policy_dump(p, &text), 0);
	cr_expect_not_null(strstr(text, "\"resource\": \"register:jobs/42/result\""), "%s", text);
	cr_expect_not_null(strstr(text, "\"on_malformed\": \"kill\""), "%s", text);
	cr_expect_not_null(strstr(text, "\"bytes\": 67108864"), "%s", text);
}

Test(policy_broker, dump_round_trips_the_example_and_the_default)
{
	_cleanup_policy_ struct policy *p = NULL, *d = NULL;
	_cleanup_free_ char *text = NULL;
	struct err_ctx e = {0};

	cr_assert_geq(policy_load_file(example_path(), &p, &e), 0, "%s", e.msg);
	expect_round_trip(p);
	cr_assert_geq(policy_load_default(&d, &e), 0, "%s", e.msg);
	expect_round_trip(d);
	cr_assert_eq(policy_dump(d, &text), 0);
	cr_expect_not_null(strstr(text, "\"effects\": []"), "the default shows no broker: %s",
			   text);
	cr_expect_null(strstr(text, "\"store\""), "no store unless set");
}

/* ---- errors: each with its path ---- */

Test(policy_broker, rejects_unknown_key)
{
	expect_broker_error("{\"effect\": []}", "test.json: $.broker.effect: unknown key");
	expect_broker_error("{\"quotas\": {\"network_ops\": 1}}",
			    "$.broker.quotas.network_ops: unknown key");
	expect_broker_error("{\"regions\": [{\"name\": \"a\", \"size\": 1, \"access\": \"r\", "
			    "\"exec\": true}]}",
			    "$.broker.regions[0].exec: unknown key");
	expect_broker_error("{\"effects\": [\"log\"], \"grants\": [{\"resource\": \"register:a\", "
			    "\"rights\": [\"read\"], \"expiry\": 1}]}",
			    "$.broker.grants[0].expiry: unknown key");
}

Test(policy_broker, rejects_unknown_effect)
{
	expect_broker_error("{\"effects\": [\"log\", \"net\"]}",
			    "$.broker.effects[1]: unknown effect 'net' "
			    "(log, cap, register, fs.open, net.connect)");
	expect_broker_error("{\"effects\": [\"LOG\"]}",
			    "$.broker.effects[0]: unknown effect 'LOG'");
	expect_broker_error("{\"effects\": \"log\"}",
			    "$.broker.effects: must be an array of effect names");
}

Test(policy_broker, rejects_duplicate_effect_naming_both_places)
{
	expect_broker_error("{\"effects\": [\"cap\", \"log\", \"cap\"]}",
			    "$.broker.effects[2]: effect 'cap' is listed twice (first at [0])");
}

Test(policy_broker, rejects_unknown_right)
{
	expect_broker_error("{\"effects\": [\"register\"], \"grants\": [{\"resource\": "
			    "\"register:a\", \"rights\": [\"read\", \"delete\"]}]}",
			    "$.broker.grants[0].rights[1]: unknown right 'delete' (read, write, "
			    "create, consume, transfer, attenuate)");
}

Test(policy_broker, rejects_duplicate_and_missing_rights)
{
	expect_broker_error(
		"{\"effects\": [\"register\"], \"grants\": [{\"resource\": "
		"\"register:a\", \"rights\": [\"read\", \"read\"]}]}",
		"$.broker.grants[0].rights[1]: right 'read' is listed twice (first at [0])");
	expect_broker_error("{\"effects\": [\"register\"], \"grants\": [{\"resource\": "
			    "\"register:a\", \"rights\": []}]}",
			    "$.broker.grants[0].rights: must name at least one right");
	expect_broker_error("{\"effects\": [\"register\"], \"grants\": [{\"resource\": "
			    "\"register:a\"}]}",
			    "$.broker.grants[0]: missing key 'rights'");
}

Test(policy_broker, rejects_consume_on_a_directory)
{
	expect_broker_error("{\"effects\": [\"fs.open\"], \"grants\": [{\"resource\": "
			    "\"fs:/usr\", \"rights\": [\"read\", \"consume\"]}]}",
			    "$.broker.grants[0].rights: right 'consume' does not apply to a 'fs' "
			    "grant");
}

Test(policy_broker, rejects_unknown_resource_kind)
{
	expect_broker_error(
		"{\"effects\": [\"log\"], \"grants\": [{\"resource\": "
		"\"domain:example\", \"rights\": [\"read\"]}]}",
		"$.broker.grants[0].resource: unknown resource kind 'domain' (register, fs, net)");
	expect_broker_error("{\"effects\": [\"log\"], \"grants\": [{\"resource\": "
			    "\"demo/x\", \"rights\": [\"read\"]}]}",
			    "$.broker.grants[0].resource: 'demo/x' must be KIND:NAME");
	expect_broker_error("{\"effects\": [\"log\"], \"grants\": [{\"resource\": "
			    "\"registerregisterregister:a\", \"rights\": [\"read\"]}]}",
			    "$.broker.grants[0].resource: unknown resource kind");
}

Test(policy_broker, rejects_bad_register_names)
{
	expect_register_name_error("", "register name must not be empty");
	expect_register_name_error("a//b", "$.broker.grants[0].resource: register name must "
					   "not have an empty segment");
	expect_register_name_error("a/", "must not have an empty segment");
	expect_register_name_error("/a", "must not have an empty segment");
	expect_register_name_error("a/./b", "must not have a '.' or '..' segment");
	expect_register_name_error("a/..", "must not have a '.' or '..' segment");
	expect_register_name_error("a/*/b", "'*' may only be the whole last segment");
	expect_register_name_error("a/b*", "'*' may only be the whole last segment");
	expect_register_name_error("*x", "'*' may only be the whole last segment");
	expect_register_name_error("a b", "segments are made of [A-Za-z0-9._-]");
	expect_register_name_error("a:b", "segments are made of [A-Za-z0-9._-]");
	expect_register_name_error("caf\\u00e9", "segments are made of [A-Za-z0-9._-]");
}

Test(policy_broker, rejects_register_name_over_255_bytes)
{
	char name[300];

	memset(name, 'a', 256);
	name[256] = '\0';
	expect_register_name_error(name, "$.broker.grants[0].resource: register name longer "
					 "than 255 bytes");
}

Test(policy_broker, rejects_fs_roots_that_are_not_normalised_directories)
{
	static const struct {
		const char *root, *want;
	} cases[] = {
		{"usr/share", "fs root must be an absolute path"},
		{"/usr/share/", "fs root must not end with '/'"},
		{"/usr//share", "fs root must not contain '//'"},
		{"/usr/./share", "fs root must not contain '.' components"},
		{"/usr/share/..", "fs root must not contain '..'"},
		{"/no/such/vmsandbox/dir", "'/no/such/vmsandbox/dir' does not exist"},
	};
	char broker[512], want[256];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		snprintf(broker, sizeof(broker),
			 "{\"effects\": [\"fs.open\"], \"grants\": [{\"resource\": \"fs:%s\", "
			 "\"rights\": [\"read\"]}]}",
			 cases[i].root);
		snprintf(want, sizeof(want), "$.broker.grants[0].resource: %s", cases[i].want);
		expect_broker_error(broker, want);
	}
}

Test(policy_broker, rejects_fs_root_that_is_a_file)
{
	struct policy *p = NULL;
	struct err_ctx e = {0};
	int r = policy_load_file(policy_fixture("broker-fs-root-is-a-file.json"), &p, &e);

	cr_expect_eq(r, -ENOTDIR);
	cr_expect_null(p);
	cr_expect_not_null(strstr(e.msg, "broker-fs-root-is-a-file.json: "
					 "$.broker.grants[0].resource: '/etc/passwd' is not a "
					 "directory"),
			   "%s", e.msg);
}

Test(policy_broker, rejects_grant_whose_effect_is_not_allowed)
{
	expect_broker_error("{\"effects\": [\"log\", \"fs.open\"], \"grants\": [{\"resource\": "
			    "\"register:x\", \"rights\": [\"read\"]}]}",
			    "$.broker.grants[0]: grant 'register:x' needs effect 'register'");
	expect_broker_error("{\"grants\": [{\"resource\": \"fs:/usr\", \"rights\": [\"read\"]}]}",
			    "$.broker.grants[0]: grant 'fs:/usr' needs effect 'fs.open'");
}

Test(policy_broker, rejects_the_same_resource_granted_twice)
{
	expect_broker_error("{\"effects\": [\"register\"], \"grants\": ["
			    "{\"resource\": \"register:a/*\", \"rights\": [\"read\"]},"
			    "{\"resource\": \"register:b\", \"rights\": [\"read\"]},"
			    "{\"resource\": \"register:a/*\", \"rights\": [\"write\"]}]}",
			    "$.broker.grants[2].resource: 'register:a/*' is granted twice (first "
			    "at [0])");
}

/* A broker section with n register grants r0..r(n-1); caller frees. */
static char *n_grants(size_t n)
{
	char *broker = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&broker, &len);

	cr_assert_not_null(f);
	fputs("{\"effects\": [\"register\"], \"grants\": [", f);
	for (i = 0; i < n; i++)
		fprintf(f, "%s{\"resource\": \"register:r%zu\", \"rights\": [\"read\"]}",
			i ? "," : "", i);
	fputs("]}", f);
	cr_assert_eq(fclose(f), 0);
	return broker;
}

Test(policy_broker, rejects_more_than_64_grants)
{
	_cleanup_free_ char *too_many = n_grants(65), *enough = n_grants(64);
	_cleanup_policy_ struct policy *p = NULL;

	expect_broker_error(too_many, "$.broker.grants: too many grants (at most 64)");
	p = must_load_broker(enough);
	cr_expect_eq(p->broker.n_grants, 64);
}

Test(policy_broker, rejects_bad_quotas_store_and_on_malformed)
{
	expect_broker_error("{\"quotas\": {\"bytes\": \"lots\"}}",
			    "$.broker.quotas.bytes: 'lots' is not a size");
	expect_broker_error("{\"quotas\": {\"storage_operations\": -1}}",
			    "$.broker.quotas.storage_operations: must not be negative");
	expect_broker_error(
		"{\"quotas\": {\"storage_operations\": \"1K\"}}",
		"$.broker.quotas.storage_operations: must be an integer or \"unlimited\"");
	expect_broker_error("{\"store\": \"registers.db\"}",
			    "$.broker.store: must be an absolute path");
	expect_broker_error("{\"store\": \"/var/lib/../x.db\"}",
			    "$.broker.store: must not contain '..'");
	expect_broker_error("{\"on_malformed\": \"ignore\"}",
			    "$.broker.on_malformed: unknown action 'ignore' (error, kill)");
	expect_broker_error("[]", "$.broker: must be an object");
}

Test(policy_broker, hostile_text_is_sanitised_in_messages)
{
	struct err_ctx e = {0};
	struct policy *p = NULL;
	const char *text = "{\"version\": 1, \"broker\": {\"effects\": [\"register\"], \"grants\": "
			   "[{\"resource\": \"register:a\\u001b[2Jb\", \"rights\": [\"read\"]}]}}";
	size_t i;

	cr_assert_lt(load_text(text, &p, &e), 0);
	for (i = 0; e.msg[i]; i++)
		cr_expect(e.msg[i] >= 0x20 && e.msg[i] < 0x7f, "byte %zu is 0x%02x", i,
			  (unsigned char)e.msg[i]);
	e = (struct err_ctx){0};
	text = "{\"version\": 1, \"broker\": {\"effects\": [\"register\"], \"grants\": "
	       "[{\"resource\": \"\\u001b[2J:a\", \"rights\": [\"read\"]}]}}";
	cr_assert_lt(load_text(text, &p, &e), 0);
	cr_expect_not_null(strstr(e.msg, "unknown resource kind '?[2J'"), "%s", e.msg);
}

/* ---- validation after the CLI, names, schema ---- */

Test(policy_broker, validate_rejects_bits_no_file_can_set)
{
	_cleanup_policy_ struct policy *p = NULL;
	struct err_ctx e = {0};

	cr_assert_geq(policy_load_file(example_path(), &p, &e), 0, "%s", e.msg);
	p->broker.effects |= 1u << 20;
	cr_expect_eq(policy_validate(p, &e), -EINVAL);
	cr_expect_not_null(strstr(e.msg, "$.broker.effects: unknown effect"), "%s", e.msg);
	p->broker.effects &= ~(1u << 20);
	p->broker.grants[0].rights |= 1u << 9;
	cr_expect_eq(policy_validate(p, &e), -EINVAL);
	cr_expect_not_null(strstr(e.msg, "$.broker.grants[0].rights: unknown right"), "%s", e.msg);
	p->broker.grants[0].rights &= ~(1u << 9);
	cr_expect_geq(policy_validate(p, &e), 0, "%s", e.msg);
}

Test(policy_broker, names_of_words)
{
	cr_expect_str_eq(policy_effect_name(POLICY_EFFECT_FS_OPEN), "fs.open");
	cr_expect_str_eq(policy_effect_name(POLICY_EFFECT_LOG), "log");
	cr_expect_null(policy_effect_name((enum policy_effect)0));
	cr_expect_null(
		policy_effect_name((enum policy_effect)(POLICY_EFFECT_LOG | POLICY_EFFECT_CAP)));
	cr_expect_str_eq(policy_effect_name(POLICY_EFFECT_NET_CONNECT), "net.connect");
	cr_expect_null(policy_effect_name((enum policy_effect)(1u << 5)));
	cr_expect_str_eq(policy_grant_kind_name(POLICY_GRANT_NET), "net");
	cr_expect_str_eq(policy_region_access_name(POLICY_REGION_RWX), "rwx");
	cr_expect_null(policy_region_access_name(_POLICY_REGION_ACCESS_MAX));
	cr_expect_str_eq(policy_right_name(POLICY_RIGHT_ATTENUATE), "attenuate");
	cr_expect_str_eq(policy_right_name(POLICY_RIGHT_CONSUME), "consume");
	cr_expect_null(policy_right_name((enum policy_right)(1u << 6)));
	cr_expect_str_eq(policy_grant_kind_name(POLICY_GRANT_FS), "fs");
	cr_expect_null(policy_grant_kind_name(_POLICY_GRANT_KIND_MAX));
	cr_expect_str_eq(policy_malformed_name(POLICY_MALFORMED_KILL), "kill");
	cr_expect_null(policy_malformed_name(_POLICY_MALFORMED_MAX));
}

/* policy/schema.json describes $.broker strictly and knows every key the loader takes. */
Test(policy_broker, schema_describes_the_broker_section)
{
	static const char *const keys[] = {"effects", "grants",	 "quotas",
					   "store",   "regions", "on_malformed"};
	char path[4096];
	json_error_t jerr;
	json_t *schema, *b, *props, *effects;
	size_t i;

	snprintf(path, sizeof(path), "%s/../../policy/schema.json", fixtures_dir());
	schema = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	cr_assert_not_null(schema, "%s:%d: %s", path, jerr.line, jerr.text);
	b = json_object_get(json_object_get(schema, "properties"), "broker");
	cr_assert_not_null(b, "schema lacks $.broker");
	cr_expect(json_is_false(json_object_get(b, "additionalProperties")));
	props = json_object_get(b, "properties");
	for (i = 0; i < ARRAY_SIZE(keys); i++)
		cr_expect_not_null(json_object_get(props, keys[i]), "schema lacks $.broker.%s",
				   keys[i]);
	effects = json_object_get(json_object_get(json_object_get(props, "effects"), "items"),
				  "enum");
	cr_expect_eq(json_array_size(effects), 5);
	json_decref(schema);
}

/* ---- net.connect grants ---- */

static void expect_net_grant_error(const char *resource, const char *want)
{
	char broker[512];

	snprintf(broker, sizeof(broker),
		 "{\"effects\": [\"net.connect\"], \"grants\": [{\"resource\": \"%s\", "
		 "\"rights\": [\"read\", \"write\"]}]}",
		 resource);
	expect_broker_error(broker, want);
}

Test(policy_broker, net_grants_and_quota_load)
{
	_cleanup_policy_ struct policy *p = must_load_broker(
		"{\"effects\": [\"net.connect\"], \"grants\": ["
		"{\"resource\": \"net:127.0.0.1:8080\", \"rights\": [\"read\", \"write\"]},"
		"{\"resource\": \"net:[::1]:65535\", \"rights\": [\"read\"]}],"
		"\"quotas\": {\"network_operations\": 7}}");

	cr_assert_eq(p->broker.n_grants, 2);
	cr_expect_eq(p->broker.grants[0].kind, POLICY_GRANT_NET);
	cr_expect_str_eq(p->broker.grants[0].name, "127.0.0.1:8080");
	cr_expect_str_eq(p->broker.grants[1].name, "[::1]:65535");
	cr_expect_eq(p->broker.effects, POLICY_EFFECT_NET_CONNECT);
	cr_expect_eq(p->broker.max_network_operations, 7);
}

Test(policy_broker, rejects_net_grants_that_are_not_one_canonical_endpoint)
{
	expect_net_grant_error("net:localhost:80", "host names are not resolved");
	expect_net_grant_error("net:127.0.0.1", "must be net:ADDRESS:PORT");
	expect_net_grant_error("net:127.0.0.1:0", "port must be a number from 1 to 65535");
	expect_net_grant_error("net:127.0.0.1:65536", "port must be a number from 1 to 65535");
	expect_net_grant_error("net:127.0.0.1:080", "without leading zeros");
	expect_net_grant_error("net:127.0.0.1:8a", "port must be a number");
	expect_net_grant_error("net:::1:80", "written in brackets");
	expect_net_grant_error("net:[0::1]:80", "canonical form");
	expect_net_grant_error("net:127.000.0.1:80", "not a numeric");
	expect_net_grant_error("net::80", "must be net:ADDRESS:PORT");
	expect_broker_error("{\"effects\": [\"net.connect\"], \"grants\": [{\"resource\": "
			    "\"net:127.0.0.1:80\", \"rights\": [\"create\"]}]}",
			    "right 'create' does not apply to a 'net' grant");
	expect_broker_error("{\"effects\": [\"log\"], \"grants\": [{\"resource\": "
			    "\"net:127.0.0.1:80\", \"rights\": [\"read\"]}]}",
			    "needs effect 'net.connect'");
}

/* ---- regions ---- */

Test(policy_broker, regions_load_rounded_to_pages)
{
	_cleanup_policy_ struct policy *p = must_load_broker(
		"{\"regions\": [{\"name\": \"in\", \"size\": 1, \"access\": \"r\"},"
		"{\"name\": \"out.buf-2\", \"size\": \"1M\", \"access\": \"rw\"},"
		"{\"name\": \"guard\", \"size\": 8192, \"access\": \"none\"}]}");

	cr_assert_eq(p->broker.n_regions, 3);
	cr_expect_str_eq(p->broker.regions[0].name, "in");
	cr_expect_eq(p->broker.regions[0].size, 4096);
	cr_expect_eq(p->broker.regions[0].access, POLICY_REGION_R);
	cr_expect_eq(p->broker.regions[1].size, 1u << 20);
	cr_expect_eq(p->broker.regions[1].access, POLICY_REGION_RW);
	cr_expect_eq(p->broker.regions[2].access, POLICY_REGION_NONE);
	cr_expect(policy_has_broker(p), "regions alone give the instance a broker socket");
	cr_expect_eq(p->broker.effects, 0);
}

Test(policy_broker, rejects_bad_regions)
{
	expect_broker_error("{\"regions\": [{\"name\": \"a/b\", \"size\": 1, \"access\": \"r\"}]}",
			    "$.broker.regions[0].name: region names are made of [A-Za-z0-9._-]");
	expect_broker_error("{\"regions\": [{\"name\": \"\", \"size\": 1, \"access\": \"r\"}]}",
			    "$.broker.regions[0].name: region name must be 1 to 64 characters");
	expect_broker_error("{\"regions\": [{\"name\": \"a\", \"size\": 0, \"access\": \"r\"}]}",
			    "$.broker.regions[0].size: must be at least 1 byte");
	expect_broker_error(
		"{\"regions\": [{\"name\": \"a\", \"size\": \"17G\", \"access\": \"r\"}]}",
		"$.broker.regions[0].size: larger than 16G");
	expect_broker_error("{\"regions\": [{\"name\": \"a\", \"size\": 1, \"access\": \"wx\"}]}",
			    "$.broker.regions[0].access: unknown access 'wx' (none, r, rw, rwx)");
	expect_broker_error("{\"regions\": [{\"name\": \"a\", \"size\": 1}]}",
			    "$.broker.regions[0]: missing key 'access'");
	expect_broker_error(
		"{\"regions\": [{\"name\": \"a\", \"size\": 1, \"access\": \"r\"},"
		"{\"name\": \"a\", \"size\": 2, \"access\": \"rw\"}]}",
		"$.broker.regions[1].name: region 'a' is declared twice (first at [0])");
}

Test(policy_broker, rejects_more_than_16_regions)
{
	char broker[4096];
	size_t n = 0;

	n += (size_t)snprintf(broker, sizeof(broker), "{\"regions\": [");
	for (int i = 0; i < 17; i++)
		n += (size_t)snprintf(broker + n, sizeof(broker) - n,
				      "%s{\"name\": \"r%d\", \"size\": 1, \"access\": \"r\"}",
				      i ? "," : "", i);
	snprintf(broker + n, sizeof(broker) - n, "]}");
	expect_broker_error(broker, "$.broker.regions: too many regions (at most 16)");
}

Test(policy_broker, rejects_regions_larger_than_the_memory_limit)
{
	expect_load_error("{\"version\": 1, \"limits\": {\"memory\": \"64M\"}, \"broker\": "
			  "{\"regions\": [{\"name\": \"a\", \"size\": \"40M\", \"access\": \"r\"},"
			  "{\"name\": \"b\", \"size\": \"40M\", \"access\": \"rw\"}]}}",
			  "$.broker.regions: regions take 83886080 bytes, more than the memory "
			  "limit (67108864 bytes)");
	_cleanup_free_ char *ok =
		strdup("{\"version\": 1, \"limits\": {\"memory\": \"64M\"}, \"broker\": "
		       "{\"regions\": [{\"name\": \"a\", \"size\": \"64M\", \"access\": \"r\"}]}}");
	policy_free(must_load(ok));
}

/* rwx follows the syscall rules: the default allows mmap, W^X denies PROT_EXEC. */
Test(policy_broker, rwx_regions_need_executable_memory)
{
	static const char rwx[] = "{\"regions\": [{\"name\": \"jit\", \"size\": \"64K\", "
				  "\"access\": \"rwx\"}]}";
	_cleanup_policy_ struct policy *p = must_load_broker(rwx);
	_cleanup_free_ char *wx = NULL;

	cr_expect_eq(p->broker.regions[0].access, POLICY_REGION_RWX);
	cr_assert_geq(
		asprintf(&wx,
			 "{\"version\": 1, \"syscalls\": {\"deny\": [{\"names\": [\"mmap\"], "
			 "\"action\": \"errno\", \"errno\": \"EPERM\", \"args\": [{\"index\": 2, "
			 "\"op\": \"masked_eq\", \"mask\": 4, \"value\": 4}]}]}, \"broker\": %s}",
			 rwx),
		0);
	expect_load_error(wx, "$.broker.regions[0].access: 'rwx' needs executable memory");
}
