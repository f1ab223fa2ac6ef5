/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the broker frame decoder: arbitrary bytes, as a hostile
 * instance could send them, in one datagram. Built and run by scripts/fuzz.sh
 * with ASan and UBSan, so any read outside the frame is a crash.
 *
 * Besides "does not crash", it checks the codec's contract:
 *  - failure returns a protocol error code (1..31), an errno of EBADMSG or
 *    EMSGSIZE and a one-line message without control characters, and leaves
 *    the message zeroed (nothing half-decoded points into the frame);
 *  - success means the encoder accepts the message and gives back exactly the
 *    input bytes (one encoding per message), which decodes to an equal message.
 *
 * Built with -DFUZZ_WIRE_SEEDS instead, it is the program that wrote the seed
 * corpus: one valid frame of every type and some malformed ones.
 *   cc -std=gnu11 -I. -D_GNU_SOURCE -DFUZZ_WIRE_SEEDS tests/fuzz/fuzz_wire.c \
 *      common/wire.c common/wire_equal.c common/err.c -o /tmp/seeds
 *   /tmp/seeds tests/fuzz/corpus/wire
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_wire: %s: %s\n", what, detail ? detail : "");
	abort();
}

static void check_error(int r, const struct err_ctx *err, const struct wire_msg *m)
{
	static const struct wire_msg zero;
	size_t len = strnlen(err->msg, sizeof(err->msg));
	size_t i;

	if (!wire_error_is_protocol((enum wire_error)(-r)))
		fuzz_fail("decode failed with a code that is not a protocol error", err->msg);
	if (strcmp(wire_error_name((enum wire_error)(-r)), "unknown") == 0)
		fuzz_fail("decode failed with an unnamed code", err->msg);
	if (err->code != EBADMSG && err->code != EMSGSIZE)
		fuzz_fail("decode error is neither EBADMSG nor EMSGSIZE", err->msg);
	if (len == 0 || len == sizeof(err->msg))
		fuzz_fail("error message empty or not terminated", NULL);
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)err->msg[i];

		if (ch < 0x20 || ch >= 0x7f)
			fuzz_fail("control or non-ASCII byte in the error message", err->msg);
	}
	if (memcmp(m, &zero, sizeof(zero)) != 0)
		fuzz_fail("a failed decode left the message filled", err->msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[WIRE_MAX_FRAME];
	struct wire_msg m, again;
	struct err_ctx err = {0};
	size_t len = 0;
	int r;

	r = wire_decode(data, size, &m, &err);
	if (r < 0) {
		check_error(r, &err, &m);
		return 0;
	}
	if (r != 0)
		fuzz_fail("decode returned a positive value", NULL);
	r = wire_encode(&m, out, sizeof(out), &len);
	if (r < 0)
		fuzz_fail("a decoded message does not encode", wire_type_name(m.type));
	if (len != size || memcmp(out, data, size) != 0)
		fuzz_fail("encode(decode(frame)) is not the frame", wire_type_name(m.type));
	if (wire_decode(out, len, &again, &err) != 0)
		fuzz_fail("a re-encoded frame does not decode", err.msg);
	if (!wire_msg_equal(&m, &again))
		fuzz_fail("decode(encode(m)) differs from m", wire_type_name(m.type));
	return 0;
}

#ifdef FUZZ_WIRE_SEEDS
/* ---- seed corpus writer (not part of the fuzz target) ---- */

#define S(s) ((struct wire_str){.ptr = (s), .len = sizeof(s) - 1})

static const struct wire_token tok = {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}};

