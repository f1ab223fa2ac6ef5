/* SPDX-License-Identifier: MIT */
/*
 * Broker wire codec. One set of field functions ("co_*") serves both
 * directions: decoding reads each field from the frame into the message,
 * encoding writes it from the message into the buffer, and both run the same
 * checks. The two directions therefore cannot drift apart, and the encoder
 * cannot produce a frame the decoder refuses.
 *
 * Untrusted bytes are only ever read through explicit little-endian loads at
 * checked offsets: no struct overlays, no unaligned access, and every bound is
 * tested by subtraction so that no length can overflow an addition.
 */
#include "common/wire.h"

#include <errno.h>
#include <string.h>

#define HDR_MAGIC 0
#define HDR_VERSION 4
#define HDR_TYPE 6
#define HDR_FLAGS 8
#define HDR_RESERVED 10
#define HDR_REQUEST_ID 12
#define HDR_PAYLOAD_LEN 16

_Static_assert(WIRE_HEADER_SIZE == HDR_PAYLOAD_LEN + 4, "header layout");

static uint16_t load_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t load_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t load_le64(const uint8_t *p)
{
	return (uint64_t)load_le32(p) | (uint64_t)load_le32(p + 4) << 32;
}

static void store_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void store_le32(uint8_t *p, uint32_t v)
{
	store_le16(p, (uint16_t)v);
	store_le16(p + 2, (uint16_t)(v >> 16));
}

static void store_le64(uint8_t *p, uint64_t v)
{
	store_le32(p, (uint32_t)v);
	store_le32(p + 4, (uint32_t)(v >> 32));
}

/* ---- text ---------------------------------------------------------------- */

/* Length (1-4) of the well-formed UTF-8 sequence at s and its code point; 0 if ill-formed. */
static size_t utf8_next(const uint8_t *s, size_t left, uint32_t *ret_cp)
{
	uint32_t cp, min;
	size_t n, i;

	if (s[0] < 0x80) {
		*ret_cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2, cp = s[0] & 0x1f, min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3, cp = s[0] & 0x0f, min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4, cp = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n > left)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms and surrogates would let one name have two spellings. */
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*ret_cp = cp;
	return n;
}

/*
 * Names and messages end up in logs, reports and terminals: no C0 or C1
 * controls (ESC, CSI, newline: log forging, terminal escapes), no DEL, and no
 * line separators or bidirectional overrides (text that displays as other text).
 */
static bool codepoint_allowed(uint32_t cp, bool tab)
{
	if (cp == '\t')
		return tab;
	if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
		return false;
	if (cp == 0x2028 || cp == 0x2029)
		return false;
	if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
		return false;
	return true;
}

static bool text_valid(const uint8_t *s, size_t len, bool tab)
{
	size_t i = 0, n;
	uint32_t cp;

	while (i < len) {
		n = utf8_next(s + i, len - i, &cp);
		if (n == 0 || !codepoint_allowed(cp, tab))
			return false;
		i += n;
	}
	return true;
}

size_t wire_text_clean(char *s, size_t max)
{
	uint8_t *p = (uint8_t *)s;
	size_t len = strlen(s), i = 0, n;
	uint32_t cp;

	while (i < len) {
		n = utf8_next(p + i, len - i, &cp);
		if (n == 0 || !codepoint_allowed(cp, true)) {
			n = n ? n : 1;
			memset(p + i, '?', n);
		}
		if (n > max - i)
			break;
		i += n;
	}
	p[i] = '\0';
	return i;
}

struct str_rule {
	uint16_t min, max;
	bool tab;
};

static const struct str_rule rule_name = {1, WIRE_MAX_NAME, false};
static const struct str_rule rule_name_opt = {0, WIRE_MAX_NAME, false};
static const struct str_rule rule_instance = {1, WIRE_MAX_INSTANCE_ID, false};
static const struct str_rule rule_path = {1, WIRE_MAX_PATH, false};
static const struct str_rule rule_log = {0, WIRE_MAX_LOG, true};
static const struct str_rule rule_errmsg = {0, WIRE_MAX_ERROR_MSG, true};
static const struct str_rule rule_address = {1, WIRE_MAX_ADDRESS, false};

/* ---- names --------------------------------------------------------------- */

