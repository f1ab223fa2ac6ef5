/* SPDX-License-Identifier: MIT */
/*
 * Broker dispatch over a real socket pair, in-process: the test plays the
 * instance on one end, the dispatch serves the other. No namespaces.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/wire.h"
#include "supervisor/broker/captable.h"
#include "supervisor/broker/dispatch.h"
#include "supervisor/broker/regions.h"
#include "supervisor/broker/store.h"

#define HOLDER 7u
#define OTHER 8u
#define REG_ALL (CAP_RIGHT_READ | CAP_RIGHT_WRITE | CAP_RIGHT_CREATE | CAP_RIGHT_CONSUME)

/* Criterion runs each test in its own process, so these globals are per test. */
static char dir[64], ro_root[96], rw_root[96], store_path[128];
static struct policy pol;
static struct policy_grant grants[4];
static struct captable *tab;
static struct broker_instance *bi;
static struct region_set *rs; /* outlives bi */
static int peer = -1;

/* A reply as the instance receives it; decoded strings point into buf. */
struct rx {
	uint8_t buf[WIRE_MAX_FRAME];
	struct wire_msg m;
	int fd;
};

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	fclose(f);
}

static void setup(void)
{
	char p[256];

	strcpy(dir, "/tmp/vmsb-dispatch-test.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(ro_root, sizeof(ro_root), "%s/ro", dir);
	snprintf(rw_root, sizeof(rw_root), "%s/rw", dir);
	snprintf(store_path, sizeof(store_path), "%s/state/registers.db", dir);
	cr_assert_eq(mkdir(ro_root, 0700), 0);
	cr_assert_eq(mkdir(rw_root, 0700), 0);
	snprintf(p, sizeof(p), "%s/hello.txt", ro_root);
	write_file(p, "hello from the root\n");
	snprintf(p, sizeof(p), "%s/secret.txt", dir);
	write_file(p, "outside\n");
	snprintf(p, sizeof(p), "%s/escape", ro_root);
	cr_assert_eq(symlink("../secret.txt", p), 0);
	snprintf(p, sizeof(p), "%s/inner", ro_root);
	cr_assert_eq(symlink("hello.txt", p), 0);

	grants[0] = (struct policy_grant){POLICY_GRANT_REGISTER, "demo/*",
					  REG_ALL | CAP_RIGHT_ATTENUATE};
	grants[1] = (struct policy_grant){POLICY_GRANT_FS, ro_root, CAP_RIGHT_READ};
	grants[2] = (struct policy_grant){POLICY_GRANT_FS, rw_root,
					  CAP_RIGHT_READ | CAP_RIGHT_WRITE | CAP_RIGHT_CREATE};
	grants[3] = (struct policy_grant){POLICY_GRANT_REGISTER, "other/x", CAP_RIGHT_READ};
	memset(&pol, 0, sizeof(pol));
	pol.broker.effects = POLICY_EFFECT_LOG | POLICY_EFFECT_CAP | POLICY_EFFECT_REGISTER |
			     POLICY_EFFECT_FS_OPEN;
	pol.broker.grants = grants;
	pol.broker.n_grants = 4;
	pol.broker.store_path = store_path;
}

static int rm_entry(const char *p, const struct stat *st, int type, struct FTW *f)
{
	(void)st, (void)type, (void)f;
	return remove(p);
}

static void teardown(void)
{
	broker_instance_free(bi);
	region_set_free(rs);
	captable_free(tab);
	if (peer >= 0)
		close(peer);
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(dispatch, .init = setup, .fini = teardown);

/* Starts the instance with the policy as the test left it. */
static void start(void)
{
	struct err_ctx e = {0};
	int sv[2];

	cr_assert_eq(captable_new(1024, &tab, &e), 0, "%s", e.msg);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	cr_assert_eq(broker_instance_new(&pol, tab, HOLDER, "inst-1", sv[0], &bi, &e), 0, "%s",
		     e.msg);
	peer = sv[1];
}

static void send_raw(const void *buf, size_t len)
{
	cr_assert_eq(send(peer, buf, len, 0), (ssize_t)len);
}

/* Lets the broker serve what is queued, then reads one reply. */
static void receive(struct rx *rx)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = {.iov_base = rx->buf, .iov_len = sizeof(rx->buf)};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl.buf,
			    .msg_controllen = sizeof(ctl)};
	struct cmsghdr *c;
	struct err_ctx e = {0};
	ssize_t n;

	cr_assert_geq(broker_instance_on_readable(bi), 0);
	n = recvmsg(peer, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	cr_assert_gt(n, 0, "no reply: %s", strerror(errno));
	rx->fd = -1;
	c = CMSG_FIRSTHDR(&mh);
	if (c && c->cmsg_type == SCM_RIGHTS)
		memcpy(&rx->fd, CMSG_DATA(c), sizeof(int));
	cr_assert_eq(wire_decode(rx->buf, (size_t)n, &rx->m, &e), 0, "reply: %s", e.msg);
}

static void rpc(struct wire_msg *m, struct rx *rx)
{
	uint8_t buf[WIRE_MAX_FRAME];
	size_t len;

	cr_assert_eq(wire_encode(m, buf, sizeof(buf), &len), 0);
	send_raw(buf, len);
	receive(rx);
	cr_assert_eq(rx->m.request_id, m->request_id);
}

static void expect_error(const struct rx *rx, enum wire_error code)
{
	cr_assert_eq(rx->m.type, WIRE_T_ERROR, "got %s", wire_type_name(rx->m.type));
	cr_expect_eq(rx->m.u.error.code, code, "error %s, expected %s",
		     wire_error_name(rx->m.u.error.code), wire_error_name(code));
}

static struct wire_str S(const char *s) {
	return (struct wire_str){s, (uint16_t)strlen(s)};
}

/* The token of the capability named name, from cap.list. */
static struct wire_token
token_of(const char *name)
{
	struct wire_msg m = {.type = WIRE_T_CAP_LIST, .request_id = 99};
	struct rx rx;
	int i;

	rpc(&m, &rx);
	cr_assert_eq(rx.m.type, WIRE_T_CAP_LIST_OK);
	for (i = 0; i < rx.m.u.cap_list_ok.count; i++) {
		const struct wire_cap_entry *c = &rx.m.u.cap_list_ok.entries[i];

		if (c->name.len == strlen(name) && memcmp(c->name.ptr, name, c->name.len) == 0)
			return c->token;
	}
	cr_assert_fail("no capability '%s'", name);
	return (struct wire_token){{0}};
}

static void reg_create(struct wire_token tok, const char *name, const char *val, struct rx *rx)
{
	struct wire_msg m = {.type = WIRE_T_REGISTER_CREATE, .request_id = 10};

	m.u.reg_create.token = tok;
	m.u.reg_create.name = S(name);
	m.u.reg_create.value.kind = WIRE_VALUE_INLINE;
	m.u.reg_create.value.data =
		(struct wire_bytes){(const uint8_t *)val, (uint16_t)strlen(val)};
	rpc(&m, rx);
}

static void reg_read(struct wire_token tok, const char *name, struct rx *rx)
{
	struct wire_msg m = {.type = WIRE_T_REGISTER_READ, .request_id = 11};

	m.u.reg_read.token = tok;
	m.u.reg_read.name = S(name);
	m.u.reg_read.sink.kind = WIRE_VALUE_INLINE;
	rpc(&m, rx);
}

static void reg_write(struct wire_token tok, const char *name, uint64_t expected, const char *val,
		      struct rx *rx)
{
	struct wire_msg m = {.type = WIRE_T_REGISTER_WRITE, .request_id = 12};

	m.u.reg_write.token = tok;
	m.u.reg_write.name = S(name);
	m.u.reg_write.expected_version = expected;
	m.u.reg_write.value.kind = WIRE_VALUE_INLINE;
	m.u.reg_write.value.data = (struct wire_bytes){(const uint8_t *)val, (uint16_t)strlen(val)};
	rpc(&m, rx);
}

static void fs_open(struct wire_token tok, const char *root, const char *path, uint32_t flags,
		    struct rx *rx)
{
	struct wire_msg m = {.type = WIRE_T_FS_OPEN, .request_id = 13};

	m.u.fs_open.token = tok;
	m.u.fs_open.flags = flags;
	m.u.fs_open.mode = (flags & WIRE_OPEN_CREATE) ? 0600 : 0;
	m.u.fs_open.root = S(root);
	m.u.fs_open.path = S(path);
	rpc(&m, rx);
}

static void expect_value(const struct rx *rx, enum wire_type t, uint64_t version, const char *val)
{
	cr_assert_eq(rx->m.type, t, "got %s", wire_type_name(rx->m.type));
	cr_expect_eq(rx->m.u.reg_value.version, version);
	cr_assert_eq(rx->m.u.reg_value.value.data.len, strlen(val));
	cr_expect_eq(memcmp(rx->m.u.reg_value.value.data.ptr, val, strlen(val)), 0);
}

static json_int_t report_int(const char *section, const char *key)
{
	json_t *r = broker_instance_report(bi);
	json_int_t v;

	cr_assert_not_null(r);
	/* section NULL: a top-level counter */
	v = json_integer_value(json_object_get(section ? json_object_get(r, section) : r, key));
	json_decref(r);
	return v;
}

Test(dispatch, ping_is_answered_with_the_request_id)
{
	struct wire_msg m = {.type = WIRE_T_PING, .request_id = 0x01020304};
	struct rx rx;

	start();
	rpc(&m, &rx);
	cr_expect_eq(rx.m.type, WIRE_T_PING_OK);
	cr_expect_eq(report_int("requests", "ping"), 1);
}

Test(dispatch, hello_gives_instance_id_and_capability_count)
{
	struct wire_msg m = {.type = WIRE_T_HELLO, .request_id = 1};
	struct rx rx;

	start();
	rpc(&m, &rx);
	cr_assert_eq(rx.m.type, WIRE_T_HELLO_OK);
	cr_expect_eq(rx.m.u.hello_ok.instance_id.len, 6);
	cr_expect_eq(memcmp(rx.m.u.hello_ok.instance_id.ptr, "inst-1", 6), 0);
	cr_expect_eq(rx.m.u.hello_ok.cap_count, 4);
}

Test(dispatch, cap_list_shows_every_grant_with_kind_and_rights)
{
	struct wire_msg m = {.type = WIRE_T_CAP_LIST, .request_id = 2};
	struct rx rx;

	start();
	rpc(&m, &rx);
	cr_assert_eq(rx.m.type, WIRE_T_CAP_LIST_OK);
	cr_assert_eq(rx.m.u.cap_list_ok.count, 4);
	cr_expect_eq(rx.m.u.cap_list_ok.next_cursor, 0);
	cr_expect_eq(rx.m.u.cap_list_ok.entries[0].kind, WIRE_CAP_REGISTER);
	cr_expect_eq(rx.m.u.cap_list_ok.entries[0].rights, REG_ALL | CAP_RIGHT_ATTENUATE);
	cr_expect_eq(rx.m.u.cap_list_ok.entries[1].kind, WIRE_CAP_FS);
	cr_expect_eq(rx.m.u.cap_list_ok.entries[1].rights, CAP_RIGHT_READ);
}

Test(dispatch, attenuated_capability_reads_but_cannot_write)
{
	struct wire_msg m = {.type = WIRE_T_CAP_ATTENUATE, .request_id = 3};
	struct wire_token parent, child;
	struct rx rx;

	start();
	parent = token_of("demo/*");
	reg_create(parent, "demo/a", "v1", &rx);
	cr_assert_eq(rx.m.type, WIRE_T_REGISTER_CREATE_OK);
	m.u.cap_attenuate.token = parent;
	m.u.cap_attenuate.rights = CAP_RIGHT_READ;
	rpc(&m, &rx);
	cr_assert_eq(rx.m.type, WIRE_T_CAP_ATTENUATE_OK);
	cr_expect_eq(rx.m.u.cap_entry.rights, CAP_RIGHT_READ);
	child = rx.m.u.cap_entry.token;
	cr_expect_neq(memcmp(child.bytes, parent.bytes, WIRE_TOKEN_SIZE), 0);
	reg_read(child, "demo/a", &rx);
	expect_value(&rx, WIRE_T_REGISTER_READ_OK, 1, "v1");
	reg_write(child, "demo/a", 1, "v2", &rx);
	expect_error(&rx, WIRE_E_RIGHTS);
}

Test(dispatch, revoked_capability_is_refused)
{
	struct wire_msg m = {.type = WIRE_T_CAP_ATTENUATE, .request_id = 4};
	struct wire_token child;
	struct rx rx;

	start();
	m.u.cap_attenuate.token = token_of("demo/*");
	m.u.cap_attenuate.rights = CAP_RIGHT_READ | CAP_RIGHT_CREATE;
	rpc(&m, &rx);
	cr_assert_eq(rx.m.type, WIRE_T_CAP_ATTENUATE_OK);
	child = rx.m.u.cap_entry.token;
	m = (struct wire_msg){.type = WIRE_T_CAP_REVOKE, .request_id = 5};
	m.u.cap_revoke.token = child;
	rpc(&m, &rx);
	cr_assert_eq(rx.m.type, WIRE_T_CAP_REVOKE_OK);
	cr_expect_eq(rx.m.u.cap_revoke_ok.revoked, 1);
	reg_create(child, "demo/b", "x", &rx);
	expect_error(&rx, WIRE_E_REVOKED);
}

Test(dispatch, register_operations_round_trip)
{
	struct wire_token tok;
	struct wire_msg m;
	struct rx rx;

	start();
	tok = token_of("demo/*");
	reg_create(tok, "demo/a", "one", &rx);
	cr_assert_eq(rx.m.type, WIRE_T_REGISTER_CREATE_OK);
	cr_expect_eq(rx.m.u.version.version, 1);
	reg_write(tok, "demo/a", 1, "two", &rx);
	cr_assert_eq(rx.m.type, WIRE_T_REGISTER_WRITE_OK);
	cr_expect_eq(rx.m.u.version.version, 2);
	reg_read(tok, "demo/a", &rx);
	expect_value(&rx, WIRE_T_REGISTER_READ_OK, 2, "two");

	m = (struct wire_msg){.type = WIRE_T_REGISTER_LIST, .request_id = 20};
	m.u.reg_list.token = tok;
	rpc(&m, &rx);
	cr_assert_eq(rx.m.type, WIRE_T_REGISTER_LIST_OK);
	cr_assert_eq(rx.m.u.reg_list_ok.count, 1);
	cr_expect_eq(rx.m.u.reg_list_ok.entries[0].version, 2);
	cr_expect_eq(rx.m.u.reg_list_ok.entries[0].size, 3);

	m = (struct wire_msg){.type = WIRE_T_REGISTER_CONSUME, .request_id = 21};
	m.u.reg_consume.token = tok;
	m.u.reg_consume.name = S("demo/a");
	rpc(&m, &rx);
	expect_value(&rx, WIRE_T_REGISTER_CONSUME_OK, 2, "two");
	rpc(&m, &rx);
	expect_error(&rx, WIRE_E_CONSUMED);
	reg_read(tok, "demo/a", &rx);
	expect_error(&rx, WIRE_E_CONSUMED);

	m = (struct wire_msg){.type = WIRE_T_REGISTER_DELETE, .request_id = 22};
	m.u.reg_delete.token = tok;
	m.u.reg_delete.name = S("demo/a");
	rpc(&m, &rx);
	cr_expect_eq(rx.m.type, WIRE_T_REGISTER_DELETE_OK);
	reg_read(tok, "demo/a", &rx);
	expect_error(&rx, WIRE_E_NOT_FOUND);
}

Test(dispatch, register_list_shows_only_what_the_capability_covers)
{
	struct wire_msg m = {.type = WIRE_T_REGISTER_LIST, .request_id = 23};
	struct rx rx;

	pol.broker.grants[3].rights |= CAP_RIGHT_CREATE;
	start();
	reg_create(token_of("demo/*"), "demo/a", "1", &rx);
	reg_create(token_of("other/x"), "other/x", "2", &rx);
	cr_assert_eq(rx.m.type, WIRE_T_REGISTER_CREATE_OK);
	m.u.reg_list.token = token_of("other/x");
	rpc(&m, &rx);
	cr_assert_eq(rx.m.type, WIRE_T_REGISTER_LIST_OK);
	cr_assert_eq(rx.m.u.reg_list_ok.count, 1);
	cr_expect_eq(memcmp(rx.m.u.reg_list_ok.entries[0].name.ptr, "other/x", 7), 0);
	m.u.reg_list.prefix = S("demo");
	rpc(&m, &rx);
	expect_error(&rx, WIRE_E_RIGHTS);
}

/* "demo" and "demo/" list the same names under the capability for everything in demo. */
Test(dispatch, register_list_prefix_with_a_trailing_slash)
{
	static const char *const prefixes[] = {"demo", "demo/"};
	struct wire_msg m = {.type = WIRE_T_REGISTER_LIST, .request_id = 24};
	struct rx rx;

	start();
	reg_create(token_of("demo/*"), "demo/a", "1", &rx);
	reg_create(token_of("demo/*"), "demo/b", "2", &rx);
	for (size_t i = 0; i < 2; i++) {
		m.u.reg_list.token = token_of("demo/*");
		m.u.reg_list.prefix = S(prefixes[i]);
		rpc(&m, &rx);
		cr_assert_eq(rx.m.type, WIRE_T_REGISTER_LIST_OK, "prefix '%s'", prefixes[i]);
		cr_expect_eq(rx.m.u.reg_list_ok.count, 2, "prefix '%s'", prefixes[i]);
	}
	m.u.reg_list.prefix = S("other/");
	rpc(&m, &rx);
	expect_error(&rx, WIRE_E_RIGHTS);
}

Test(dispatch, register_name_outside_the_pattern_is_refused)
{
	struct rx rx;

	start();
	reg_create(token_of("demo/*"), "elsewhere/a", "x", &rx);
	expect_error(&rx, WIRE_E_RIGHTS);
}

Test(dispatch, compare_and_swap_conflict_is_typed)
{
	struct wire_token tok;
	struct rx rx;

	start();
	tok = token_of("demo/*");
	reg_create(tok, "demo/c", "a", &rx);
	reg_write(tok, "demo/c", 1, "b", &rx);
	cr_assert_eq(rx.m.type, WIRE_T_REGISTER_WRITE_OK);
	reg_write(tok, "demo/c", 1, "c", &rx); /* the version moved to 2 */
	expect_error(&rx, WIRE_E_CONFLICT);
	reg_read(tok, "demo/c", &rx);
	expect_value(&rx, WIRE_T_REGISTER_READ_OK, 2, "b");
}

Test(dispatch, wrong_token_bytes_are_refused)
{
	struct wire_token tok;
	struct rx rx;

	start();
	tok = token_of("demo/*");
	tok.bytes[5] ^= 0x40;
	reg_create(tok, "demo/a", "x", &rx);
	expect_error(&rx, WIRE_E_NO_CAPABILITY);
	cr_expect_eq(report_int("denials", "no_capability"), 1);
	cr_expect_eq(report_int(NULL, "security_events"), 1);
}

Test(dispatch, token_of_another_holder_is_refused_like_an_unknown_one)
{
	struct err_ctx e = {0};
	struct cap_token other;
	struct wire_token tok;
	struct rx rx;
	json_t *r;

	start();
	cr_assert_eq(
		cap_mint(tab, OTHER, CAP_KIND_REGISTER, "demo/*", REG_ALL, 0, 0, NULL, &other, &e),
		0, "%s", e.msg);
	memcpy(tok.bytes, other.bytes, WIRE_TOKEN_SIZE);
	reg_create(tok, "demo/a", "x", &rx);
	expect_error(&rx, WIRE_E_NO_CAPABILITY);
	r = broker_instance_report(bi);
	cr_expect_eq(json_integer_value(json_object_get(r, "security_events")), 1);
	json_decref(r);
}

Test(dispatch, missing_right_is_refused)
{
	struct wire_token tok;
	struct rx rx;

	start();
	tok = token_of("other/x"); /* read only */
	reg_create(tok, "other/x", "x", &rx);
	expect_error(&rx, WIRE_E_RIGHTS);
}

Test(dispatch, effect_not_in_policy_is_refused_before_the_capability)
{
	struct wire_msg m = {.type = WIRE_T_LOG, .request_id = 30};
	struct wire_token bogus = {{0}};
	struct rx rx;

	pol.broker.effects = POLICY_EFFECT_CAP;
	start();
	reg_create(bogus, "demo/a", "x", &rx);
	expect_error(&rx, WIRE_E_DENIED_POLICY);
	m.u.log.level = WIRE_LOG_INFO;
	m.u.log.text = S("hi");
	rpc(&m, &rx);
	expect_error(&rx, WIRE_E_DENIED_POLICY);
	cr_expect_eq(report_int("denials", "denied_policy"), 2);
}

/* Listing what it holds is not an effect: without it no token could be used. */
Test(dispatch, cap_list_needs_no_effect_but_attenuate_does)
{
	struct wire_msg m = {.type = WIRE_T_CAP_ATTENUATE, .request_id = 32};
	struct rx rx;

	pol.broker.effects = POLICY_EFFECT_REGISTER;
	start();
	m.u.cap_attenuate.token = token_of("demo/*");
	m.u.cap_attenuate.rights = CAP_RIGHT_READ;
	rpc(&m, &rx);
	expect_error(&rx, WIRE_E_DENIED_POLICY);
}

Test(dispatch, log_is_served_when_allowed)
{
	struct wire_msg m = {.type = WIRE_T_LOG, .request_id = 31};
	struct rx rx;

	start();
	m.u.log.level = WIRE_LOG_DEBUG;
	m.u.log.text = S("a\tmessage");
	rpc(&m, &rx);
	cr_expect_eq(rx.m.type, WIRE_T_LOG_OK);
}

Test(dispatch, storage_quota_is_enforced_and_reported)
{
	struct wire_token tok;
	struct rx rx;

	pol.broker.max_storage_operations = 2;
	start();
	tok = token_of("demo/*");
	reg_create(tok, "demo/q", "1", &rx);
	cr_assert_eq(rx.m.type, WIRE_T_REGISTER_CREATE_OK);
	reg_read(tok, "demo/q", &rx);
	cr_assert_eq(rx.m.type, WIRE_T_REGISTER_READ_OK);
	reg_read(tok, "demo/q", &rx);
	expect_error(&rx, WIRE_E_QUOTA);
	cr_expect_eq(report_int("denials", "quota"), 1);
}

Test(dispatch, byte_quota_counts_values)
{
	struct wire_token tok;
	struct rx rx;

	pol.broker.max_bytes = 5;
	start();
	tok = token_of("demo/*");
	reg_create(tok, "demo/q", "abc", &rx);
	cr_assert_eq(rx.m.type, WIRE_T_REGISTER_CREATE_OK);
	reg_read(tok, "demo/q", &rx); /* 3 + 3 > 5 */
	expect_error(&rx, WIRE_E_QUOTA);
}

/* Memory regions: IN (r), OUT (rw), GUARD (none), BIG (rw, over the store's largest value). */
enum { IN, OUT, GUARD, BIG, N_REGIONS };

#define RPAGE 4096
#define BIG_SIZE (2 * STORE_VALUE_MAX)

static struct policy_region regions[N_REGIONS] = {
	[IN] = {"in", 2 * RPAGE, POLICY_REGION_R},
	[OUT] = {"out", 2 * RPAGE, POLICY_REGION_RW},
	[GUARD] = {"guard", RPAGE, POLICY_REGION_NONE},
	[BIG] = {"big", BIG_SIZE, POLICY_REGION_RW},
};

/* The instance's view of region i, mapped as the guest library would. */
static uint8_t *map_region(int i, int prot)
{
	void *p = mmap(NULL, regions[i].size, prot, MAP_SHARED, region_set_child_fd(rs, i), 0);

	cr_assert_neq(p, MAP_FAILED, "region %d: %s", i, strerror(errno));
	return p;
}

static void start_with_regions(void)
{
	struct err_ctx e = {0};

	pol.broker.regions = regions;
	pol.broker.n_regions = N_REGIONS;
	cr_assert_eq(region_set_new(&pol.broker, &rs, &e), 0, "%s", e.msg);
	start();
	broker_instance_set_regions(bi, rs);
}

static struct wire_value region_value(uint32_t region, uint64_t offset, uint64_t length)
{
	return (struct wire_value){.kind = WIRE_VALUE_REGION, .region = {region, offset, length}};
}

static void reg_create_from(struct wire_token tok, const char *name, struct wire_value v,
			    struct rx *rx)
{
	struct wire_msg m = {.type = WIRE_T_REGISTER_CREATE, .request_id = 30};

	m.u.reg_create.token = tok;
	m.u.reg_create.name = S(name);
	m.u.reg_create.value = v;
	rpc(&m, rx);
}

static void reg_get_into(enum wire_type type, struct wire_token tok, const char *name,
			 uint32_t region, uint64_t offset, uint64_t length, struct rx *rx)
{
	struct wire_msg m = {.type = type, .request_id = 31};
	struct wire_sink sink = {WIRE_VALUE_REGION, {region, offset, length}};

	if (type == WIRE_T_REGISTER_READ) {
		m.u.reg_read.token = tok;
		m.u.reg_read.name = S(name);
		m.u.reg_read.sink = sink;
	} else {
		m.u.reg_consume.token = tok;
		m.u.reg_consume.name = S(name);
		m.u.reg_consume.sink = sink;
	}
	rpc(&m, rx);
}

static void expect_in_region(const struct rx *rx, enum wire_type t, uint32_t region,
			     uint64_t offset, uint64_t length)
{
	const struct wire_value *v = &rx->m.u.reg_value.value;

	cr_assert_eq(rx->m.type, t, "got %s", wire_type_name(rx->m.type));
	cr_assert_eq(v->kind, WIRE_VALUE_REGION);
	cr_expect_eq(v->region.region, region);
	cr_expect_eq(v->region.offset, offset);
	cr_expect_eq(v->region.length, length);
}

/* A value over WIRE_MAX_INLINE goes in through one region and out through another. */
Test(dispatch, register_value_round_trips_through_regions)
{
	uint8_t *out;
	const uint8_t *in;
	struct wire_msg w = {.type = WIRE_T_REGISTER_WRITE, .request_id = 33};
	struct wire_token tok;
	struct rx rx;

	start_with_regions();
	out = map_region(OUT, PROT_READ | PROT_WRITE);
	in = map_region(IN, PROT_READ);
	tok = token_of("demo/*");
	for (int i = 0; i < 3000; i++)
		out[100 + i] = (uint8_t)(i * 7);
	reg_create_from(tok, "demo/big", region_value(OUT, 100, 3000), &rx);
	cr_assert_eq(rx.m.type, WIRE_T_REGISTER_CREATE_OK, "got %s", wire_type_name(rx.m.type));
	reg_read(tok, "demo/big", &rx);
	expect_error(&rx, WIRE_E_TOO_SMALL); /* too large to come back inline */
	reg_get_into(WIRE_T_REGISTER_READ, tok, "demo/big", IN, 5000, 3100, &rx);
	expect_in_region(&rx, WIRE_T_REGISTER_READ_OK, IN, 5000, 3000);
	cr_expect_eq(memcmp(in + 5000, out + 100, 3000), 0);

	memcpy(out + RPAGE, "second value", 12);
	w.u.reg_write.token = tok;
	w.u.reg_write.name = S("demo/big");
	w.u.reg_write.expected_version = 1;
	w.u.reg_write.value = region_value(OUT, RPAGE, 12);
	rpc(&w, &rx);
	cr_assert_eq(rx.m.type, WIRE_T_REGISTER_WRITE_OK, "got %s %s", wire_type_name(rx.m.type),
		     rx.m.type == WIRE_T_ERROR ? wire_error_name(rx.m.u.error.code) : "");
	cr_expect_eq(rx.m.u.version.version, 2);
	reg_read(tok, "demo/big", &rx);
	expect_value(&rx, WIRE_T_REGISTER_READ_OK, 2, "second value");
}

/* The store keeps what the region held at the request, not what it holds later. */
Test(dispatch, region_value_is_copied_at_the_request)
{
	uint8_t *out;
	struct wire_token tok;
	struct rx rx;

	start_with_regions();
	out = map_region(OUT, PROT_READ | PROT_WRITE);
	tok = token_of("demo/*");
	memcpy(out, "before", 6);
	reg_create_from(tok, "demo/c", region_value(OUT, 0, 6), &rx);
	cr_assert_eq(rx.m.type, WIRE_T_REGISTER_CREATE_OK);
	memcpy(out, "after!", 6);
	reg_read(tok, "demo/c", &rx);
	expect_value(&rx, WIRE_T_REGISTER_READ_OK, 1, "before");
}

Test(dispatch, consume_into_a_region_hands_the_value_out_once)
{
	const uint8_t *in;
	struct wire_token tok;
	struct rx rx;

	start_with_regions();
	in = map_region(IN, PROT_READ);
	tok = token_of("demo/*");
	reg_create(tok, "demo/once", "ticket", &rx);
	cr_assert_eq(rx.m.type, WIRE_T_REGISTER_CREATE_OK);
	reg_get_into(WIRE_T_REGISTER_CONSUME, tok, "demo/once", IN, 10, 100, &rx);
	expect_in_region(&rx, WIRE_T_REGISTER_CONSUME_OK, IN, 10, 6);
	cr_expect_eq(memcmp(in + 10, "ticket", 6), 0);
	reg_get_into(WIRE_T_REGISTER_CONSUME, tok, "demo/once", IN, 10, 100, &rx);
	expect_error(&rx, WIRE_E_CONSUMED);
}

/* Too small a sink: typed error, not a byte written, and consume leaves the value alone. */
Test(dispatch, value_larger_than_the_sink_is_too_small_and_writes_nothing)
{
	uint8_t *out;
	uint8_t before[16];
	struct wire_token tok;
	struct rx rx;

	start_with_regions();
	out = map_region(OUT, PROT_READ | PROT_WRITE);
	tok = token_of("demo/*");
	memset(out, 0xaa, 16);
	memcpy(before, out, 16);
	reg_create(tok, "demo/v", "abcdef", &rx);
	cr_assert_eq(rx.m.type, WIRE_T_REGISTER_CREATE_OK);
	reg_get_into(WIRE_T_REGISTER_READ, tok, "demo/v", OUT, 0, 5, &rx);
	expect_error(&rx, WIRE_E_TOO_SMALL);
	reg_get_into(WIRE_T_REGISTER_CONSUME, tok, "demo/v", OUT, 0, 5, &rx);
	expect_error(&rx, WIRE_E_TOO_SMALL);
	cr_expect_eq(memcmp(out, before, 16), 0, "the sink was written");
	reg_read(tok, "demo/v", &rx);
	expect_value(&rx, WIRE_T_REGISTER_READ_OK, 1, "abcdef");
}

Test(dispatch, bad_region_references_are_refused)
{
	const struct wire_region_ref bad[] = {
		{OUT, 2 * RPAGE - 4, 8}, /* past the end */
		{OUT, 2 * RPAGE + 1, 0}, /* starts past the end */
		{N_REGIONS, 0, 4},	 /* no such region */
		{GUARD, 0, 4},		 /* a guard has no data */
	};
	struct wire_token tok;
	struct rx rx;

	start_with_regions();
	tok = token_of("demo/*");
	reg_create(tok, "demo/x", "abcd", &rx);
	cr_assert_eq(rx.m.type, WIRE_T_REGISTER_CREATE_OK);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		reg_create_from(tok, "demo/y",
				region_value(bad[i].region, bad[i].offset, bad[i].length), &rx);
		expect_error(&rx, WIRE_E_REGION);
		reg_get_into(WIRE_T_REGISTER_READ, tok, "demo/x", bad[i].region, bad[i].offset,
			     bad[i].length, &rx);
		expect_error(&rx, WIRE_E_REGION);
		reg_get_into(WIRE_T_REGISTER_CONSUME, tok, "demo/x", bad[i].region, bad[i].offset,
			     bad[i].length, &rx);
		expect_error(&rx, WIRE_E_REGION);
	}
	reg_read(tok, "demo/x", &rx);
	expect_value(&rx, WIRE_T_REGISTER_READ_OK, 1, "abcd");
	reg_read(tok, "demo/y", &rx);
	expect_error(&rx, WIRE_E_NOT_FOUND);
}

