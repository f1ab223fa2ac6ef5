/* SPDX-License-Identifier: MIT */
/* Broker handlers that touch nothing outside the supervisor: hello, log, cap.*. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "supervisor/broker/dispatch_internal.h"
#include "supervisor/broker/regions.h"

#define CAP_LIST_HEAD (WIRE_HEADER_SIZE + 4 + 2)
#define CAP_ENTRY_FIXED (WIRE_TOKEN_SIZE + 1 + 4 + 8 + 1 + 4 + 2)

/* Names of the entries of one reply, alive until it is encoded. */
struct cap_page {
	char names[WIRE_MAX_ENTRIES][CAP_NAME_MAX + 1];
};

static enum wire_cap_kind kind_to_wire(enum cap_kind k)
{
	switch (k) {
	case CAP_KIND_REGISTER:
		return WIRE_CAP_REGISTER;
	case CAP_KIND_FS:
		return WIRE_CAP_FS;
	case CAP_KIND_NET:
		return WIRE_CAP_NET;
	case CAP_KIND_REGION:
		return WIRE_CAP_REGION;
	case CAP_KIND_DOMAIN:
	case _CAP_KIND_MAX:
	default:
		return WIRE_CAP_DOMAIN;
	}
}

static void entry_from_info(const struct cap_info *in, char *name_buf, struct wire_cap_entry *out)
{
	size_t n = strnlen(in->name, CAP_NAME_MAX);

	memcpy(name_buf, in->name, n);
	name_buf[n] = '\0';
	memcpy(out->token.bytes, in->token.bytes, WIRE_TOKEN_SIZE);
	out->kind = kind_to_wire(in->kind);
	out->rights = in->rights;
	out->expires_ms = in->expiry_ms;
	out->limited = in->limited;
	out->uses_left = in->limited ? in->uses_left : 0;
	out->name.ptr = name_buf;
	out->name.len = (uint16_t)n;
}

static int count_cb(const struct cap_info *info, void *userdata)
{
	(void)info;
	(*(uint32_t *)userdata)++;
	return 0;
}

int broker_handle_hello(struct broker_instance *bi, struct broker_req *r)
{
	uint32_t n = 0;

	cap_list(bi->caps, bi->holder, count_cb, &n);
	r->rep.type = WIRE_T_HELLO_OK;
	r->rep.u.hello_ok.instance_id.ptr = bi->id;
	r->rep.u.hello_ok.instance_id.len = (uint16_t)strlen(bi->id);
	r->rep.u.hello_ok.cap_count = n;
	r->rep.u.hello_ok.region_count = (uint32_t)region_set_count(bi->regions);
	return 0;
}

static const char *const log_level_names[_WIRE_LOG_LEVEL_MAX] = {"error", "warning", "info",
								 "debug"};

int broker_handle_log(struct broker_instance *bi, struct broker_req *r)
{
	const struct wire_log *l = &r->req->u.log;
	char text[WIRE_MAX_LOG + 1];
	size_t i;
	int k;

	k = broker_quota_bytes(bi, r, l->text.len);
	if (k < 0)
		return k;
	if (!broker_cstr(&l->text, text, sizeof(text)))
		return broker_deny(r, WIRE_E_TOO_LONG, "log text too long");
	/* the decoder let tabs through; one instance message stays one line of ours */
	for (i = 0; text[i]; i++)
		if (text[i] == '\t')
			text[i] = ' ';
	wire_text_clean(text, WIRE_MAX_LOG);
	/* never above info: an instance must not raise our log's alarm level */
	log_msg(l->level == WIRE_LOG_DEBUG ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO,
		"instance %s: %s: %s", bi->id, log_level_names[l->level], text);
	r->rep.type = WIRE_T_LOG_OK;
	return 0;
}

struct page_ctx {
	uint32_t index, cursor;
	size_t used;
	struct cap_page *page;
	struct wire_cap_list_ok *out;
	bool full;
};

static int page_cb(const struct cap_info *info, void *userdata)
{
	struct page_ctx *c = userdata;
	size_t need = CAP_ENTRY_FIXED + strnlen(info->name, CAP_NAME_MAX);

	if (c->index++ < c->cursor)
		return 0;
	if (c->out->count == WIRE_MAX_ENTRIES || c->used + need > WIRE_MAX_FRAME) {
		c->full = true;
		return 1;
	}
	entry_from_info(info, c->page->names[c->out->count], &c->out->entries[c->out->count]);
	c->out->count++;
	c->used += need;
	return 0;
}

int broker_handle_cap_list(struct broker_instance *bi, struct broker_req *r)
{
	struct page_ctx c = {.cursor = r->req->u.cursor.cursor, .used = CAP_LIST_HEAD};

	c.page = calloc(1, sizeof(*c.page));
	if (!c.page)
		return broker_deny(r, WIRE_E_INTERNAL, "out of memory");
	r->mem = c.page;
	r->rep.type = WIRE_T_CAP_LIST_OK;
	c.out = &r->rep.u.cap_list_ok;
	cap_list(bi->caps, bi->holder, page_cb, &c);
	/* the cursor is the index of the next entry, oldest first */
	c.out->next_cursor = c.full ? c.cursor + c.out->count : 0;
	return 0;
}