enum shape {
	SHAPE_EMPTY,
	SHAPE_LOG,
	SHAPE_CURSOR,
	SHAPE_CAP_ATTENUATE,
	SHAPE_CAP_REVOKE,
	SHAPE_REG_CREATE,
	SHAPE_REG_READ,
	SHAPE_REG_WRITE,
	SHAPE_REG_CONSUME,
	SHAPE_REG_LIST,
	SHAPE_REG_DELETE,
	SHAPE_FS_OPEN,
	SHAPE_NET_CONNECT,
	SHAPE_HELLO_OK,
	SHAPE_CAP_ENTRY,
	SHAPE_CAP_LIST_OK,
	SHAPE_CAP_REVOKE_OK,
	SHAPE_VERSION,
	SHAPE_REG_VALUE,
	SHAPE_REG_LIST_OK,
	SHAPE_FS_OPEN_OK,
	SHAPE_REGION_LIST_OK,
	SHAPE_ERROR,
};

struct type_info {
	enum wire_type type;
	enum shape shape;
	const char *name;
};

static const struct type_info type_table[] = {
	{WIRE_T_HELLO, SHAPE_EMPTY, "hello"},
	{WIRE_T_PING, SHAPE_EMPTY, "ping"},
	{WIRE_T_LOG, SHAPE_LOG, "log"},
	{WIRE_T_CAP_LIST, SHAPE_CURSOR, "cap.list"},
	{WIRE_T_CAP_ATTENUATE, SHAPE_CAP_ATTENUATE, "cap.attenuate"},
	{WIRE_T_CAP_REVOKE, SHAPE_CAP_REVOKE, "cap.revoke"},
	{WIRE_T_REGISTER_CREATE, SHAPE_REG_CREATE, "register.create"},
	{WIRE_T_REGISTER_READ, SHAPE_REG_READ, "register.read"},
	{WIRE_T_REGISTER_WRITE, SHAPE_REG_WRITE, "register.write"},
	{WIRE_T_REGISTER_CONSUME, SHAPE_REG_CONSUME, "register.consume"},
	{WIRE_T_REGISTER_LIST, SHAPE_REG_LIST, "register.list"},
	{WIRE_T_REGISTER_DELETE, SHAPE_REG_DELETE, "register.delete"},
	{WIRE_T_FS_OPEN, SHAPE_FS_OPEN, "fs.open"},
	{WIRE_T_REGION_LIST, SHAPE_CURSOR, "region.list"},
	{WIRE_T_NET_CONNECT, SHAPE_NET_CONNECT, "net.connect"},
	{WIRE_T_ERROR, SHAPE_ERROR, "error"},
	{WIRE_T_HELLO_OK, SHAPE_HELLO_OK, "hello.ok"},
	{WIRE_T_PING_OK, SHAPE_EMPTY, "ping.ok"},
	{WIRE_T_LOG_OK, SHAPE_EMPTY, "log.ok"},
	{WIRE_T_CAP_LIST_OK, SHAPE_CAP_LIST_OK, "cap.list.ok"},
	{WIRE_T_CAP_ATTENUATE_OK, SHAPE_CAP_ENTRY, "cap.attenuate.ok"},
	{WIRE_T_CAP_REVOKE_OK, SHAPE_CAP_REVOKE_OK, "cap.revoke.ok"},
	{WIRE_T_REGISTER_CREATE_OK, SHAPE_VERSION, "register.create.ok"},
	{WIRE_T_REGISTER_READ_OK, SHAPE_REG_VALUE, "register.read.ok"},
	{WIRE_T_REGISTER_WRITE_OK, SHAPE_VERSION, "register.write.ok"},
	{WIRE_T_REGISTER_CONSUME_OK, SHAPE_REG_VALUE, "register.consume.ok"},
	{WIRE_T_REGISTER_LIST_OK, SHAPE_REG_LIST_OK, "register.list.ok"},
	{WIRE_T_REGISTER_DELETE_OK, SHAPE_EMPTY, "register.delete.ok"},
	{WIRE_T_FS_OPEN_OK, SHAPE_FS_OPEN_OK, "fs.open.ok"},
	{WIRE_T_REGION_LIST_OK, SHAPE_REGION_LIST_OK, "region.list.ok"},
	{WIRE_T_NET_CONNECT_OK, SHAPE_EMPTY, "net.connect.ok"},
};

static const struct type_info *type_lookup(uint32_t type)
{
	size_t i;

	for (i = 0; i < sizeof(type_table) / sizeof(type_table[0]); i++)
		if ((uint32_t)type_table[i].type == type)
			return &type_table[i];
	return NULL;
}

const char *wire_type_name(enum wire_type t)
{
	const struct type_info *ti = type_lookup((uint32_t)t);

	return ti ? ti->name : "unknown";
}