Test(dispatch, region_values_without_regions_are_refused)
{
	struct wire_token tok;
	struct rx rx;

	start();
	tok = token_of("demo/*");
	reg_create_from(tok, "demo/r", region_value(0, 0, 16), &rx);
	expect_error(&rx, WIRE_E_REGION);
}

Test(dispatch, region_value_over_the_store_limit_is_too_large)
{
	struct wire_token tok;
	struct rx rx;

	start_with_regions();
	tok = token_of("demo/*");
	reg_create_from(tok, "demo/huge", region_value(BIG, 0, STORE_VALUE_MAX + 1), &rx);
	expect_error(&rx, WIRE_E_TOO_SMALL);
	reg_create_from(tok, "demo/huge", region_value(BIG, 0, STORE_VALUE_MAX), &rx);
	cr_expect_eq(rx.m.type, WIRE_T_REGISTER_CREATE_OK, "got %s", wire_type_name(rx.m.type));
}

Test(dispatch, byte_quota_counts_region_values)
{
	uint8_t *out;
	struct wire_token tok;
	struct rx rx;

	pol.broker.max_bytes = 5000;
	start_with_regions();
	out = map_region(OUT, PROT_READ | PROT_WRITE);
	tok = token_of("demo/*");
	memset(out, 'x', 3000);
	reg_create_from(tok, "demo/q", region_value(OUT, 0, 3000), &rx);
	cr_assert_eq(rx.m.type, WIRE_T_REGISTER_CREATE_OK);
	reg_get_into(WIRE_T_REGISTER_READ, tok, "demo/q", OUT, 0, 3000, &rx); /* 6000 > 5000 */
	expect_error(&rx, WIRE_E_QUOTA);
	reg_create_from(tok, "demo/r", region_value(OUT, 0, 2001), &rx);
	expect_error(&rx, WIRE_E_QUOTA);
}

