/* SPDX-License-Identifier: MIT */
/*
 * Field-by-field comparison of two messages. Written apart from the codec on
 * purpose: the round-trip checks in the tests and the fuzz target compare
 * decode(encode(m)) with m, which proves nothing if both sides share the code
 * under test.
 */
#include "common/wire.h"

#include <string.h>

static bool mem_eq(const void *a, const void *b, size_t len)
{
	return len == 0 || memcmp(a, b, len) == 0;
}

static bool str_eq(const struct wire_str *a, const struct wire_str *b)
{
	return a->len == b->len && mem_eq(a->ptr, b->ptr, a->len);
}

static bool token_eq(const struct wire_token *a, const struct wire_token *b)
{
	return memcmp(a->bytes, b->bytes, WIRE_TOKEN_SIZE) == 0;
}

static bool ref_eq(const struct wire_region_ref *a, const struct wire_region_ref *b)
{
	return a->region == b->region && a->offset == b->offset && a->length == b->length;
}

static bool value_eq(const struct wire_value *a, const struct wire_value *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == WIRE_VALUE_REGION)
		return ref_eq(&a->region, &b->region);
	return a->data.len == b->data.len && mem_eq(a->data.ptr, b->data.ptr, a->data.len);
}

static bool sink_eq(const struct wire_sink *a, const struct wire_sink *b)
{
	return a->kind == b->kind &&
	       (a->kind != WIRE_VALUE_REGION || ref_eq(&a->region, &b->region));
}

static bool cap_entry_eq(const struct wire_cap_entry *a, const struct wire_cap_entry *b)
{
	return token_eq(&a->token, &b->token) && a->kind == b->kind && a->rights == b->rights &&
	       a->expires_ms == b->expires_ms && a->limited == b->limited &&
	       a->uses_left == b->uses_left && str_eq(&a->name, &b->name);
}

static bool cap_list_eq(const struct wire_cap_list_ok *a, const struct wire_cap_list_ok *b)
{
	uint16_t i;

	if (a->next_cursor != b->next_cursor || a->count != b->count || a->count > WIRE_MAX_ENTRIES)
		return false;
	for (i = 0; i < a->count; i++)
		if (!cap_entry_eq(&a->entries[i], &b->entries[i]))
			return false;
	return true;
}

static bool reg_list_eq(const struct wire_reg_list_ok *a, const struct wire_reg_list_ok *b)
{
	uint16_t i;

	if (a->more != b->more || a->count != b->count || a->count > WIRE_MAX_ENTRIES)
		return false;
	for (i = 0; i < a->count; i++) {
		const struct wire_reg_entry *x = &a->entries[i], *y = &b->entries[i];

		if (!str_eq(&x->name, &y->name) || x->version != y->version || x->size != y->size ||
		    x->consumed != y->consumed)
			return false;
	}
	return true;
}

static bool region_list_eq(const struct wire_region_list_ok *a, const struct wire_region_list_ok *b)
{
	uint16_t i;

	if (a->next_cursor != b->next_cursor || a->count != b->count || a->count > WIRE_MAX_ENTRIES)
		return false;
	for (i = 0; i < a->count; i++) {
		const struct wire_region_entry *x = &a->entries[i], *y = &b->entries[i];

		if (x->region != y->region || x->access != y->access || x->size != y->size ||
		    x->fd != y->fd || !str_eq(&x->name, &y->name))
			return false;
	}
	return true;
}