static const char *const error_names[_WIRE_E_MAX] = {
	[WIRE_E_MALFORMED] = "malformed",
	[WIRE_E_TRUNCATED] = "truncated",
	[WIRE_E_MAGIC] = "bad_magic",
	[WIRE_E_VERSION] = "bad_version",
	[WIRE_E_TYPE] = "bad_type",
	[WIRE_E_FLAGS] = "bad_flags",
	[WIRE_E_RESERVED] = "reserved_not_zero",
	[WIRE_E_LENGTH] = "length_mismatch",
	[WIRE_E_TOO_BIG] = "frame_too_big",
	[WIRE_E_TOO_LONG] = "too_long",
	[WIRE_E_TOO_MANY] = "too_many",
	[WIRE_E_STRING] = "bad_string",
	[WIRE_E_RANGE] = "bad_range",
	[WIRE_E_TRAILING] = "trailing_bytes",
	[WIRE_E_DENIED_POLICY] = "denied_policy",
	[WIRE_E_NO_CAPABILITY] = "no_capability",
	[WIRE_E_RIGHTS] = "rights",
	[WIRE_E_EXPIRED] = "expired",
	[WIRE_E_REVOKED] = "revoked",
	[WIRE_E_EXHAUSTED] = "exhausted",
	[WIRE_E_QUOTA] = "quota",
	[WIRE_E_NOT_FOUND] = "not_found",
	[WIRE_E_CONFLICT] = "conflict",
	[WIRE_E_CONSUMED] = "consumed",
	[WIRE_E_EXISTS] = "exists",
	[WIRE_E_IO] = "io",
	[WIRE_E_REGION] = "region",
	[WIRE_E_TOO_SMALL] = "too_small",
	[WIRE_E_NO_SPACE] = "no_space",
	[WIRE_E_BUSY] = "busy",
	[WIRE_E_UNSUPPORTED] = "unsupported",
	[WIRE_E_RESULT] = "bad_result",
	[WIRE_E_INTERNAL] = "internal",
};

static bool error_known(uint32_t e)
{
	return e < _WIRE_E_MAX && error_names[e] != NULL;
}

const char *wire_error_name(enum wire_error e)
{
	return error_known((uint32_t)e) ? error_names[e] : "unknown";
}

/* ---- codec primitives ----------------------------------------------------- */

/* Exactly one of in (decoding) and out (encoding) is set. */
struct codec {
	const uint8_t *in;
	uint8_t *out;
	size_t pos, end;
	int err;	   /* first failure: enum wire_error, 0 = none */
	const char *field; /* where it happened, for the message */
	size_t at;	   /* byte offset of that field in the frame */
};

/* Keeps the first failure: later checks only see the damage it caused. */
static void co_fail(struct codec *c, enum wire_error e, const char *field, size_t at)
{
	if (c->err)
		return;
	c->err = (int)e;
	c->field = field;
	c->at = at;
}

static bool co_take(struct codec *c, size_t n, const char *field, size_t *ret_off)
{
	if (c->err)
		return false;
	if (n > c->end - c->pos) {
		co_fail(c, WIRE_E_TRUNCATED, field, c->pos);
		return false;
	}
	*ret_off = c->pos;
	c->pos += n;
	return true;
}

static void co_u8(struct codec *c, uint8_t *v, const char *field)
{
	size_t off;

	if (!co_take(c, 1, field, &off))
		return;
	if (c->out)
		c->out[off] = *v;
	else
		*v = c->in[off];
}

static void co_u16(struct codec *c, uint16_t *v, const char *field)
{
	size_t off;

	if (!co_take(c, 2, field, &off))
		return;
	if (c->out)
		store_le16(c->out + off, *v);
	else
		*v = load_le16(c->in + off);
}

static void co_u32(struct codec *c, uint32_t *v, const char *field)
{
	size_t off;

	if (!co_take(c, 4, field, &off))
		return;
	if (c->out)
		store_le32(c->out + off, *v);
	else
		*v = load_le32(c->in + off);
}

static void co_u64(struct codec *c, uint64_t *v, const char *field)
{
	size_t off;

	if (!co_take(c, 8, field, &off))
		return;
	if (c->out)
		store_le64(c->out + off, *v);
	else
		*v = load_le64(c->in + off);
}

/* A one-byte enum below limit; returns the value to store (the same one when encoding). */
static unsigned co_enum8(struct codec *c, unsigned v, unsigned limit, const char *field)
{
	size_t start = c->pos;
	uint8_t b = (uint8_t)v;

	if (c->out && v >= limit) {
		co_fail(c, WIRE_E_MALFORMED, field, start);
		return 0;
	}
	co_u8(c, &b, field);
	if (!c->err && b >= limit)
		co_fail(c, WIRE_E_MALFORMED, field, start);
	return c->err ? 0 : b;
}

