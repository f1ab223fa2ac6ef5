/* SPDX-License-Identifier: MIT */
/*
 * Broker wire codec: round trips of every type, one test per malformed-frame
 * class, and the encoder's refusals. Malformed frames are built byte by byte
 * here (with this file's own little-endian writer), not by the encoder under
 * test.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/wire.h"

/* ---- a byte writer independent of the codec ---- */

struct pb {
	uint8_t b[2 * WIRE_MAX_FRAME];
	size_t n;
};

static void pb_u8(struct pb *p, uint8_t v)
{
	cr_assert_lt(p->n, sizeof(p->b));
	p->b[p->n++] = v;
}

static void pb_le(struct pb *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		pb_u8(p, (uint8_t)(v >> (8 * i)));
}

static void pb_raw(struct pb *p, const void *data, size_t len)
{
	cr_assert_leq(len, sizeof(p->b) - p->n);
	memcpy(p->b + p->n, data, len);
	p->n += len;
}

static void pb_str(struct pb *p, const char *s, size_t len)
{
	pb_le(p, len, 2);
	pb_raw(p, s, len);
}

static void pb_token(struct pb *p)
{
	for (int i = 0; i < WIRE_TOKEN_SIZE; i++)
		pb_u8(p, (uint8_t)(0xa0 + i));
}

/* Header with a payload length that matches, followed by nothing yet. */
static void pb_header(struct pb *p, uint16_t type)
{
	p->n = 0;
	pb_le(p, WIRE_MAGIC, 4);
	pb_le(p, WIRE_VERSION, 2);
	pb_le(p, type, 2);
	pb_le(p, 0, 2);
	pb_le(p, 0, 2);
	pb_le(p, 7, 4);
	pb_le(p, 0, 4);
}

/* Sets the payload length field to what the buffer holds. */
static void pb_seal(struct pb *p)
{
	uint32_t len = (uint32_t)(p->n - WIRE_HEADER_SIZE);

	for (int i = 0; i < 4; i++)
		p->b[16 + i] = (uint8_t)(len >> (8 * i));
}

static void put_le(uint8_t *at, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		at[i] = (uint8_t)(v >> (8 * i));
}

/* register.delete for name (raw bytes), sealed. */
static void pb_reg_delete(struct pb *p, const char *name, size_t len)
{
	pb_header(p, WIRE_T_REGISTER_DELETE);
	pb_token(p);
	pb_str(p, name, len);
	pb_le(p, 3, 8);
	pb_seal(p);
}

static int decode(const struct pb *p, struct wire_msg *m)
{
	struct err_ctx e = {0};

	return wire_decode(p->b, p->n, m, &e);
}

static void expect_error(const struct pb *p, enum wire_error want)
{
	struct wire_msg m;
	struct err_ctx e = {0};
	int r = wire_decode(p->b, p->n, &m, &e);

	cr_expect_eq(r, -(int)want, "got %d (%s), want %s; %s", r,
		     r < 0 ? wire_error_name((enum wire_error)(-r)) : "ok", wire_error_name(want),
		     e.msg);
}

static void expect_decodes(const struct pb *p, struct wire_msg *m)
{
	struct err_ctx e = {0};

	cr_assert_eq(wire_decode(p->b, p->n, m, &e), 0, "rejected: %s", e.msg);
}

/* ---- sample messages of every type ---- */

static const struct wire_token tok = {{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99,
				       0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}};
static const uint8_t bin_value[] = {'h', 'i', 0, 0xff, '\n', 0x1b};

#define STR(s) ((struct wire_str){.ptr = (s), .len = sizeof(s) - 1})

static const struct wire_region_ref ref = {.region = 3, .offset = 4096, .length = 1u << 20};

static struct wire_msg sample(enum wire_type t)
{
	struct wire_msg m = {.type = t, .request_id = 0xdeadbeef};
	const struct wire_value inl = {.kind = WIRE_VALUE_INLINE,
				       .data = {bin_value, sizeof(bin_value)}};