/* Every type listed, no default: a new type fails to compile until it is compared. */
static bool body_eq(enum wire_type type, const struct wire_msg *a, const struct wire_msg *b)
{
	const typeof(a->u) *x = &a->u, *y = &b->u;

	switch (type) {
	case WIRE_T_HELLO:
	case WIRE_T_PING:
	case WIRE_T_PING_OK:
	case WIRE_T_LOG_OK:
	case WIRE_T_REGISTER_DELETE_OK:
	case WIRE_T_NET_CONNECT_OK:
		return true;
	case WIRE_T_LOG:
		return x->log.level == y->log.level && str_eq(&x->log.text, &y->log.text);
	case WIRE_T_CAP_LIST:
	case WIRE_T_REGION_LIST:
		return x->cursor.cursor == y->cursor.cursor;
	case WIRE_T_CAP_ATTENUATE:
		return token_eq(&x->cap_attenuate.token, &y->cap_attenuate.token) &&
		       x->cap_attenuate.rights == y->cap_attenuate.rights &&
		       x->cap_attenuate.expires_ms == y->cap_attenuate.expires_ms &&
		       x->cap_attenuate.uses == y->cap_attenuate.uses;
	case WIRE_T_CAP_REVOKE:
		return token_eq(&x->cap_revoke.token, &y->cap_revoke.token);
	case WIRE_T_REGISTER_CREATE:
		return token_eq(&x->reg_create.token, &y->reg_create.token) &&
		       str_eq(&x->reg_create.name, &y->reg_create.name) &&
		       value_eq(&x->reg_create.value, &y->reg_create.value);
	case WIRE_T_REGISTER_READ:
		return token_eq(&x->reg_read.token, &y->reg_read.token) &&
		       str_eq(&x->reg_read.name, &y->reg_read.name) &&
		       sink_eq(&x->reg_read.sink, &y->reg_read.sink);
	case WIRE_T_REGISTER_WRITE:
		return token_eq(&x->reg_write.token, &y->reg_write.token) &&
		       str_eq(&x->reg_write.name, &y->reg_write.name) &&
		       x->reg_write.expected_version == y->reg_write.expected_version &&
		       value_eq(&x->reg_write.value, &y->reg_write.value);
	case WIRE_T_REGISTER_CONSUME:
		return token_eq(&x->reg_consume.token, &y->reg_consume.token) &&
		       str_eq(&x->reg_consume.name, &y->reg_consume.name) &&
		       x->reg_consume.expected_version == y->reg_consume.expected_version &&
		       sink_eq(&x->reg_consume.sink, &y->reg_consume.sink);
	case WIRE_T_REGISTER_LIST:
		return token_eq(&x->reg_list.token, &y->reg_list.token) &&
		       str_eq(&x->reg_list.prefix, &y->reg_list.prefix) &&
		       str_eq(&x->reg_list.after, &y->reg_list.after);
	case WIRE_T_REGISTER_DELETE:
		return token_eq(&x->reg_delete.token, &y->reg_delete.token) &&
		       str_eq(&x->reg_delete.name, &y->reg_delete.name) &&
		       x->reg_delete.expected_version == y->reg_delete.expected_version;
	case WIRE_T_FS_OPEN:
		return token_eq(&x->fs_open.token, &y->fs_open.token) &&
		       x->fs_open.flags == y->fs_open.flags && x->fs_open.mode == y->fs_open.mode &&
		       str_eq(&x->fs_open.root, &y->fs_open.root) &&
		       str_eq(&x->fs_open.path, &y->fs_open.path);
	case WIRE_T_NET_CONNECT:
		return token_eq(&x->net_connect.token, &y->net_connect.token) &&
		       x->net_connect.port == y->net_connect.port &&
		       str_eq(&x->net_connect.address, &y->net_connect.address);
	case WIRE_T_ERROR:
		return x->error.code == y->error.code &&
		       str_eq(&x->error.message, &y->error.message);
	case WIRE_T_HELLO_OK:
		return str_eq(&x->hello_ok.instance_id, &y->hello_ok.instance_id) &&
		       x->hello_ok.cap_count == y->hello_ok.cap_count &&
		       x->hello_ok.region_count == y->hello_ok.region_count;
	case WIRE_T_CAP_LIST_OK:
		return cap_list_eq(&x->cap_list_ok, &y->cap_list_ok);
	case WIRE_T_CAP_ATTENUATE_OK:
		return cap_entry_eq(&x->cap_entry, &y->cap_entry);
	case WIRE_T_CAP_REVOKE_OK:
		return x->cap_revoke_ok.revoked == y->cap_revoke_ok.revoked;
	case WIRE_T_REGISTER_CREATE_OK:
	case WIRE_T_REGISTER_WRITE_OK:
		return x->version.version == y->version.version;
	case WIRE_T_REGISTER_READ_OK:
	case WIRE_T_REGISTER_CONSUME_OK:
		return x->reg_value.version == y->reg_value.version &&
		       value_eq(&x->reg_value.value, &y->reg_value.value);
	case WIRE_T_REGISTER_LIST_OK:
		return reg_list_eq(&x->reg_list_ok, &y->reg_list_ok);
	case WIRE_T_FS_OPEN_OK:
		return x->fs_open_ok.flags == y->fs_open_ok.flags;
	case WIRE_T_REGION_LIST_OK:
		return region_list_eq(&x->region_list_ok, &y->region_list_ok);
	}
	return false; /* a value outside the enum */
}

bool wire_msg_equal(const struct wire_msg *a, const struct wire_msg *b)
{
	if (a->type != b->type || a->request_id != b->request_id)
		return false;
	return body_eq(a->type, a, b);
}