Test(dispatch, garbage_gets_a_typed_error_and_the_next_frame_works)
{
	struct wire_msg ping = {.type = WIRE_T_PING, .request_id = 40};
	struct rx rx;

	start();
	send_raw("garbage, not a frame at all", 27);
	receive(&rx);
	expect_error(&rx, WIRE_E_MAGIC);
	cr_expect_eq(rx.m.request_id, 0);
	rpc(&ping, &rx);
	cr_expect_eq(rx.m.type, WIRE_T_PING_OK);
	cr_expect_eq(report_int(NULL, "malformed"), 1);
	cr_expect_eq(report_int("requests", "ping"), 1);
}

Test(dispatch, oversized_frame_gets_a_typed_error_and_the_next_frame_works)
{
	static uint8_t big[WIRE_MAX_FRAME + 1000];
	struct wire_msg ping = {.type = WIRE_T_PING, .request_id = 41};
	size_t len;
	struct rx rx;

	start();
	cr_assert_eq(wire_encode(&ping, big, sizeof(big), &len), 0);
	send_raw(big, sizeof(big));
	receive(&rx);
	expect_error(&rx, WIRE_E_TOO_BIG);
	rpc(&ping, &rx);
	cr_expect_eq(rx.m.type, WIRE_T_PING_OK);
	cr_expect_eq(report_int("denials", "frame_too_big"), 1);
}