	switch (t) {
	case WIRE_T_HELLO:
	case WIRE_T_PING:
	case WIRE_T_PING_OK:
	case WIRE_T_LOG_OK:
	case WIRE_T_REGISTER_DELETE_OK:
	case WIRE_T_NET_CONNECT_OK:
		break;
	case WIRE_T_LOG:
		m.u.log = (struct wire_log){WIRE_LOG_INFO, STR("step 3\tdone \xc3\xa9")};
		break;
	case WIRE_T_CAP_LIST:
	case WIRE_T_REGION_LIST:
		m.u.cursor.cursor = 42;
		break;
	case WIRE_T_CAP_ATTENUATE:
		m.u.cap_attenuate = (struct wire_cap_attenuate){tok, WIRE_RIGHT_READ, 123456789, 5};
		break;
	case WIRE_T_CAP_REVOKE:
		m.u.cap_revoke.token = tok;
		break;
	case WIRE_T_REGISTER_CREATE:
		m.u.reg_create = (struct wire_reg_create){tok, STR("demo/counter"), inl};
		break;
	case WIRE_T_REGISTER_READ:
		m.u.reg_read =
			(struct wire_reg_read){tok, STR("demo/counter"), {WIRE_VALUE_REGION, ref}};
		break;
	case WIRE_T_REGISTER_WRITE:
		m.u.reg_write = (struct wire_reg_write){
			tok, STR("demo/counter"), 9, {.kind = WIRE_VALUE_REGION, .region = ref}};
		break;
	case WIRE_T_REGISTER_CONSUME:
		m.u.reg_consume = (struct wire_reg_consume){
			tok, STR("demo/ticket"), 0, {WIRE_VALUE_INLINE, {0}}};
		break;
	case WIRE_T_REGISTER_LIST:
		m.u.reg_list = (struct wire_reg_list){tok, STR("demo"), STR("demo/b")};
		break;
	case WIRE_T_REGISTER_DELETE:
		m.u.reg_delete = (struct wire_reg_delete){tok, STR("demo/old"), 0};
		break;
	case WIRE_T_FS_OPEN:
		m.u.fs_open = (struct wire_fs_open){tok, WIRE_OPEN_WRITE | WIRE_OPEN_CREATE, 0640,
						    STR("/data"), STR("out/report.txt")};
		break;
	case WIRE_T_NET_CONNECT:
		m.u.net_connect = (struct wire_net_connect){tok, 8080, STR("::1")};
		break;
	case WIRE_T_ERROR:
		m.u.error = (struct wire_error_reply){WIRE_E_CONFLICT, STR("version is 4, not 3")};
		break;
	case WIRE_T_HELLO_OK:
		m.u.hello_ok = (struct wire_hello_ok){STR("3f2a9c"), 4, 2};
		break;
	case WIRE_T_CAP_LIST_OK:
		m.u.cap_list_ok.next_cursor = 2;
		m.u.cap_list_ok.count = 2;
		m.u.cap_list_ok.entries[0] = (struct wire_cap_entry){
			tok, WIRE_CAP_REGISTER, WIRE_RIGHTS_ALL, 0, false, 0, STR("demo/*")};
		m.u.cap_list_ok.entries[1] = (struct wire_cap_entry){
			tok, WIRE_CAP_FS, WIRE_RIGHT_READ, 99, true, 7, STR("/data")};
		break;
	case WIRE_T_CAP_ATTENUATE_OK:
		m.u.cap_entry = (struct wire_cap_entry){
			tok, WIRE_CAP_NET, WIRE_RIGHT_READ, 1000, true, 0, STR("example.org:443")};
		break;
	case WIRE_T_CAP_REVOKE_OK:
		m.u.cap_revoke_ok.revoked = 3;
		break;
	case WIRE_T_REGISTER_CREATE_OK:
	case WIRE_T_REGISTER_WRITE_OK:
		m.u.version.version = UINT64_MAX;
		break;
	case WIRE_T_REGISTER_READ_OK:
	case WIRE_T_REGISTER_CONSUME_OK:
		m.u.reg_value = (struct wire_reg_value){17, inl};
		break;
	case WIRE_T_REGISTER_LIST_OK:
		m.u.reg_list_ok.more = true;
		m.u.reg_list_ok.count = 2;
		m.u.reg_list_ok.entries[0] = (struct wire_reg_entry){STR("demo/a"), 1, 6, false};
		m.u.reg_list_ok.entries[1] = (struct wire_reg_entry){STR("demo/b"), 4, 0, true};
		break;
	case WIRE_T_FS_OPEN_OK:
		m.u.fs_open_ok.flags = WIRE_OPEN_READ | WIRE_OPEN_DIRECTORY;
		break;
	case WIRE_T_REGION_LIST_OK:
		m.u.region_list_ok.count = 1;
		m.u.region_list_ok.entries[0] =
			(struct wire_region_entry){5, WIRE_REGION_RW, 1u << 20, 10, STR("shared")};
		break;
	}
	return m;
}

static const enum wire_type all_types[] = {
	WIRE_T_HELLO,
	WIRE_T_PING,
	WIRE_T_LOG,
	WIRE_T_CAP_LIST,
	WIRE_T_CAP_ATTENUATE,
	WIRE_T_CAP_REVOKE,
	WIRE_T_REGISTER_CREATE,
	WIRE_T_REGISTER_READ,
	WIRE_T_REGISTER_WRITE,
	WIRE_T_REGISTER_CONSUME,
	WIRE_T_REGISTER_LIST,
	WIRE_T_REGISTER_DELETE,
	WIRE_T_FS_OPEN,
	WIRE_T_REGION_LIST,
	WIRE_T_NET_CONNECT,
	WIRE_T_ERROR,
	WIRE_T_HELLO_OK,
	WIRE_T_PING_OK,
	WIRE_T_LOG_OK,
	WIRE_T_CAP_LIST_OK,
	WIRE_T_CAP_ATTENUATE_OK,
	WIRE_T_CAP_REVOKE_OK,
	WIRE_T_REGISTER_CREATE_OK,
	WIRE_T_REGISTER_READ_OK,
	WIRE_T_REGISTER_WRITE_OK,
	WIRE_T_REGISTER_CONSUME_OK,
	WIRE_T_REGISTER_LIST_OK,
	WIRE_T_REGISTER_DELETE_OK,
	WIRE_T_FS_OPEN_OK,
	WIRE_T_REGION_LIST_OK,
	WIRE_T_NET_CONNECT_OK,
};

#define N_TYPES (sizeof(all_types) / sizeof(all_types[0]))

static size_t encode(const struct wire_msg *m, uint8_t *buf, size_t size)
{
	size_t len = 0;
	int r = wire_encode(m, buf, size, &len);

	cr_assert_eq(r, 0, "%s: encode failed: %d", wire_type_name(m->type), r);
	cr_assert_geq(len, WIRE_HEADER_SIZE);
	cr_assert_leq(len, WIRE_MAX_FRAME);
	return len;
}

/* decode(encode(m)) == m field by field, and encode(decode(frame)) == frame byte by byte. */
static void expect_round_trip(const struct wire_msg *m)
{
	uint8_t a[WIRE_MAX_FRAME], b[WIRE_MAX_FRAME];
	struct wire_msg back;
	struct err_ctx e = {0};
	size_t la = encode(m, a, sizeof(a)), lb;

	cr_assert_eq(wire_decode(a, la, &back, &e), 0, "%s: %s", wire_type_name(m->type), e.msg);
	cr_expect_eq(back.type, m->type);
	cr_expect_eq(back.request_id, m->request_id);
	cr_expect(wire_msg_equal(&back, m), "%s: decoded message differs", wire_type_name(m->type));
	lb = encode(&back, b, sizeof(b));
	cr_expect_eq(lb, la);
	cr_expect_arr_eq(a, b, la, "%s: re-encoding differs", wire_type_name(m->type));
}

static void expect_sample_round_trip(enum wire_type t)
{
	struct wire_msg m = sample(t);

	expect_round_trip(&m);
}

/* ---- round trips: one per type ---- */