/* Exactly 0 or 1: a second spelling of "true" would break the canonical encoding. */
static void co_bool(struct codec *c, bool *v, const char *field)
{
	*v = co_enum8(c, *v ? 1 : 0, 2, field) != 0;
}

static void co_token(struct codec *c, struct wire_token *t, const char *field)
{
	size_t off;

	if (!co_take(c, WIRE_TOKEN_SIZE, field, &off))
		return;
	if (c->out)
		memcpy(c->out + off, t->bytes, WIRE_TOKEN_SIZE);
	else
		memcpy(t->bytes, c->in + off, WIRE_TOKEN_SIZE);
}

/* u16 length, then the bytes; returns where the bytes are (NULL on failure). */
static const uint8_t *co_blob(struct codec *c, const void **ptr, uint16_t *len, uint16_t max,
			      const char *field)
{
	size_t start = c->pos, off;
	uint16_t n = *len;

	if (c->out && n > 0 && !*ptr) {
		co_fail(c, WIRE_E_MALFORMED, field, start);
		return NULL;
	}
	co_u16(c, &n, field);
	if (!c->err && n > max)
		co_fail(c, WIRE_E_TOO_LONG, field, start);
	if (!co_take(c, n, field, &off))
		return NULL;
	if (c->out) {
		if (n > 0)
			memcpy(c->out + off, *ptr, n);
		return c->out + off;
	}
	*ptr = c->in + off;
	*len = n;
	return c->in + off;
}

static void co_bytes(struct codec *c, struct wire_bytes *b, uint16_t max, const char *field)
{
	const void *p = b->ptr;

	co_blob(c, &p, &b->len, max, field);
	b->ptr = p;
}

static void co_str(struct codec *c, struct wire_str *s, const struct str_rule *rule,
		   const char *field)
{
	size_t start = c->pos;
	const void *p = s->ptr;
	const uint8_t *bytes;

	bytes = co_blob(c, &p, &s->len, rule->max, field);
	if (!bytes)
		return;
	s->ptr = p;
	if (s->len < rule->min || !text_valid(bytes, s->len, rule->tab))
		co_fail(c, WIRE_E_STRING, field, start);
}

static void co_count(struct codec *c, uint16_t *n, const char *field)
{
	size_t start = c->pos;

	if (c->out && *n > WIRE_MAX_ENTRIES) {
		co_fail(c, WIRE_E_TOO_MANY, field, start);
		return;
	}
	co_u16(c, n, field);
	if (!c->err && *n > WIRE_MAX_ENTRIES)
		co_fail(c, WIRE_E_TOO_MANY, field, start);
}

static void co_rights(struct codec *c, uint32_t *rights, const char *field)
{
	size_t start = c->pos;

	co_u32(c, rights, field);
	if (!c->err && (*rights & ~WIRE_RIGHTS_ALL))
		co_fail(c, WIRE_E_MALFORMED, field, start);
}

/* No overflow by construction: offset is bounded first, then compared by subtraction. */
static void co_region_ref(struct codec *c, struct wire_region_ref *r, const char *field)
{
	size_t start = c->pos;

	co_u32(c, &r->region, field);
	co_u64(c, &r->offset, field);
	co_u64(c, &r->length, field);
	if (c->err)
		return;
	if (r->offset > WIRE_REGION_END_MAX || r->length > WIRE_REGION_END_MAX - r->offset)
		co_fail(c, WIRE_E_RANGE, field, start);
}

static void co_value(struct codec *c, struct wire_value *v, const char *field)
{
	v->kind = co_enum8(c, v->kind, _WIRE_VALUE_KIND_MAX, field);
	if (c->err)
		return;
	if (v->kind == WIRE_VALUE_INLINE)
		co_bytes(c, &v->data, WIRE_MAX_INLINE, field);
	else
		co_region_ref(c, &v->region, field);
}

static void co_sink(struct codec *c, struct wire_sink *s, const char *field)
{
	s->kind = co_enum8(c, s->kind, _WIRE_VALUE_KIND_MAX, field);
	if (!c->err && s->kind == WIRE_VALUE_REGION)
		co_region_ref(c, &s->region, field);
}