Test(dispatch, reply_type_sent_as_request_is_malformed)
{
	struct wire_msg m = {.type = WIRE_T_PING_OK, .request_id = 42};
	struct rx rx;

	start();
	rpc(&m, &rx);
	expect_error(&rx, WIRE_E_TYPE);
}

Test(dispatch, descriptor_sent_by_instance_is_closed_and_malformed)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl = {0};
	uint8_t frame[WIRE_HEADER_SIZE];
	struct wire_msg ping = {.type = WIRE_T_PING, .request_id = 43};
	struct iovec iov = {.iov_base = frame};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl.buf,
			    .msg_controllen = sizeof(ctl.buf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	struct rx rx;
	int p[2];
	char ch;

	start();
	cr_assert_eq(wire_encode(&ping, frame, sizeof(frame), &iov.iov_len), 0);
	cr_assert_eq(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &p[1], sizeof(int));
	cr_assert_eq(sendmsg(peer, &mh, 0), (ssize_t)iov.iov_len);
	close(p[1]);
	receive(&rx);
	expect_error(&rx, WIRE_E_MALFORMED);
	cr_expect_eq(rx.m.request_id, 43);
	/* the broker closed its copy of the write end: the pipe reads EOF */
	cr_expect_eq(read(p[0], &ch, 1), 0);
	close(p[0]);
}