Test(wire_round_trip, hello)
{
	expect_sample_round_trip(WIRE_T_HELLO);
}
Test(wire_round_trip, ping)
{
	expect_sample_round_trip(WIRE_T_PING);
}
Test(wire_round_trip, log)
{
	expect_sample_round_trip(WIRE_T_LOG);
}
Test(wire_round_trip, cap_list)
{
	expect_sample_round_trip(WIRE_T_CAP_LIST);
}
Test(wire_round_trip, cap_attenuate)
{
	expect_sample_round_trip(WIRE_T_CAP_ATTENUATE);
}
Test(wire_round_trip, cap_revoke)
{
	expect_sample_round_trip(WIRE_T_CAP_REVOKE);
}
Test(wire_round_trip, register_create)
{
	expect_sample_round_trip(WIRE_T_REGISTER_CREATE);
}
Test(wire_round_trip, register_read)
{
	expect_sample_round_trip(WIRE_T_REGISTER_READ);
}
Test(wire_round_trip, register_write)
{
	expect_sample_round_trip(WIRE_T_REGISTER_WRITE);
}
Test(wire_round_trip, register_consume)
{
	expect_sample_round_trip(WIRE_T_REGISTER_CONSUME);
}
Test(wire_round_trip, register_list)
{
	expect_sample_round_trip(WIRE_T_REGISTER_LIST);
}
Test(wire_round_trip, register_delete)
{
	expect_sample_round_trip(WIRE_T_REGISTER_DELETE);
}
Test(wire_round_trip, fs_open)
{
	expect_sample_round_trip(WIRE_T_FS_OPEN);
}
Test(wire_round_trip, region_list)
{
	expect_sample_round_trip(WIRE_T_REGION_LIST);
}
Test(wire_round_trip, error)
{
	expect_sample_round_trip(WIRE_T_ERROR);
}
Test(wire_round_trip, hello_ok)
{
	expect_sample_round_trip(WIRE_T_HELLO_OK);
}
Test(wire_round_trip, ping_ok)
{
	expect_sample_round_trip(WIRE_T_PING_OK);
}
Test(wire_round_trip, log_ok)
{
	expect_sample_round_trip(WIRE_T_LOG_OK);
}
Test(wire_round_trip, cap_list_ok)
{
	expect_sample_round_trip(WIRE_T_CAP_LIST_OK);
}
Test(wire_round_trip, cap_attenuate_ok)
{
	expect_sample_round_trip(WIRE_T_CAP_ATTENUATE_OK);
}
Test(wire_round_trip, cap_revoke_ok)
{
	expect_sample_round_trip(WIRE_T_CAP_REVOKE_OK);
}
Test(wire_round_trip, register_create_ok)
{
	expect_sample_round_trip(WIRE_T_REGISTER_CREATE_OK);
}
Test(wire_round_trip, register_read_ok)
{
	expect_sample_round_trip(WIRE_T_REGISTER_READ_OK);
}
Test(wire_round_trip, register_write_ok)
{
	expect_sample_round_trip(WIRE_T_REGISTER_WRITE_OK);
}
Test(wire_round_trip, register_consume_ok)
{
	expect_sample_round_trip(WIRE_T_REGISTER_CONSUME_OK);
}
Test(wire_round_trip, register_list_ok)
{
	expect_sample_round_trip(WIRE_T_REGISTER_LIST_OK);
}
Test(wire_round_trip, register_delete_ok)
{
	expect_sample_round_trip(WIRE_T_REGISTER_DELETE_OK);
}
Test(wire_round_trip, fs_open_ok)
{
	expect_sample_round_trip(WIRE_T_FS_OPEN_OK);
}
Test(wire_round_trip, region_list_ok)
{
	expect_sample_round_trip(WIRE_T_REGION_LIST_OK);
}

Test(wire_round_trip, every_error_code_in_an_error_reply)
{
	for (int code = 1; code < _WIRE_E_MAX; code++) {
		struct wire_msg m = sample(WIRE_T_ERROR);

		if (strcmp(wire_error_name((enum wire_error)code), "unknown") == 0)
			continue;
		m.u.error.code = (enum wire_error)code;
		expect_round_trip(&m);
	}
}

Test(wire_round_trip, full_list_of_max_entries)
{
	struct wire_msg m = {.type = WIRE_T_REGISTER_LIST_OK};

	m.u.reg_list_ok.count = WIRE_MAX_ENTRIES;
	for (int i = 0; i < WIRE_MAX_ENTRIES; i++)
		m.u.reg_list_ok.entries[i] = (struct wire_reg_entry){STR("r"), (uint64_t)i, 1, 0};
	expect_round_trip(&m);
}

Test(wire_round_trip, value_of_max_inline_size)
{
	static uint8_t big[WIRE_MAX_INLINE];
	struct wire_msg m = sample(WIRE_T_REGISTER_CREATE);

	memset(big, 0x5a, sizeof(big));
	m.u.reg_create.value.data = (struct wire_bytes){big, WIRE_MAX_INLINE};
	expect_round_trip(&m);
}

Test(wire_round_trip, utf8_names_of_every_sequence_length)
{
	struct wire_msg m = sample(WIRE_T_REGISTER_DELETE);

	m.u.reg_delete.name = STR("a\xc3\xa9\xe6\x97\xa5\xf0\x9f\x94\x91"); /* a, é, 日, 🔑 */
	expect_round_trip(&m);
}

Test(wire_round_trip, region_range_ending_exactly_at_the_limit)
{
	struct wire_msg m = sample(WIRE_T_REGISTER_READ);

	m.u.reg_read.sink.region.offset = WIRE_REGION_END_MAX - 10;
	m.u.reg_read.sink.region.length = 10;
	expect_round_trip(&m);
}

Test(wire_round_trip, frame_of_exactly_max_size)
{
	static char name[WIRE_MAX_NAME];
	struct wire_msg m = {.type = WIRE_T_REGISTER_LIST_OK};
	uint8_t buf[WIRE_MAX_FRAME + 1];
	size_t len = 0;

	/* 20 + 3 + 14 * (19 + 255) + (19 + 218) = 4096 */
	memset(name, 'n', sizeof(name));
	m.u.reg_list_ok.count = 15;
	for (int i = 0; i < 15; i++)
		m.u.reg_list_ok.entries[i] = (struct wire_reg_entry){{name, i < 14 ? 255 : 218}};
	cr_assert_eq(wire_encode(&m, buf, sizeof(buf), &len), 0);
	cr_expect_eq(len, WIRE_MAX_FRAME);
	expect_round_trip(&m);
	m.u.reg_list_ok.entries[14].name.len = 219;
	cr_expect_eq(wire_encode(&m, buf, sizeof(buf), &len), -EMSGSIZE, "4097 bytes encoded");
}

/* ---- the exact bytes ---- */