/* Combinations the broker could only misread: reject them before it sees them. */
static bool open_flags_valid(uint32_t f)
{
	if (f & ~WIRE_OPEN_ALL)
		return false;
	if (!(f & (WIRE_OPEN_READ | WIRE_OPEN_WRITE)))
		return false;
	if ((f & (WIRE_OPEN_CREATE | WIRE_OPEN_TRUNC | WIRE_OPEN_APPEND)) && !(f & WIRE_OPEN_WRITE))
		return false;
	if ((f & WIRE_OPEN_EXCL) && !(f & WIRE_OPEN_CREATE))
		return false;
	return !((f & WIRE_OPEN_DIRECTORY) && (f & WIRE_OPEN_WRITE));
}

static void co_open_flags(struct codec *c, uint32_t *flags, const char *field)
{
	size_t start = c->pos;

	co_u32(c, flags, field);
	if (!c->err && !open_flags_valid(*flags))
		co_fail(c, WIRE_E_MALFORMED, field, start);
}

/* ---- payloads ------------------------------------------------------------- */

static void co_log(struct codec *c, struct wire_log *l)
{
	l->level = co_enum8(c, l->level, _WIRE_LOG_LEVEL_MAX, "level");
	co_str(c, &l->text, &rule_log, "text");
}

static void co_cap_attenuate(struct codec *c, struct wire_cap_attenuate *a)
{
	co_token(c, &a->token, "token");
	co_rights(c, &a->rights, "rights");
	co_u64(c, &a->expires_ms, "expires_ms");
	co_u32(c, &a->uses, "uses");
}

static void co_reg_create(struct codec *c, struct wire_reg_create *r)
{
	co_token(c, &r->token, "token");
	co_str(c, &r->name, &rule_name, "name");
	co_value(c, &r->value, "value");
}

static void co_reg_read(struct codec *c, struct wire_reg_read *r)
{
	co_token(c, &r->token, "token");
	co_str(c, &r->name, &rule_name, "name");
	co_sink(c, &r->sink, "sink");
}

static void co_reg_write(struct codec *c, struct wire_reg_write *r)
{
	co_token(c, &r->token, "token");
	co_str(c, &r->name, &rule_name, "name");
	co_u64(c, &r->expected_version, "expected_version");
	co_value(c, &r->value, "value");
}

static void co_reg_consume(struct codec *c, struct wire_reg_consume *r)
{
	co_token(c, &r->token, "token");
	co_str(c, &r->name, &rule_name, "name");
	co_u64(c, &r->expected_version, "expected_version");
	co_sink(c, &r->sink, "sink");
}

static void co_reg_list(struct codec *c, struct wire_reg_list *r)
{
	co_token(c, &r->token, "token");
	co_str(c, &r->prefix, &rule_name_opt, "prefix");
	co_str(c, &r->after, &rule_name_opt, "after");
}

static void co_reg_delete(struct codec *c, struct wire_reg_delete *r)
{
	co_token(c, &r->token, "token");
	co_str(c, &r->name, &rule_name, "name");
	co_u64(c, &r->expected_version, "expected_version");
}

static void co_fs_open(struct codec *c, struct wire_fs_open *o)
{
	size_t mode_at;

	co_token(c, &o->token, "token");
	co_open_flags(c, &o->flags, "flags");
	mode_at = c->pos;
	co_u32(c, &o->mode, "mode");
	if (!c->err &&
	    (o->mode > WIRE_OPEN_MODE_MAX || (o->mode != 0 && !(o->flags & WIRE_OPEN_CREATE))))
		co_fail(c, WIRE_E_MALFORMED, "mode", mode_at);
	co_str(c, &o->root, &rule_name, "root");
	co_str(c, &o->path, &rule_path, "path");
}

/* A numeric IPv4 or IPv6 address: digits, hex letters, dots and colons only. */
static bool address_chars_ok(const struct wire_str *s)
{
	uint16_t i;

	for (i = 0; i < s->len; i++) {
		char ch = s->ptr[i];

		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
		      (ch >= 'A' && ch <= 'F') || ch == '.' || ch == ':'))
			return false;
	}
	return true;
}

static void co_net_connect(struct codec *c, struct wire_net_connect *n)
{
	size_t at;

	co_token(c, &n->token, "token");
	at = c->pos;
	co_u16(c, &n->port, "port");
	if (!c->err && n->port == 0)
		co_fail(c, WIRE_E_MALFORMED, "port", at);
	at = c->pos;
	co_str(c, &n->address, &rule_address, "address");
	if (!c->err && !address_chars_ok(&n->address))
		co_fail(c, WIRE_E_STRING, "address", at);
}