static void write_file(const char *dir, const char *name, const uint8_t *buf, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wbe");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static size_t emit(const char *dir, const struct wire_msg *m, uint8_t *buf)
{
	char name[96];
	size_t len;

	if (wire_encode(m, buf, WIRE_MAX_FRAME, &len) != 0) {
		fprintf(stderr, "cannot encode %s\n", wire_type_name(m->type));
		exit(1);
	}
	snprintf(name, sizeof(name), "ok-%s", wire_type_name(m->type));
	write_file(dir, name, buf, len);
	return len;
}

static void fill_requests(struct wire_msg *m, size_t *n)
{
	const struct wire_value inl = {WIRE_VALUE_INLINE, {(const uint8_t *)"v\0\xff", 3}};
	const struct wire_region_ref ref = {2, 64, 4096};

	m[(*n)++] = (struct wire_msg){WIRE_T_HELLO, 1};
	m[(*n)++] = (struct wire_msg){WIRE_T_PING, 2};
	m[(*n)++] = (struct wire_msg){WIRE_T_LOG, 3,
				      .u.log = {WIRE_LOG_INFO, S("hello\tw\xc3\xb6rld")}};
	m[(*n)++] = (struct wire_msg){WIRE_T_CAP_LIST, 4, .u.cursor = {1}};
	m[(*n)++] = (struct wire_msg){WIRE_T_CAP_ATTENUATE, 5,
				      .u.cap_attenuate = {tok, WIRE_RIGHT_READ, 1000, 3}};
	m[(*n)++] = (struct wire_msg){WIRE_T_CAP_REVOKE, 6, .u.cap_revoke = {tok}};
	m[(*n)++] = (struct wire_msg){WIRE_T_REGISTER_CREATE, 7,
				      .u.reg_create = {tok, S("demo/a"), inl}};
	m[(*n)++] = (struct wire_msg){WIRE_T_REGISTER_READ, 8,
				      .u.reg_read = {tok, S("demo/a"), {WIRE_VALUE_REGION, ref}}};
	m[(*n)++] = (struct wire_msg){
		WIRE_T_REGISTER_WRITE, 9,
		.u.reg_write = {tok, S("demo/a"), 1, {.kind = WIRE_VALUE_REGION, .region = ref}}};
	m[(*n)++] = (struct wire_msg){WIRE_T_REGISTER_CONSUME, 10,
				      .u.reg_consume = {tok, S("demo/t"), 0, {WIRE_VALUE_INLINE}}};
	m[(*n)++] =
		(struct wire_msg){WIRE_T_REGISTER_LIST, 11, .u.reg_list = {tok, S("demo"), S("")}};
	m[(*n)++] = (struct wire_msg){WIRE_T_REGISTER_DELETE, 12,
				      .u.reg_delete = {tok, S("demo/a"), 2}};
	m[(*n)++] = (struct wire_msg){WIRE_T_FS_OPEN, 13,
				      .u.fs_open = {tok, WIRE_OPEN_WRITE | WIRE_OPEN_CREATE, 0600,
						    S("/data"), S("sub/f.txt")}};
	m[(*n)++] = (struct wire_msg){WIRE_T_REGION_LIST, 14};
	m[(*n)++] = (struct wire_msg){WIRE_T_NET_CONNECT, 15,
				      .u.net_connect = {tok, 8080, S("127.0.0.1")}};
}

static void fill_replies(struct wire_msg *m, size_t *n)
{
	const struct wire_value inl = {WIRE_VALUE_INLINE, {(const uint8_t *)"value", 5}};
	struct wire_msg *l;

	m[(*n)++] = (struct wire_msg){WIRE_T_NET_CONNECT_OK, 15};
	m[(*n)++] = (struct wire_msg){WIRE_T_ERROR, 1,
				      .u.error = {WIRE_E_NO_CAPABILITY, S("no such capability")}};
	m[(*n)++] = (struct wire_msg){WIRE_T_HELLO_OK, 1, .u.hello_ok = {S("a1b2c3"), 3, 1}};
	m[(*n)++] = (struct wire_msg){WIRE_T_PING_OK, 2};
	m[(*n)++] = (struct wire_msg){WIRE_T_LOG_OK, 3};
	l = &m[(*n)++];
	*l = (struct wire_msg){WIRE_T_CAP_LIST_OK, 4};
	l->u.cap_list_ok.count = 2;
	l->u.cap_list_ok.entries[0] =
		(struct wire_cap_entry){tok, WIRE_CAP_REGISTER, 0x3f, 0, false, 0, S("demo/*")};
	l->u.cap_list_ok.entries[1] =
		(struct wire_cap_entry){tok, WIRE_CAP_FS, 1, 5000, true, 2, S("/data")};
	m[(*n)++] = (struct wire_msg){WIRE_T_CAP_ATTENUATE_OK, 5,
				      .u.cap_entry = {tok, WIRE_CAP_REGION, 1, 0, true, 1, S("r")}};
	m[(*n)++] = (struct wire_msg){WIRE_T_CAP_REVOKE_OK, 6, .u.cap_revoke_ok = {2}};
	m[(*n)++] = (struct wire_msg){WIRE_T_REGISTER_CREATE_OK, 7, .u.version = {1}};
	m[(*n)++] = (struct wire_msg){WIRE_T_REGISTER_READ_OK, 8, .u.reg_value = {4, inl}};
	m[(*n)++] = (struct wire_msg){WIRE_T_REGISTER_WRITE_OK, 9, .u.version = {2}};
	m[(*n)++] = (struct wire_msg){WIRE_T_REGISTER_CONSUME_OK, 10, .u.reg_value = {5, inl}};
	l = &m[(*n)++];
	*l = (struct wire_msg){WIRE_T_REGISTER_LIST_OK, 11};
	l->u.reg_list_ok.more = true;
	l->u.reg_list_ok.count = 1;
	l->u.reg_list_ok.entries[0] = (struct wire_reg_entry){S("demo/a"), 3, 5, false};
	m[(*n)++] = (struct wire_msg){WIRE_T_REGISTER_DELETE_OK, 12};
	m[(*n)++] = (struct wire_msg){WIRE_T_FS_OPEN_OK, 13, .u.fs_open_ok = {WIRE_OPEN_READ}};
	l = &m[(*n)++];
	*l = (struct wire_msg){WIRE_T_REGION_LIST_OK, 14};
	l->u.region_list_ok.count = 1;
	l->u.region_list_ok.entries[0] =
		(struct wire_region_entry){1, WIRE_REGION_R, 65536, 5, S("input")};
}

/* A few invalid frames, each one fault away from a valid one. */
static void emit_bad(const char *dir, const uint8_t *good, size_t len)
{
	uint8_t buf[WIRE_MAX_FRAME + 2];

	write_file(dir, "bad-short-header", good, WIRE_HEADER_SIZE - 1);
	write_file(dir, "bad-cut-payload", good, len - 1);
	memcpy(buf, good, len);
	buf[0] = 'X';
	write_file(dir, "bad-magic", buf, len);
	memcpy(buf, good, len);
	buf[4] = 2;
	write_file(dir, "bad-version", buf, len);
	memcpy(buf, good, len);
	buf[6] = 0x7f;
	write_file(dir, "bad-type", buf, len);
	memcpy(buf, good, len);
	buf[8] = 1;
	write_file(dir, "bad-flags", buf, len);
	memcpy(buf, good, len);
	buf[16]++;
	buf[len] = 0;
	write_file(dir, "bad-trailing", buf, len + 1);
	memcpy(buf, good, len);
	buf[WIRE_HEADER_SIZE + WIRE_TOKEN_SIZE + 2 + 1] = '\n'; /* inside the name */
	write_file(dir, "bad-control-char", buf, len);
	memset(buf + len, 'x', sizeof(buf) - len);
	write_file(dir, "bad-too-big", buf, WIRE_MAX_FRAME + 1);
}

int main(int argc, char **argv)
{
	static struct wire_msg msgs[40];
	uint8_t buf[WIRE_MAX_FRAME], good[WIRE_MAX_FRAME];
	size_t n = 0, good_len = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	fill_requests(msgs, &n);
	fill_replies(msgs, &n);
	for (size_t i = 0; i < n; i++) {
		size_t len = emit(argv[1], &msgs[i], buf);

		if (msgs[i].type == WIRE_T_REGISTER_DELETE) {
			memcpy(good, buf, len);
			good_len = len;
		}
	}
	emit_bad(argv[1], good, good_len);
	return 0;
}
#endif