Test(wire_format, ping_header_bytes_are_little_endian)
{
	struct wire_msg m = {.type = WIRE_T_PING, .request_id = 0x01020304};
	const uint8_t want[WIRE_HEADER_SIZE] = {'V', 'M', 'S', 'B', 1, 0, 0x02, 0x00, 0, 0,
						0,   0,	  4,   3,   2, 1, 0,	0,    0, 0};
	uint8_t buf[64];

	cr_assert_eq(encode(&m, buf, sizeof(buf)), WIRE_HEADER_SIZE);
	cr_expect_arr_eq(buf, want, WIRE_HEADER_SIZE);
}

Test(wire_format, register_write_payload_layout)
{
	struct wire_msg m = sample(WIRE_T_REGISTER_WRITE);
	uint8_t buf[WIRE_MAX_FRAME];
	size_t len = encode(&m, buf, sizeof(buf));
	struct pb p;

	pb_header(&p, WIRE_T_REGISTER_WRITE);
	put_le(p.b + 12, 0xdeadbeef, 4);
	pb_raw(&p, tok.bytes, 16);
	pb_str(&p, "demo/counter", 12);
	pb_le(&p, 9, 8);
	pb_u8(&p, WIRE_VALUE_REGION);
	pb_le(&p, 3, 4);
	pb_le(&p, 4096, 8);
	pb_le(&p, 1u << 20, 8);
	pb_seal(&p);
	cr_assert_eq(len, p.n);
	cr_expect_arr_eq(buf, p.b, len);
}

/* ---- malformed frames: header ---- */

Test(wire_decode, rejects_an_empty_datagram)
{
	struct wire_msg m;
	struct err_ctx e = {0};

	cr_expect_eq(wire_decode(NULL, 0, &m, &e), -WIRE_E_TRUNCATED);
}

Test(wire_decode, rejects_a_short_header)
{
	struct pb p;

	pb_header(&p, WIRE_T_PING);
	p.n = WIRE_HEADER_SIZE - 1;
	expect_error(&p, WIRE_E_TRUNCATED);
}

Test(wire_decode, rejects_a_bad_magic)
{
	struct pb p;

	pb_header(&p, WIRE_T_PING);
	p.b[3] = 'X';
	expect_error(&p, WIRE_E_MAGIC);
}

Test(wire_decode, rejects_a_byte_swapped_magic)
{
	struct pb p;

	pb_header(&p, WIRE_T_PING);
	put_le(p.b, 0x564d5342, 4); /* "BSMV" */
	expect_error(&p, WIRE_E_MAGIC);
}

Test(wire_decode, rejects_other_versions)
{
	const uint16_t bad[] = {0, 2, 0x0100, 0xffff};
	struct pb p;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pb_header(&p, WIRE_T_PING);
		put_le(p.b + 4, bad[i], 2);
		expect_error(&p, WIRE_E_VERSION);
	}
}

Test(wire_decode, rejects_unknown_types)
{
	const uint16_t bad[] = {0x0000, 0x0004, 0x0013, 0x0041, 0x0100, 0x7fff, 0x8004, 0xffff};
	struct pb p;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pb_header(&p, bad[i]);
		expect_error(&p, WIRE_E_TYPE);
	}
}

Test(wire_decode, rejects_any_flag_bit)
{
	struct pb p;

	for (int bit = 0; bit < 16; bit++) {
		pb_header(&p, WIRE_T_PING);
		put_le(p.b + 8, 1u << bit, 2);
		expect_error(&p, WIRE_E_FLAGS);
	}
}

Test(wire_decode, rejects_a_nonzero_reserved_field)
{
	struct pb p;

	pb_header(&p, WIRE_T_PING);
	put_le(p.b + 10, 0x8000, 2);
	expect_error(&p, WIRE_E_RESERVED);
}

Test(wire_decode, rejects_a_payload_length_beyond_the_datagram)
{
	struct pb p;

	pb_reg_delete(&p, "a", 1);
	put_le(p.b + 16, p.n - WIRE_HEADER_SIZE + 1, 4);
	expect_error(&p, WIRE_E_LENGTH);
	put_le(p.b + 16, UINT32_MAX, 4);
	expect_error(&p, WIRE_E_LENGTH);
}

Test(wire_decode, rejects_a_payload_length_short_of_the_datagram)
{
	struct pb p;

	pb_reg_delete(&p, "a", 1);
	put_le(p.b + 16, p.n - WIRE_HEADER_SIZE - 1, 4);
	expect_error(&p, WIRE_E_LENGTH);
}

Test(wire_decode, rejects_a_frame_larger_than_the_maximum)
{
	struct pb p;

	pb_header(&p, WIRE_T_LOG);
	pb_u8(&p, WIRE_LOG_INFO);
	pb_le(&p, WIRE_MAX_FRAME, 2);
	while (p.n < WIRE_MAX_FRAME + 1)
		pb_u8(&p, 'x');
	pb_seal(&p);
	expect_error(&p, WIRE_E_TOO_BIG);
}

Test(wire_decode, too_big_is_reported_as_emsgsize)
{
	static uint8_t buf[WIRE_MAX_FRAME + 1];
	struct wire_msg m;
	struct err_ctx e = {0};

	cr_expect_eq(wire_decode(buf, sizeof(buf), &m, &e), -WIRE_E_TOO_BIG);
	cr_expect_eq(e.code, EMSGSIZE);
}

/* ---- malformed frames: payload ---- */

Test(wire_decode, rejects_trailing_bytes)
{
	struct pb p;

	pb_header(&p, WIRE_T_PING);
	pb_u8(&p, 0);
	pb_seal(&p);
	expect_error(&p, WIRE_E_TRAILING);
	pb_header(&p, WIRE_T_REGISTER_DELETE);
	pb_token(&p);
	pb_str(&p, "a", 1);
	pb_le(&p, 3, 8);
	pb_u8(&p, 0);
	pb_seal(&p);
	expect_error(&p, WIRE_E_TRAILING);
}

Test(wire_decode, rejects_a_string_length_past_the_end)
{
	struct pb p;

	pb_header(&p, WIRE_T_REGISTER_DELETE);
	pb_token(&p);
	pb_le(&p, 200, 2);
	pb_raw(&p, "abc", 3);
	pb_seal(&p);
	expect_error(&p, WIRE_E_TRUNCATED);
}