Test(dispatch, malformed_frame_kills_when_the_policy_says_so)
{
	pol.broker.on_malformed = POLICY_MALFORMED_KILL;
	start();
	send_raw("xx", 2);
	cr_expect_eq(broker_instance_on_readable(bi), -EBADMSG);
}

Test(dispatch, peer_hangup_reports_closed)
{
	start();
	close(peer);
	peer = -1;
	cr_expect_eq(broker_instance_on_readable(bi), BROKER_CLOSED);
}

Test(dispatch, nothing_to_read_is_idle)
{
	start();
	cr_expect_eq(broker_instance_on_readable(bi), BROKER_IDLE);
}

static void expect_contents(int fd, const char *text)
{
	char buf[128];
	ssize_t n = pread(fd, buf, sizeof(buf), 0);

	cr_assert_eq(n, (ssize_t)strlen(text));
	cr_expect_eq(memcmp(buf, text, (size_t)n), 0);
}

Test(dispatch, fs_open_passes_a_read_only_descriptor)
{
	struct rx rx;

	start();
	fs_open(token_of(ro_root), ro_root, "hello.txt", WIRE_OPEN_READ, &rx);
	cr_assert_eq(rx.m.type, WIRE_T_FS_OPEN_OK, "got %s", wire_type_name(rx.m.type));
	cr_assert_geq(rx.fd, 0);
	cr_expect_eq(fcntl(rx.fd, F_GETFL) & O_ACCMODE, O_RDONLY);
	cr_expect_eq(fcntl(rx.fd, F_GETFL) & O_NONBLOCK, 0);
	expect_contents(rx.fd, "hello from the root\n");
	close(rx.fd);
}