struct find_ctx {
	const struct cap_token *token;
	struct wire_cap_entry *out;
	char *name_buf;
	bool found;
};

/* Compares without early exit, like the table does. */
static bool token_eq(const uint8_t *a, const uint8_t *b)
{
	uint8_t d = 0;
	size_t i;

	for (i = 0; i < CAP_TOKEN_SIZE; i++)
		d |= a[i] ^ b[i];
	return d == 0;
}

static int find_cb(const struct cap_info *info, void *userdata)
{
	struct find_ctx *c = userdata;

	if (!token_eq(info->token.bytes, c->token->bytes))
		return 0;
	entry_from_info(info, c->name_buf, c->out);
	c->found = true;
	return 1;
}

/* The holder's live capability for token, as a wire entry; name_buf: CAP_NAME_MAX + 1. */
bool broker_find_cap(struct broker_instance *bi, const struct wire_token *tok,
		     struct wire_cap_entry *ret, char *name_buf)
{
	struct cap_token t;
	struct find_ctx c = {.token = &t, .out = ret, .name_buf = name_buf};

	memcpy(t.bytes, tok->bytes, sizeof(t.bytes));
	cap_list(bi->caps, bi->holder, find_cb, &c);
	explicit_bzero(&t, sizeof(t));
	return c.found;
}

/* captable's errors for a token, shared by attenuate and revoke. */
static int cap_errno_to_wire(struct broker_req *r, int err)
{
	switch (err) {
	case -EKEYEXPIRED:
		return broker_deny(r, WIRE_E_EXPIRED, "capability expired");
	case -EDQUOT:
		return broker_deny(r, WIRE_E_EXHAUSTED, "capability has no uses left");
	case -EPERM:
	case -EINVAL:
		return broker_deny(r, WIRE_E_RIGHTS, "not within the parent capability");
	case -ENOSPC:
		return broker_deny(r, WIRE_E_QUOTA, "capability table full");
	case -ENOMEM:
		return broker_deny(r, WIRE_E_INTERNAL, "out of memory");
	default:
		return broker_deny(r, WIRE_E_NO_CAPABILITY, "capability check failed");
	}
}

int broker_handle_cap_attenuate(struct broker_instance *bi, struct broker_req *r)
{
	const struct wire_cap_attenuate *a = &r->req->u.cap_attenuate;
	struct err_ctx e = {0};
	struct cap_token parent, child;
	struct wire_token wt;
	char *name;
	int k;

	/* the table is shared by every instance: bound what one of them can fill */
	if (bi->attenuations >= BROKER_MAX_ATTENUATIONS)
		return broker_deny(r, WIRE_E_QUOTA, "attenuation quota exhausted");
	memcpy(parent.bytes, a->token.bytes, sizeof(parent.bytes));
	k = cap_attenuate(bi->caps, &parent, bi->holder, a->rights, a->expires_ms, a->uses,
			  broker_now_ms(), &child, &e);
	explicit_bzero(&parent, sizeof(parent));
	if (k < 0) {
		log_msg(LOG_LEVEL_DEBUG, "instance %s: cap.attenuate denied: %s", bi->id, e.msg);
		return cap_errno_to_wire(r, k);
	}
	bi->attenuations++;
	name = calloc(1, CAP_NAME_MAX + 1);
	if (!name)
		return broker_deny(r, WIRE_E_INTERNAL, "out of memory");
	r->mem = name;
	memcpy(wt.bytes, child.bytes, sizeof(wt.bytes));
	explicit_bzero(&child, sizeof(child));
	r->rep.type = WIRE_T_CAP_ATTENUATE_OK;
	if (!broker_find_cap(bi, &wt, &r->rep.u.cap_entry, name))
		return broker_deny(r, WIRE_E_INTERNAL, "new capability not found");
	return 0;
}

int broker_handle_cap_revoke(struct broker_instance *bi, struct broker_req *r)
{
	struct err_ctx e = {0};
	struct cap_token t;
	size_t before = captable_live(bi->caps);
	int k;

	memcpy(t.bytes, r->req->u.cap_revoke.token.bytes, sizeof(t.bytes));
	k = cap_revoke(bi->caps, &t, bi->holder, &e);
	explicit_bzero(&t, sizeof(t));
	if (k < 0) {
		log_msg(LOG_LEVEL_DEBUG, "instance %s: cap.revoke denied: %s", bi->id, e.msg);
		return cap_errno_to_wire(r, k);
	}
	r->rep.type = WIRE_T_CAP_REVOKE_OK;
	r->rep.u.cap_revoke_ok.revoked = (uint32_t)(before - captable_live(bi->caps));
	return 0;
}