Test(wire_decode, rejects_a_fixed_field_cut_short)
{
	struct pb p;

	pb_header(&p, WIRE_T_REGISTER_DELETE);
	pb_token(&p);
	pb_str(&p, "a", 1);
	pb_le(&p, 3, 4); /* half a u64 */
	pb_seal(&p);
	expect_error(&p, WIRE_E_TRUNCATED);
}

Test(wire_decode, rejects_a_name_with_nul)
{
	struct pb p;

	pb_reg_delete(&p, "demo\0x", 6);
	expect_error(&p, WIRE_E_STRING);
}

Test(wire_decode, rejects_names_with_control_characters)
{
	const char *bad[] = {"a\nb",
			     "a\rb",
			     "a\tb",
			     "\x1b[2J",
			     "a\x7f",
			     "a\xc2\x9b"
			     "31m"};
	struct pb p;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pb_reg_delete(&p, bad[i], strlen(bad[i]));
		expect_error(&p, WIRE_E_STRING);
	}
}

Test(wire_decode, rejects_ill_formed_utf8)
{
	const char *bad[] = {
		"\x80",		    /* lone continuation */
		"\xc3",		    /* cut sequence */
		"\xc0\xaf",	    /* overlong '/' */
		"\xe0\x80\xaf",	    /* overlong '/' */
		"\xed\xa0\x80",	    /* surrogate */
		"\xf4\x90\x80\x80", /* above U+10FFFF */
		"\xff",
	};
	struct pb p;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pb_reg_delete(&p, bad[i], strlen(bad[i]));
		expect_error(&p, WIRE_E_STRING);
	}
}

Test(wire_decode, rejects_bidi_overrides_and_line_separators)
{
	const char *bad[] = {"a\xe2\x80\xaeZ", "a\xe2\x81\xa6Z", "a\xe2\x80\xa8Z"};
	struct pb p;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pb_reg_delete(&p, bad[i], strlen(bad[i]));
		expect_error(&p, WIRE_E_STRING);
	}
}

Test(wire_decode, rejects_an_empty_name)
{
	struct pb p;

	pb_reg_delete(&p, "", 0);
	expect_error(&p, WIRE_E_STRING);
}

Test(wire_decode, rejects_a_name_over_the_maximum)
{
	static char name[WIRE_MAX_NAME + 1];
	struct wire_msg m;
	struct pb p;

	memset(name, 'n', sizeof(name));
	pb_reg_delete(&p, name, WIRE_MAX_NAME);
	expect_decodes(&p, &m);
	pb_reg_delete(&p, name, WIRE_MAX_NAME + 1);
	expect_error(&p, WIRE_E_TOO_LONG);
}

Test(wire_decode, rejects_an_inline_value_over_the_maximum)
{
	static char big[WIRE_MAX_INLINE + 1];
	struct pb p;

	pb_header(&p, WIRE_T_REGISTER_CREATE);
	pb_token(&p);
	pb_str(&p, "a", 1);
	pb_u8(&p, WIRE_VALUE_INLINE);
	pb_str(&p, big, sizeof(big));
	pb_seal(&p);
	expect_error(&p, WIRE_E_TOO_LONG);
}

Test(wire_decode, log_text_may_hold_a_tab_but_not_a_newline)
{
	struct wire_msg m;
	struct pb p;

	pb_header(&p, WIRE_T_LOG);
	pb_u8(&p, WIRE_LOG_WARN);
	pb_str(&p, "a\tb", 3);
	pb_seal(&p);
	expect_decodes(&p, &m);
	p.b[p.n - 2] = '\n';
	expect_error(&p, WIRE_E_STRING);
}

static void pb_list_ok_header(struct pb *p, uint16_t count)
{
	pb_header(p, WIRE_T_REGISTER_LIST_OK);
	pb_u8(p, 0);
	pb_le(p, count, 2);
}

static void pb_reg_entry(struct pb *p)
{
	pb_str(p, "x", 1);
	pb_le(p, 1, 8);
	pb_le(p, 1, 8);
	pb_u8(p, 0);
}

Test(wire_decode, rejects_a_count_over_the_maximum)
{
	struct pb p;

	pb_list_ok_header(&p, WIRE_MAX_ENTRIES + 1);
	for (int i = 0; i < WIRE_MAX_ENTRIES + 1; i++)
		pb_reg_entry(&p);
	pb_seal(&p);
	expect_error(&p, WIRE_E_TOO_MANY);
	pb_list_ok_header(&p, UINT16_MAX);
	pb_seal(&p);
	expect_error(&p, WIRE_E_TOO_MANY);
}

Test(wire_decode, rejects_a_count_larger_than_the_entries_present)
{
	struct pb p;

	pb_list_ok_header(&p, 3);
	pb_reg_entry(&p);
	pb_reg_entry(&p);
	pb_seal(&p);
	expect_error(&p, WIRE_E_TRUNCATED);
}

static void pb_read_into(struct pb *p, uint64_t offset, uint64_t length)
{
	pb_header(p, WIRE_T_REGISTER_READ);
	pb_token(p);
	pb_str(p, "a", 1);
	pb_u8(p, WIRE_VALUE_REGION);
	pb_le(p, 1, 4);
	pb_le(p, offset, 8);
	pb_le(p, length, 8);
	pb_seal(p);
}

Test(wire_decode, rejects_a_region_range_that_overflows)
{
	struct pb p;

	pb_read_into(&p, UINT64_MAX - 1, 2); /* wraps to 0 in 64 bits */
	expect_error(&p, WIRE_E_RANGE);
	pb_read_into(&p, 1, UINT64_MAX);
	expect_error(&p, WIRE_E_RANGE);
}

Test(wire_decode, rejects_a_region_range_past_off_t)
{
	struct pb p;

	pb_read_into(&p, (uint64_t)INT64_MAX + 1, 0);
	expect_error(&p, WIRE_E_RANGE);
	pb_read_into(&p, 1, INT64_MAX);
	expect_error(&p, WIRE_E_RANGE);
}

Test(wire_decode, rejects_an_unknown_value_kind)
{
	struct pb p;

	pb_header(&p, WIRE_T_REGISTER_CREATE);
	pb_token(&p);
	pb_str(&p, "a", 1);
	pb_u8(&p, 2);
	pb_str(&p, "v", 1);
	pb_seal(&p);
	expect_error(&p, WIRE_E_MALFORMED);
}