Test(dispatch, fs_open_follows_a_directory_symlink_that_stays_inside)
{
	struct rx rx;
	char p[256];

	start();
	snprintf(p, sizeof(p), "%s/sub", ro_root);
	cr_assert_eq(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/sub/f.txt", ro_root);
	write_file(p, "inside\n");
	snprintf(p, sizeof(p), "%s/lnk", ro_root);
	cr_assert_eq(symlink("sub", p), 0);
	fs_open(token_of(ro_root), ro_root, "lnk/f.txt", WIRE_OPEN_READ, &rx);
	cr_assert_eq(rx.m.type, WIRE_T_FS_OPEN_OK, "got %s", wire_type_name(rx.m.type));
	expect_contents(rx.fd, "inside\n");
	close(rx.fd);
}

Test(dispatch, fs_open_never_opens_a_symlink_as_the_last_component)
{
	struct rx rx;

	start();
	fs_open(token_of(ro_root), ro_root, "inner", WIRE_OPEN_READ, &rx);
	expect_error(&rx, WIRE_E_RIGHTS);
	cr_expect_eq(rx.fd, -1);
}

Test(dispatch, fs_open_refuses_dotdot_out_of_the_root)
{
	struct rx rx;

	start();
	fs_open(token_of(ro_root), ro_root, "../secret.txt", WIRE_OPEN_READ, &rx);
	expect_error(&rx, WIRE_E_RIGHTS);
	fs_open(token_of(ro_root), ro_root, "/etc/passwd", WIRE_OPEN_READ, &rx);
	expect_error(&rx, WIRE_E_RIGHTS);
}

Test(dispatch, fs_open_refuses_a_symlink_out_of_the_root)
{
	struct rx rx;
	char p[256];

	start();
	snprintf(p, sizeof(p), "%s/hop", ro_root);
	cr_assert_eq(symlink("..", p), 0);
	fs_open(token_of(ro_root), ro_root, "escape", WIRE_OPEN_READ, &rx);
	expect_error(&rx, WIRE_E_RIGHTS);
	fs_open(token_of(ro_root), ro_root, "hop/secret.txt", WIRE_OPEN_READ, &rx);
	expect_error(&rx, WIRE_E_RIGHTS);
	cr_expect_eq(rx.fd, -1);
}

Test(dispatch, read_only_grant_cannot_open_for_write)
{
	struct rx rx;

	start();
	fs_open(token_of(ro_root), ro_root, "hello.txt", WIRE_OPEN_WRITE, &rx);
	expect_error(&rx, WIRE_E_RIGHTS);
	fs_open(token_of(ro_root), ro_root, "hello.txt", WIRE_OPEN_READ | WIRE_OPEN_WRITE, &rx);
	expect_error(&rx, WIRE_E_RIGHTS);
	fs_open(token_of(ro_root), ro_root, "new.txt", WIRE_OPEN_WRITE | WIRE_OPEN_CREATE, &rx);
	expect_error(&rx, WIRE_E_RIGHTS);
}

Test(dispatch, writable_grant_creates_and_passes_a_write_only_descriptor)
{
	struct rx rx;
	char p[256];

	start();
	fs_open(token_of(rw_root), rw_root, "out.txt", WIRE_OPEN_WRITE | WIRE_OPEN_CREATE, &rx);
	cr_assert_eq(rx.m.type, WIRE_T_FS_OPEN_OK, "got %s", wire_type_name(rx.m.type));
	cr_expect_eq(fcntl(rx.fd, F_GETFL) & O_ACCMODE, O_WRONLY);
	cr_assert_eq(write(rx.fd, "written", 7), 7);
	close(rx.fd);
	snprintf(p, sizeof(p), "%s/out.txt", rw_root);
	rx.fd = open(p, O_RDONLY | O_CLOEXEC);
	expect_contents(rx.fd, "written");
	close(rx.fd);
}

Test(dispatch, fs_open_of_a_directory_needs_the_directory_flag)
{
	struct rx rx;

	start();
	fs_open(token_of(ro_root), ro_root, ".", WIRE_OPEN_READ, &rx);
	expect_error(&rx, WIRE_E_RESULT);
	fs_open(token_of(ro_root), ro_root, ".", WIRE_OPEN_READ | WIRE_OPEN_DIRECTORY, &rx);
	cr_assert_eq(rx.m.type, WIRE_T_FS_OPEN_OK);
	close(rx.fd);
}

Test(dispatch, fs_open_with_a_register_token_is_refused)
{
	struct rx rx;

	start();
	fs_open(token_of("demo/*"), ro_root, "hello.txt", WIRE_OPEN_READ, &rx);
	expect_error(&rx, WIRE_E_RIGHTS);
}

Test(dispatch, free_drops_the_holders_capabilities)
{
	start();
	cr_expect_eq(captable_live(tab), 4);
	bi = broker_instance_free(bi);
	cr_expect_eq(captable_live(tab), 0);
}