static void co_hello_ok(struct codec *c, struct wire_hello_ok *h)
{
	co_str(c, &h->instance_id, &rule_instance, "instance_id");
	co_u32(c, &h->cap_count, "cap_count");
	co_u32(c, &h->region_count, "region_count");
}

static void co_cap_entry(struct codec *c, struct wire_cap_entry *e)
{
	size_t uses_at;

	co_token(c, &e->token, "token");
	e->kind = co_enum8(c, e->kind, _WIRE_CAP_KIND_MAX, "kind");
	co_rights(c, &e->rights, "rights");
	co_u64(c, &e->expires_ms, "expires_ms");
	co_bool(c, &e->limited, "limited");
	uses_at = c->pos;
	co_u32(c, &e->uses_left, "uses_left");
	if (!c->err && !e->limited && e->uses_left != 0)
		co_fail(c, WIRE_E_MALFORMED, "uses_left", uses_at);
	co_str(c, &e->name, &rule_name, "name");
}

static void co_cap_list_ok(struct codec *c, struct wire_cap_list_ok *l)
{
	uint16_t i;

	co_u32(c, &l->next_cursor, "next_cursor");
	co_count(c, &l->count, "count");
	for (i = 0; i < l->count && !c->err; i++)
		co_cap_entry(c, &l->entries[i]);
}

static void co_reg_value(struct codec *c, struct wire_reg_value *v)
{
	co_u64(c, &v->version, "version");
	co_value(c, &v->value, "value");
}

static void co_reg_list_ok(struct codec *c, struct wire_reg_list_ok *l)
{
	uint16_t i;

	co_bool(c, &l->more, "more");
	co_count(c, &l->count, "count");
	for (i = 0; i < l->count && !c->err; i++) {
		struct wire_reg_entry *e = &l->entries[i];

		co_str(c, &e->name, &rule_name, "entry.name");
		co_u64(c, &e->version, "entry.version");
		co_u64(c, &e->size, "entry.size");
		co_bool(c, &e->consumed, "entry.consumed");
	}
}

static void co_region_entry(struct codec *c, struct wire_region_entry *e)
{
	size_t fd_at;

	co_u32(c, &e->region, "entry.region");
	e->access = co_enum8(c, e->access, _WIRE_REGION_ACCESS_MAX, "entry.access");
	co_u64(c, &e->size, "entry.size");
	fd_at = c->pos;
	co_u32(c, &e->fd, "entry.fd");
	if (!c->err && e->fd > INT32_MAX)
		co_fail(c, WIRE_E_MALFORMED, "entry.fd", fd_at);
	co_str(c, &e->name, &rule_name, "entry.name");
}

static void co_region_list_ok(struct codec *c, struct wire_region_list_ok *l)
{
	uint16_t i;

	co_u32(c, &l->next_cursor, "next_cursor");
	co_count(c, &l->count, "count");
	for (i = 0; i < l->count && !c->err; i++)
		co_region_entry(c, &l->entries[i]);
}

static void co_error(struct codec *c, struct wire_error_reply *e)
{
	size_t start = c->pos;
	uint32_t code = (uint32_t)e->code;

	co_u32(c, &code, "code");
	if (!c->err && !error_known(code))
		co_fail(c, WIRE_E_MALFORMED, "code", start);
	if (!c->err)
		e->code = (enum wire_error)code;
	co_str(c, &e->message, &rule_errmsg, "message");
}