Test(wire_decode, rejects_a_boolean_other_than_0_or_1)
{
	struct pb p;

	pb_header(&p, WIRE_T_REGISTER_LIST_OK);
	pb_u8(&p, 2);
	pb_le(&p, 0, 2);
	pb_seal(&p);
	expect_error(&p, WIRE_E_MALFORMED);
}

Test(wire_decode, rejects_unknown_rights_bits)
{
	struct pb p;

	pb_header(&p, WIRE_T_CAP_ATTENUATE);
	pb_token(&p);
	pb_le(&p, WIRE_RIGHT_READ | (1u << 6), 4);
	pb_le(&p, 0, 8);
	pb_le(&p, 0, 4);
	pb_seal(&p);
	expect_error(&p, WIRE_E_MALFORMED);
}

Test(wire_decode, rejects_an_unknown_log_level)
{
	struct pb p;

	pb_header(&p, WIRE_T_LOG);
	pb_u8(&p, _WIRE_LOG_LEVEL_MAX);
	pb_str(&p, "x", 1);
	pb_seal(&p);
	expect_error(&p, WIRE_E_MALFORMED);
}

Test(wire_decode, rejects_an_unknown_error_code)
{
	const uint32_t bad[] = {0, 15, 31, _WIRE_E_MAX, UINT32_MAX};
	struct pb p;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pb_header(&p, WIRE_T_ERROR);
		pb_le(&p, bad[i], 4);
		pb_str(&p, "", 0);
		pb_seal(&p);
		expect_error(&p, WIRE_E_MALFORMED);
	}
}

static void pb_fs_open(struct pb *p, uint32_t flags, uint32_t mode)
{
	pb_header(p, WIRE_T_FS_OPEN);
	pb_token(p);
	pb_le(p, flags, 4);
	pb_le(p, mode, 4);
	pb_str(p, "/data", 5);
	pb_str(p, "f", 1);
	pb_seal(p);
}

Test(wire_decode, rejects_inconsistent_open_flags)
{
	const uint32_t bad[] = {
		0,
		WIRE_OPEN_DIRECTORY,
		WIRE_OPEN_READ | WIRE_OPEN_CREATE,
		WIRE_OPEN_READ | WIRE_OPEN_TRUNC,
		WIRE_OPEN_READ | WIRE_OPEN_APPEND,
		WIRE_OPEN_WRITE | WIRE_OPEN_EXCL,
		WIRE_OPEN_WRITE | WIRE_OPEN_DIRECTORY,
		WIRE_OPEN_READ | (1u << 7),
	};
	struct pb p;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pb_fs_open(&p, bad[i], 0);
		expect_error(&p, WIRE_E_MALFORMED);
	}
}

Test(wire_decode, rejects_set_id_modes_and_modes_without_create)
{
	struct wire_msg m;
	struct pb p;

	pb_fs_open(&p, WIRE_OPEN_WRITE | WIRE_OPEN_CREATE, 0644);
	expect_decodes(&p, &m);
	pb_fs_open(&p, WIRE_OPEN_WRITE | WIRE_OPEN_CREATE, 04755);
	expect_error(&p, WIRE_E_MALFORMED);
	pb_fs_open(&p, WIRE_OPEN_READ, 0644);
	expect_error(&p, WIRE_E_MALFORMED);
}

static void pb_net_connect(struct pb *p, uint32_t port, const char *address)
{
	pb_header(p, WIRE_T_NET_CONNECT);
	pb_token(p);
	pb_le(p, port, 2);
	pb_str(p, address, strlen(address));
	pb_seal(p);
}

Test(wire_decode, net_connect_takes_numeric_addresses_and_nonzero_ports)
{
	static const char *const good[] = {"127.0.0.1", "::1", "fe80::1:AbCd", "10.0.0.255"};
	static const char *const bad[] = {"localhost",	  "127.0.0.1 ", "[::1]",
					  "1.2.3.4%eth0", "::1/128",	"a\x01"};
	struct wire_msg m;
	struct pb p;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		pb_net_connect(&p, 443, good[i]);
		expect_decodes(&p, &m);
		cr_assert_eq(m.u.net_connect.port, 443);
		cr_assert_eq(m.u.net_connect.address.len, strlen(good[i]));
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pb_net_connect(&p, 443, bad[i]);
		expect_error(&p, WIRE_E_STRING);
	}
	pb_net_connect(&p, 0, "127.0.0.1");
	expect_error(&p, WIRE_E_MALFORMED);
	pb_net_connect(&p, 443, "");
	expect_error(&p, WIRE_E_STRING);
	pb_net_connect(&p, 443, "0000:0000:0000:0000:0000:0000:0000:0000:0000:00001");
	expect_error(&p, WIRE_E_TOO_LONG);
}

Test(wire_decode, rejects_uses_left_on_an_unlimited_capability)
{
	struct pb p;

	pb_header(&p, WIRE_T_CAP_ATTENUATE_OK);
	pb_token(&p);
	pb_u8(&p, WIRE_CAP_REGISTER);
	pb_le(&p, WIRE_RIGHT_READ, 4);
	pb_le(&p, 0, 8);
	pb_u8(&p, 0);
	pb_le(&p, 5, 4);
	pb_str(&p, "a", 1);
	pb_seal(&p);
	expect_error(&p, WIRE_E_MALFORMED);
}

Test(wire_decode, rejects_a_region_descriptor_above_int_max)
{
	struct pb p;

	pb_header(&p, WIRE_T_REGION_LIST_OK);
	pb_le(&p, 0, 4);
	pb_le(&p, 1, 2);
	pb_le(&p, 1, 4);
	pb_u8(&p, WIRE_REGION_R);
	pb_le(&p, 4096, 8);
	pb_le(&p, 0x80000000u, 4);
	pb_str(&p, "r", 1);
	pb_seal(&p);
	expect_error(&p, WIRE_E_MALFORMED);
}

/* ---- decoder contract ---- */

Test(wire_decode, every_cut_of_every_valid_frame_is_rejected)
{
	uint8_t buf[WIRE_MAX_FRAME];

	for (size_t t = 0; t < N_TYPES; t++) {
		struct wire_msg m = sample(all_types[t]), out;
		size_t len = encode(&m, buf, sizeof(buf));

		/* Datagram cut short, header unchanged: the length checks catch it. */
		for (size_t cut = 0; cut < len; cut++) {
			struct err_ctx e = {0};
			int r = wire_decode(buf, cut, &out, &e);

			cr_expect(r == -WIRE_E_TRUNCATED || r == -WIRE_E_LENGTH,
				  "%s cut at %zu: %d", wire_type_name(m.type), cut, r);
		}
	}
}

Test(wire_decode, every_payload_cut_with_a_matching_length_is_rejected)
{
	uint8_t buf[WIRE_MAX_FRAME];

	for (size_t t = 0; t < N_TYPES; t++) {
		struct wire_msg m = sample(all_types[t]), out;
		size_t len = encode(&m, buf, sizeof(buf));

		for (size_t cut = WIRE_HEADER_SIZE; cut < len; cut++) {
			struct err_ctx e = {0};
			int r;

			put_le(buf + 16, cut - WIRE_HEADER_SIZE, 4);
			r = wire_decode(buf, cut, &out, &e);
			cr_expect_lt(r, 0, "%s cut at %zu decoded", wire_type_name(m.type), cut);
		}
	}
}

Test(wire_decode, clears_the_message_on_failure)
{
	struct wire_msg m, zero;
	struct pb p;

	memset(&zero, 0, sizeof(zero));
	pb_header(&p, WIRE_T_REGISTER_DELETE);
	pb_token(&p);
	pb_str(&p, "demo/x", 6);
	pb_le(&p, 3, 8);
	pb_u8(&p, 0);
	pb_seal(&p);
	memset(&m, 0x55, sizeof(m));
	cr_assert_eq(decode(&p, &m), -WIRE_E_TRAILING);
	cr_expect_arr_eq(&m, &zero, sizeof(m), "name still points into the rejected frame");
}

Test(wire_decode, error_message_names_the_field_and_not_the_bytes)
{
	struct wire_msg m;
	struct err_ctx e = {0};
	struct pb p;

	pb_reg_delete(&p, "SECRET\x1b", 7);
	cr_assert_eq(wire_decode(p.b, p.n, &m, &e), -WIRE_E_STRING);
	cr_expect_eq(e.code, EBADMSG);
	cr_expect_str_eq(e.msg, "malformed frame (bad_string): register.delete: name at byte 36");
	cr_expect_null(strstr(e.msg, "SECRET"));
}

Test(wire_decode, strings_point_into_the_frame)
{
	struct wire_msg m;
	struct pb p;

	pb_reg_delete(&p, "demo/x", 6);
	expect_decodes(&p, &m);
	cr_expect_eq((const uint8_t *)m.u.reg_delete.name.ptr, p.b + WIRE_HEADER_SIZE + 16 + 2);
	cr_expect_eq(m.u.reg_delete.name.len, 6);
	cr_expect_eq(m.request_id, 7);
}

/* ---- encoder ---- */

Test(wire_encode, rejects_an_unknown_type)
{
	struct wire_msg m = {.type = (enum wire_type)0x0099};
	uint8_t buf[64];
	size_t len;

	cr_expect_eq(wire_encode(&m, buf, sizeof(buf), &len), -EINVAL);
}

Test(wire_encode, rejects_a_buffer_too_small)
{
	struct wire_msg m = sample(WIRE_T_REGISTER_WRITE);
	uint8_t buf[WIRE_MAX_FRAME];
	size_t len = encode(&m, buf, sizeof(buf)), out;

	cr_expect_eq(wire_encode(&m, buf, len - 1, &out), -EMSGSIZE);
	cr_expect_eq(wire_encode(&m, buf, WIRE_HEADER_SIZE - 1, &out), -EMSGSIZE);
	cr_expect_eq(wire_encode(&m, buf, len, &out), 0);
}

Test(wire_encode, refuses_what_the_decoder_would_reject)
{
	uint8_t buf[WIRE_MAX_FRAME];
	struct wire_msg m;
	size_t len;

	m = sample(WIRE_T_REGISTER_DELETE);
	m.u.reg_delete.name = STR("bad\nname");
	cr_expect_eq(wire_encode(&m, buf, sizeof(buf), &len), -EINVAL, "control char");
	m.u.reg_delete.name = (struct wire_str){NULL, 3};
	cr_expect_eq(wire_encode(&m, buf, sizeof(buf), &len), -EINVAL, "NULL with a length");
	m = sample(WIRE_T_REGISTER_LIST_OK);
	m.u.reg_list_ok.count = WIRE_MAX_ENTRIES + 1;
	cr_expect_eq(wire_encode(&m, buf, sizeof(buf), &len), -EINVAL, "count");
	m = sample(WIRE_T_LOG);
	m.u.log.level = (enum wire_log_level)9;
	cr_expect_eq(wire_encode(&m, buf, sizeof(buf), &len), -EINVAL, "enum");
	m = sample(WIRE_T_ERROR);
	m.u.error.code = (enum wire_error)20;
	cr_expect_eq(wire_encode(&m, buf, sizeof(buf), &len), -EINVAL, "error code");
	m = sample(WIRE_T_REGISTER_READ);
	m.u.reg_read.sink.region.offset = UINT64_MAX;
	cr_expect_eq(wire_encode(&m, buf, sizeof(buf), &len), -EINVAL, "range");
	m = sample(WIRE_T_CAP_ATTENUATE);
	m.u.cap_attenuate.rights = 0x40;
	cr_expect_eq(wire_encode(&m, buf, sizeof(buf), &len), -EINVAL, "rights");
}

Test(wire_encode, a_list_that_does_not_fit_asks_for_fewer_entries)
{
	static char name[WIRE_MAX_NAME];
	struct wire_msg m = {.type = WIRE_T_REGISTER_LIST_OK};
	uint8_t buf[2 * WIRE_MAX_FRAME];
	size_t len;

	memset(name, 'n', sizeof(name));
	m.u.reg_list_ok.count = 20;
	for (int i = 0; i < 20; i++)
		m.u.reg_list_ok.entries[i].name = (struct wire_str){name, WIRE_MAX_NAME};
	cr_expect_eq(wire_encode(&m, buf, sizeof(buf), &len), -EMSGSIZE);
	m.u.reg_list_ok.count = 14;
	cr_expect_eq(wire_encode(&m, buf, sizeof(buf), &len), 0);
}