static void co_body(struct codec *c, enum shape shape, struct wire_msg *m)
{
	switch (shape) {
	case SHAPE_EMPTY:
		break;
	case SHAPE_LOG:
		co_log(c, &m->u.log);
		break;
	case SHAPE_CURSOR:
		co_u32(c, &m->u.cursor.cursor, "cursor");
		break;
	case SHAPE_CAP_ATTENUATE:
		co_cap_attenuate(c, &m->u.cap_attenuate);
		break;
	case SHAPE_CAP_REVOKE:
		co_token(c, &m->u.cap_revoke.token, "token");
		break;
	case SHAPE_REG_CREATE:
		co_reg_create(c, &m->u.reg_create);
		break;
	case SHAPE_REG_READ:
		co_reg_read(c, &m->u.reg_read);
		break;
	case SHAPE_REG_WRITE:
		co_reg_write(c, &m->u.reg_write);
		break;
	case SHAPE_REG_CONSUME:
		co_reg_consume(c, &m->u.reg_consume);
		break;
	case SHAPE_REG_LIST:
		co_reg_list(c, &m->u.reg_list);
		break;
	case SHAPE_REG_DELETE:
		co_reg_delete(c, &m->u.reg_delete);
		break;
	case SHAPE_FS_OPEN:
		co_fs_open(c, &m->u.fs_open);
		break;
	case SHAPE_NET_CONNECT:
		co_net_connect(c, &m->u.net_connect);
		break;
	case SHAPE_HELLO_OK:
		co_hello_ok(c, &m->u.hello_ok);
		break;
	case SHAPE_CAP_ENTRY:
		co_cap_entry(c, &m->u.cap_entry);
		break;
	case SHAPE_CAP_LIST_OK:
		co_cap_list_ok(c, &m->u.cap_list_ok);
		break;
	case SHAPE_CAP_REVOKE_OK:
		co_u32(c, &m->u.cap_revoke_ok.revoked, "revoked");
		break;
	case SHAPE_VERSION:
		co_u64(c, &m->u.version.version, "version");
		break;
	case SHAPE_REG_VALUE:
		co_reg_value(c, &m->u.reg_value);
		break;
	case SHAPE_REG_LIST_OK:
		co_reg_list_ok(c, &m->u.reg_list_ok);
		break;
	case SHAPE_FS_OPEN_OK:
		co_open_flags(c, &m->u.fs_open_ok.flags, "flags");
		break;
	case SHAPE_REGION_LIST_OK:
		co_region_list_ok(c, &m->u.region_list_ok);
		break;
	case SHAPE_ERROR:
		co_error(c, &m->u.error);
		break;
	}
}

/* ---- frames --------------------------------------------------------------- */

static int decode_fail(struct err_ctx *reterr, enum wire_error e, const char *what,
		       const char *field, size_t at)
{
	/* Names and offsets only: the frame's own bytes are hostile and never echoed. */
	err_set(reterr, e == WIRE_E_TOO_BIG ? EMSGSIZE : EBADMSG,
		"malformed frame (%s): %s: %s at byte %zu", wire_error_name(e), what, field, at);
	return -(int)e;
}

/* The header checks, cheapest and most basic first, so the error names the first fault. */
static int decode_header(const uint8_t *buf, size_t len, const struct type_info **ret_ti,
			 struct err_ctx *reterr)
{
	const struct type_info *ti;

	if (len > WIRE_MAX_FRAME)
		return decode_fail(reterr, WIRE_E_TOO_BIG, "frame", "size", WIRE_MAX_FRAME);
	if (len < WIRE_HEADER_SIZE)
		return decode_fail(reterr, WIRE_E_TRUNCATED, "frame", "header", len);
	if (load_le32(buf + HDR_MAGIC) != WIRE_MAGIC)
		return decode_fail(reterr, WIRE_E_MAGIC, "header", "magic", HDR_MAGIC);
	if (load_le16(buf + HDR_VERSION) != WIRE_VERSION)
		return decode_fail(reterr, WIRE_E_VERSION, "header", "version", HDR_VERSION);
	ti = type_lookup(load_le16(buf + HDR_TYPE));
	if (!ti)
		return decode_fail(reterr, WIRE_E_TYPE, "header", "type", HDR_TYPE);
	if (load_le16(buf + HDR_FLAGS) != 0)
		return decode_fail(reterr, WIRE_E_FLAGS, ti->name, "flags", HDR_FLAGS);
	if (load_le16(buf + HDR_RESERVED) != 0)
		return decode_fail(reterr, WIRE_E_RESERVED, ti->name, "reserved", HDR_RESERVED);
	if (load_le32(buf + HDR_PAYLOAD_LEN) != len - WIRE_HEADER_SIZE)
		return decode_fail(reterr, WIRE_E_LENGTH, ti->name, "payload_length",
				   HDR_PAYLOAD_LEN);
	*ret_ti = ti;
	return 0;
}

#define MSG_SIZE(member) (offsetof(struct wire_msg, u) + sizeof(((struct wire_msg *)0)->u.member))

/*
 * The bytes of struct wire_msg a shape uses: the header fields and its union
 * member. struct wire_msg is about 3.6 KB because of the list replies; a
 * round trip that cleared or copied all of it four times would spend more
 * time there than in the codec.
 */