Test(wire_encode, leaves_the_message_unchanged)
{
	struct wire_msg m = sample(WIRE_T_CAP_LIST_OK), before;
	uint8_t buf[WIRE_MAX_FRAME];

	memcpy(&before, &m, sizeof(m));
	encode(&m, buf, sizeof(buf));
	cr_expect_arr_eq(&m, &before, sizeof(m));
}

/* ---- names and helpers ---- */

Test(wire_names, every_error_code_has_a_distinct_name)
{
	const char *seen[_WIRE_E_MAX] = {0};
	int named = 0;

	for (int c = 1; c < _WIRE_E_MAX; c++) {
		const char *n = wire_error_name((enum wire_error)c);

		if (strcmp(n, "unknown") == 0)
			continue;
		for (int j = 1; j < c; j++)
			cr_expect(!seen[j] || strcmp(seen[j], n) != 0, "%s twice", n);
		seen[c] = n;
		named++;
	}
	cr_expect_eq(named, 14 + 19);
	cr_expect_str_eq(wire_error_name((enum wire_error)0), "unknown");
	cr_expect_str_eq(wire_error_name(_WIRE_E_MAX), "unknown");
	cr_expect_str_eq(wire_error_name(WIRE_E_NO_CAPABILITY), "no_capability");
}

Test(wire_names, every_type_has_a_distinct_name)
{
	for (size_t i = 0; i < N_TYPES; i++) {
		const char *n = wire_type_name(all_types[i]);

		cr_expect_str_neq(n, "unknown");
		for (size_t j = 0; j < i; j++)
			cr_expect_str_neq(n, wire_type_name(all_types[j]));
	}
	cr_expect_str_eq(wire_type_name(WIRE_T_REGISTER_WRITE_OK), "register.write.ok");
	cr_expect_str_eq(wire_type_name((enum wire_type)0x0099), "unknown");
}

Test(wire_names, replies_are_requests_with_the_reply_bit)
{
	for (size_t i = 0; i < N_TYPES; i++) {
		enum wire_type t = all_types[i];
		char want[64];

		if (wire_type_is_reply(t) || t == WIRE_T_ERROR)
			continue;
		snprintf(want, sizeof(want), "%s.ok", wire_type_name(t));
		cr_expect_str_eq(wire_type_name((enum wire_type)(t | WIRE_T_REPLY)), want);
	}
	cr_expect(wire_type_is_reply(WIRE_T_ERROR));
	cr_expect(!wire_type_is_reply(WIRE_T_PING));
}

Test(wire_names, decoder_errors_are_protocol_errors)
{
	cr_expect(wire_error_is_protocol(WIRE_E_MALFORMED));
	cr_expect(wire_error_is_protocol(WIRE_E_TRAILING));
	cr_expect(!wire_error_is_protocol(WIRE_E_DENIED_POLICY));
	cr_expect(!wire_error_is_protocol(WIRE_E_CONFLICT));
}

Test(wire_text_clean, replaces_controls_and_bad_bytes)
{
	char s[] = "bad\nname \x1b[1m \xff ok\t\xe2\x80\xae";

	cr_expect_eq(wire_text_clean(s, 255), strlen(s));
	cr_expect_str_eq(s, "bad?name ?[1m ? ok\t???");
}

Test(wire_text_clean, cuts_at_a_character_boundary)
{
	char s[] = "ab\xc3\xa9"; /* "abé": 4 bytes */

	cr_expect_eq(wire_text_clean(s, 3), 2);
	cr_expect_str_eq(s, "ab");
}

Test(wire_text_clean, output_is_accepted_in_an_error_reply)
{
	char s[400];
	struct wire_msg m = {.type = WIRE_T_ERROR, .u.error.code = WIRE_E_IO};
	uint8_t buf[WIRE_MAX_FRAME];
	size_t len;

	for (size_t i = 0; i < sizeof(s) - 1; i++)
		s[i] = (char)(1 + i % 255);
	s[sizeof(s) - 1] = '\0';
	m.u.error.message.len = (uint16_t)wire_text_clean(s, WIRE_MAX_ERROR_MSG);
	m.u.error.message.ptr = s;
	cr_expect_eq(wire_encode(&m, buf, sizeof(buf), &len), 0);
}

Test(wire_msg_equal, sees_a_different_byte_in_a_string)
{
	struct wire_msg a = sample(WIRE_T_REGISTER_DELETE), b = a;

	cr_expect(wire_msg_equal(&a, &b));
	b.u.reg_delete.name = STR("demo/olD");
	cr_expect(!wire_msg_equal(&a, &b));
	b = a;
	b.request_id++;
	cr_expect(!wire_msg_equal(&a, &b));
}

/*
 * wire_msg_size covers every byte a type uses: decoding into a message
 * whose tail beyond it is garbage, and encoding a message whose tail is
 * garbage, both give the same frame and message as with clean memory.
 */
Test(wire_msg_size, covers_what_each_type_uses)
{
	for (size_t i = 0; i < N_TYPES; i++) {
		struct wire_msg m = sample(all_types[i]), *dirty = malloc(sizeof(*dirty));
		uint8_t a[WIRE_MAX_FRAME], b[WIRE_MAX_FRAME];
		size_t used = wire_msg_size(all_types[i]), la, lb;
		struct err_ctx e = {0};

		cr_assert_not_null(dirty);
		cr_assert_leq(used, sizeof(m));
		cr_assert_geq(used, offsetof(struct wire_msg, u));
		la = encode(&m, a, sizeof(a));
		memset(dirty, 0xa5, sizeof(*dirty));
		memcpy(dirty, &m, used);
		lb = encode(dirty, b, sizeof(b));
		cr_expect_eq(la, lb, "%s", wire_type_name(all_types[i]));
		cr_expect_arr_eq(a, b, la, "%s", wire_type_name(all_types[i]));
		memset(dirty, 0xa5, sizeof(*dirty));
		cr_assert_eq(wire_decode(a, la, dirty, &e), 0, "%s", e.msg);
		cr_expect(wire_msg_equal(dirty, &m), "%s", wire_type_name(all_types[i]));
		free(dirty);
	}
	cr_expect_eq(wire_msg_size((enum wire_type)0x7777), sizeof(struct wire_msg));
}