static size_t shape_size(enum shape shape)
{
	switch (shape) {
	case SHAPE_EMPTY:
		return offsetof(struct wire_msg, u);
	case SHAPE_LOG:
		return MSG_SIZE(log);
	case SHAPE_CURSOR:
		return MSG_SIZE(cursor);
	case SHAPE_CAP_ATTENUATE:
		return MSG_SIZE(cap_attenuate);
	case SHAPE_CAP_REVOKE:
		return MSG_SIZE(cap_revoke);
	case SHAPE_REG_CREATE:
		return MSG_SIZE(reg_create);
	case SHAPE_REG_READ:
		return MSG_SIZE(reg_read);
	case SHAPE_REG_WRITE:
		return MSG_SIZE(reg_write);
	case SHAPE_REG_CONSUME:
		return MSG_SIZE(reg_consume);
	case SHAPE_REG_LIST:
		return MSG_SIZE(reg_list);
	case SHAPE_REG_DELETE:
		return MSG_SIZE(reg_delete);
	case SHAPE_FS_OPEN:
		return MSG_SIZE(fs_open);
	case SHAPE_NET_CONNECT:
		return MSG_SIZE(net_connect);
	case SHAPE_HELLO_OK:
		return MSG_SIZE(hello_ok);
	case SHAPE_CAP_ENTRY:
		return MSG_SIZE(cap_entry);
	case SHAPE_CAP_LIST_OK:
		return MSG_SIZE(cap_list_ok);
	case SHAPE_CAP_REVOKE_OK:
		return MSG_SIZE(cap_revoke_ok);
	case SHAPE_VERSION:
		return MSG_SIZE(version);
	case SHAPE_REG_VALUE:
		return MSG_SIZE(reg_value);
	case SHAPE_REG_LIST_OK:
		return MSG_SIZE(reg_list_ok);
	case SHAPE_FS_OPEN_OK:
		return MSG_SIZE(fs_open_ok);
	case SHAPE_REGION_LIST_OK:
		return MSG_SIZE(region_list_ok);
	case SHAPE_ERROR:
		return MSG_SIZE(error);
	}
	return sizeof(struct wire_msg);
}

size_t wire_msg_size(enum wire_type t)
{
	const struct type_info *ti = type_lookup((uint32_t)t);

	return ti ? shape_size(ti->shape) : sizeof(struct wire_msg);
}

int wire_decode(const uint8_t *buf, size_t len, struct wire_msg *ret, struct err_ctx *reterr)
{
	const struct type_info *ti = NULL;
	struct codec c = {.in = buf, .pos = WIRE_HEADER_SIZE, .end = len};
	int r;

	r = decode_header(buf, len, &ti, reterr);
	if (r < 0) {
		memset(ret, 0, sizeof(*ret));
		return r;
	}
	/* what the shape does not use stays as the caller left it: unused */
	memset(ret, 0, shape_size(ti->shape));
	ret->type = ti->type;
	ret->request_id = load_le32(buf + HDR_REQUEST_ID);
	co_body(&c, ti->shape, ret);
	if (!c.err && c.pos != c.end)
		co_fail(&c, WIRE_E_TRAILING, "payload", c.pos);
	if (c.err) {
		/* Nothing half-decoded may be used, nor point into the frame. */
		memset(ret, 0, sizeof(*ret));
		return decode_fail(reterr, (enum wire_error)c.err, ti->name, c.field, c.at);
	}
	return 0;
}

int wire_encode(const struct wire_msg *m, uint8_t *buf, size_t size, size_t *ret_len)
{
	const struct type_info *ti = type_lookup((uint32_t)m->type);
	struct codec c = {.out = buf, .pos = WIRE_HEADER_SIZE};
	struct wire_msg copy;

	if (!ti)
		return -EINVAL;
	if (!buf || size < WIRE_HEADER_SIZE)
		return -EMSGSIZE;
	c.end = size < WIRE_MAX_FRAME ? size : WIRE_MAX_FRAME;
	/* The shared field functions store what they read back: keep m itself untouched. */
	memcpy(&copy, m, shape_size(ti->shape));
	co_body(&c, ti->shape, &copy);
	if (c.err)
		return c.err == WIRE_E_TRUNCATED ? -EMSGSIZE : -EINVAL;
	store_le32(buf + HDR_MAGIC, WIRE_MAGIC);
	store_le16(buf + HDR_VERSION, WIRE_VERSION);
	store_le16(buf + HDR_TYPE, (uint16_t)ti->type);
	store_le16(buf + HDR_FLAGS, 0);
	store_le16(buf + HDR_RESERVED, 0);
	store_le32(buf + HDR_REQUEST_ID, m->request_id);
	store_le32(buf + HDR_PAYLOAD_LEN, (uint32_t)(c.pos - WIRE_HEADER_SIZE));
	*ret_len = c.pos;
	return 0;
}
