/* SPDX-License-Identifier: MIT */
/* Broker handlers for register.*: capability, quota, then one store transaction. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "supervisor/broker/dispatch_internal.h"
#include "supervisor/broker/regions.h"
#include "supervisor/broker/store.h"

#define REG_LIST_HEAD (WIRE_HEADER_SIZE + 1 + 2)
#define REG_ENTRY_FIXED (2 + 8 + 8 + 1)

/* Opened on the first register request, so instances that never ask pay nothing. */
static int ensure_store(struct broker_instance *bi, struct broker_req *r)
{
	_cleanup_free_ char *def = NULL;
	struct err_ctx e = {0};
	const char *path = bi->policy->broker.store_path;
	int k;

	if (bi->store)
		return 0;
	if (!path) {
		k = store_default_path(&def, &e);
		if (k < 0)
			goto fail;
		path = def;
	}
	k = store_open(path, &bi->store, &e);
	if (k < 0)
		goto fail;
	bi->store_owned = true;
	return 0;
fail:
	log_msg(LOG_LEVEL_ERROR, "instance %s: register store: %s", bi->id, e.msg);
	return broker_deny(r, WIRE_E_IO, "register store unavailable");
}

static int store_err(struct broker_instance *bi, struct broker_req *r, int k,
		     const struct err_ctx *e)
{
	switch (k) {
	case -ENOENT:
		return broker_deny(r, WIRE_E_NOT_FOUND, "no such register");
	case -EEXIST:
		return broker_deny(r, WIRE_E_EXISTS, "register exists");
	case -ESTALE:
		return broker_deny(r, WIRE_E_CONFLICT, "version changed");
	case -STORE_ECONSUMED:
		return broker_deny(r, WIRE_E_CONSUMED, "register was consumed");
	case -EINVAL:
		return broker_deny(r, WIRE_E_RIGHTS, "invalid register name");
	case -EFBIG:
		return broker_deny(r, WIRE_E_TOO_SMALL, "value too large");
	case -ENOSPC:
		return broker_deny(r, WIRE_E_NO_SPACE, "register store full");
	case -EBUSY:
		return broker_deny(r, WIRE_E_BUSY, "register store busy");
	default:
		log_msg(LOG_LEVEL_WARN, "instance %s: register store: %s", bi->id, e->msg);
		return broker_deny(r, WIRE_E_IO, "register store failed");
	}
}

/* What the request names, its token and the right it needs. */
struct reg_target {
	const struct wire_token *token;
	const struct wire_str *name;
	uint32_t right;
};

static bool reg_target(const struct wire_msg *m, struct reg_target *t)
{
	switch ((unsigned)m->type) {
	case WIRE_T_REGISTER_CREATE:
		*t = (struct reg_target){&m->u.reg_create.token, &m->u.reg_create.name,
					 CAP_RIGHT_CREATE};
		return true;
	case WIRE_T_REGISTER_READ:
		*t = (struct reg_target){&m->u.reg_read.token, &m->u.reg_read.name, CAP_RIGHT_READ};
		return true;
	case WIRE_T_REGISTER_WRITE:
		*t = (struct reg_target){&m->u.reg_write.token, &m->u.reg_write.name,
					 CAP_RIGHT_WRITE};
		return true;
	case WIRE_T_REGISTER_CONSUME:
		*t = (struct reg_target){&m->u.reg_consume.token, &m->u.reg_consume.name,
					 CAP_RIGHT_CONSUME};
		return true;
	case WIRE_T_REGISTER_DELETE:
		*t = (struct reg_target){&m->u.reg_delete.token, &m->u.reg_delete.name,
					 CAP_RIGHT_WRITE};
		return true;
	default:
		return false;
	}
}

/*
 * Whether a value of len bytes fits the sink: inline in a reply, or the
 * region range the instance named (*ret_dst then points at its start in the
 * supervisor's view). 0 or -WIRE_E_*, nothing written either way.
 */
static int sink_fits(struct broker_instance *bi, struct broker_req *r, const struct wire_sink *sink,
		     uint64_t len, uint8_t **ret_dst)
{
	if (sink->kind == WIRE_VALUE_INLINE) {
		if (len > WIRE_MAX_INLINE)
			return broker_deny(r, WIRE_E_TOO_SMALL, "value does not fit inline");
		return 0;
	}
	if (region_set_range(bi->regions, &sink->region, ret_dst) < 0)
		return broker_deny(r, WIRE_E_REGION, "bad region reference");
	if (len > sink->region.length)
		return broker_deny(r, WIRE_E_TOO_SMALL, "value larger than the region range");
	return 0;
}

/* A value read from the store as the reply, inline or into the sink's region; r->mem owns it. */
static int value_reply(struct broker_instance *bi, struct broker_req *r, enum wire_type type,
		       const struct wire_sink *sink, struct store_value *v)
{
	struct wire_value *out = &r->rep.u.reg_value.value;
	uint8_t *dst = NULL;
	int k;

	r->mem = v->data;
	k = sink_fits(bi, r, sink, v->len, &dst);
	if (k < 0)
		return k;
	if (broker_quota_bytes(bi, r, v->len) < 0)
		return -WIRE_E_QUOTA;
	r->rep.type = type;
	r->rep.u.reg_value.version = v->version;
	out->kind = sink->kind;
	if (sink->kind == WIRE_VALUE_INLINE) {
		out->data.ptr = v->data;
		out->data.len = (uint16_t)v->len;
		return 0;
	}
	if (v->len)
		memcpy(dst, v->data, v->len);
	out->region = (struct wire_region_ref){sink->region.region, sink->region.offset, v->len};
	return 0;
}

/*
 * consume hands the value out once, so everything that could refuse the
 * reply (size, byte quota) is checked on a read first; the consume then
 * insists on the version that read saw.
 */
static int reg_consume(struct broker_instance *bi, struct broker_req *r, const char *name,
		       const struct store_actor *who)
{
	const struct wire_reg_consume *c = &r->req->u.reg_consume;
	struct store_value v = {0};
	struct err_ctx e = {0};
	uint64_t max = bi->policy->broker.max_bytes;
	uint8_t *dst;
	int k;

	k = store_read(bi->store, who, name, &v, &e);
	if (k < 0)
		return store_err(bi, r, k, &e);
	free(v.data);
	k = sink_fits(bi, r, &c->sink, v.len, &dst);
	if (k < 0)
		return k;
	if (max && (v.len > max || bi->bytes > max - v.len))
		return broker_deny(r, WIRE_E_QUOTA, "byte quota exhausted");
	if (c->expected_version && c->expected_version != v.version)
		return broker_deny(r, WIRE_E_CONFLICT, "version changed");
	k = store_consume(bi->store, who, name, v.version, &v, &e);
	if (k < 0)
		return store_err(bi, r, k, &e);
	return value_reply(bi, r, WIRE_T_REGISTER_CONSUME_OK, &c->sink, &v);
}

/*
 * The bytes to store: inline in the frame, or copied out of the region the
 * instance named, which it may keep changing under us; the store only ever
 * sees the private copy (r->mem, freed after the reply).
 */
static int value_source(struct broker_instance *bi, struct broker_req *r,
			const struct wire_value *val, const uint8_t **ret_data, size_t *ret_len)
{
	uint8_t *src, *copy;
	size_t len;
	int k;

	if (val->kind == WIRE_VALUE_INLINE) {
		*ret_data = val->data.ptr;
		*ret_len = val->data.len;
		return broker_quota_bytes(bi, r, val->data.len);
	}
	if (region_set_range(bi->regions, &val->region, &src) < 0)
		return broker_deny(r, WIRE_E_REGION, "bad region reference");
	if (val->region.length > STORE_VALUE_MAX)
		return broker_deny(r, WIRE_E_TOO_SMALL, "value too large");
	len = (size_t)val->region.length;
	k = broker_quota_bytes(bi, r, len);
	if (k < 0)
		return k;
	copy = malloc(len ? len : 1);
	if (!copy)
		return broker_deny(r, WIRE_E_INTERNAL, "out of memory");
	memcpy(copy, src, len);
	r->mem = copy;
	*ret_data = copy;
	*ret_len = len;
	return 0;
}

static int reg_write_value(struct broker_instance *bi, struct broker_req *r, const char *name,
			   const struct store_actor *who)
{
	const struct wire_msg *m = r->req;
	const struct wire_value *val =
		m->type == WIRE_T_REGISTER_CREATE ? &m->u.reg_create.value : &m->u.reg_write.value;
	struct err_ctx e = {0};
	const uint8_t *data = NULL;
	uint64_t version = 1;
	size_t len = 0;
	int k;

	k = value_source(bi, r, val, &data, &len);
	if (k < 0)
		return k;
	if (m->type == WIRE_T_REGISTER_CREATE) {
		k = store_create(bi->store, who, name, data, len, &e);
		r->rep.type = WIRE_T_REGISTER_CREATE_OK;
	} else {
		k = store_write(bi->store, who, name, data, len, m->u.reg_write.expected_version,
				&version, &e);
		r->rep.type = WIRE_T_REGISTER_WRITE_OK;
	}
	if (k < 0)
		return store_err(bi, r, k, &e);
	r->rep.u.version.version = version;
	return 0;
}

static int reg_op(struct broker_instance *bi, struct broker_req *r, const char *name,
		  const struct store_actor *who)
{
	const struct wire_msg *m = r->req;
	struct store_value v = {0};
	struct err_ctx e = {0};
	int k;

	switch ((unsigned)m->type) {
	case WIRE_T_REGISTER_CREATE:
	case WIRE_T_REGISTER_WRITE:
		return reg_write_value(bi, r, name, who);
	case WIRE_T_REGISTER_READ:
		k = store_read(bi->store, who, name, &v, &e);
		if (k < 0)
			return store_err(bi, r, k, &e);
		return value_reply(bi, r, WIRE_T_REGISTER_READ_OK, &m->u.reg_read.sink, &v);
	case WIRE_T_REGISTER_CONSUME:
		return reg_consume(bi, r, name, who);
	case WIRE_T_REGISTER_DELETE:
		k = store_delete(bi->store, who, name, m->u.reg_delete.expected_version, &e);
		if (k < 0)
			return store_err(bi, r, k, &e);
		r->rep.type = WIRE_T_REGISTER_DELETE_OK;
		return 0;
	default:
		return broker_deny(r, WIRE_E_TYPE, "not a register request");
	}
}

int broker_handle_register(struct broker_instance *bi, struct broker_req *r)
{
	char name[WIRE_MAX_NAME + 1];
	struct reg_target t;
	struct store_actor who = {.instance = bi->id};
	int k;

	if (!reg_target(r->req, &t) || !broker_cstr(t.name, name, sizeof(name)))
		return broker_deny(r, WIRE_E_MALFORMED, "bad register request");
	k = broker_check_cap(bi, r, t.token, CAP_KIND_REGISTER, name, t.right);
	if (k < 0)
		return k;
	k = broker_quota_storage(bi, r);
	if (k < 0)
		return k;
	k = ensure_store(bi, r);
	if (k < 0)
		return k;
	who.cap = &r->cap_id;
	who.cap_len = sizeof(r->cap_id);
	k = reg_op(bi, r, name, &who);
	log_msg(LOG_LEVEL_DEBUG, "instance %s: %s '%s': %s", bi->id, wire_type_name(r->req->type),
		name, k < 0 ? wire_error_name((enum wire_error) - k) : "ok");
	return k;
}

/* The capability rule of captable.h: "*", "P/{*}" (prefix and longer), or exact. */
static bool pattern_covers(const char *pat, const char *name)
{
	size_t pl = strlen(pat);

	if (strcmp(pat, "*") == 0)
		return true;
	if (pl >= 2 && pat[pl - 2] == '/' && pat[pl - 1] == '*')
		return strncmp(pat, name, pl - 1) == 0 && strlen(name) > pl - 1;
	return strcmp(pat, name) == 0;
}

struct list_ctx {
	const char *pattern;
	char (*names)[WIRE_MAX_NAME + 1];
	struct wire_reg_list_ok *out;
	size_t used;
};

static int list_cb(const struct store_entry *e, void *userdata)
{
	struct list_ctx *c = userdata;
	struct wire_reg_entry *w;
	size_t n = strlen(e->name);

	if (!pattern_covers(c->pattern, e->name))
		return 0; /* only what the capability allows */
	if (c->out->count == WIRE_MAX_ENTRIES || c->used + REG_ENTRY_FIXED + n > WIRE_MAX_FRAME) {
		c->out->more = true;
		return 1;
	}
	memcpy(c->names[c->out->count], e->name, n + 1);
	w = &c->out->entries[c->out->count++];
	w->name.ptr = c->names[c->out->count - 1];
	w->name.len = (uint16_t)n;
	w->version = e->version;
	w->size = e->len;
	w->consumed = e->consumed;
	c->used += REG_ENTRY_FIXED + n;
	return 0;
}

/*
 * The name the capability check sees: the prefix itself if the capability
 * covers it, else the prefix as a pattern; no prefix: the capability's own
 * name. The store is then asked for that prefix and every entry is filtered
 * against the capability's name.
 */
static const char *list_check_name(const char *prefix, const char *capname, char *buf, size_t size)
{
	if (!*prefix)
		return capname;
	if (pattern_covers(capname, prefix))
		return prefix;
	snprintf(buf, size, "%s/*", prefix);
	return buf;
}

static const char *list_store_prefix(const char *prefix, const char *capname, char *buf,
				     size_t size)
{
	size_t n = strlen(capname);

	if (*prefix)
		return prefix;
	if (strcmp(capname, "*") == 0)
		return "";
	snprintf(buf, size, "%.*s", (int)(n >= 2 && capname[n - 1] == '*' ? n - 2 : n), capname);
	return buf;
}

int broker_handle_register_list(struct broker_instance *bi, struct broker_req *r)
{
	const struct wire_reg_list *l = &r->req->u.reg_list;
	char prefix[WIRE_MAX_NAME + 1], after[WIRE_MAX_NAME + 1], capname[CAP_NAME_MAX + 1] = "*";
	char check[WIRE_MAX_NAME + 3], sp[CAP_NAME_MAX + 1];
	struct wire_cap_entry ce;
	struct err_ctx e = {0};
	struct store_actor who = {.instance = bi->id};
	struct list_ctx c = {
		.pattern = capname, .out = &r->rep.u.reg_list_ok, .used = REG_LIST_HEAD};
	int k;

	if (!broker_cstr(&l->prefix, prefix, sizeof(prefix)) ||
	    !broker_cstr(&l->after, after, sizeof(after)))
		return broker_deny(r, WIRE_E_MALFORMED, "bad register.list request");
	/* "demo/" asks for what is under demo, as "demo" does: names match by segments */
	if (l->prefix.len > 1 && prefix[l->prefix.len - 1] == '/')
		prefix[l->prefix.len - 1] = '\0';
	/* not held: the check below then says why, without our having read anything */
	broker_find_cap(bi, &l->token, &ce, capname);
	k = broker_check_cap(bi, r, &l->token, CAP_KIND_REGISTER,
			     list_check_name(prefix, capname, check, sizeof(check)),
			     CAP_RIGHT_READ);
	if (k < 0 || (k = broker_quota_storage(bi, r)) < 0 || (k = ensure_store(bi, r)) < 0)
		return k;
	c.names = calloc(WIRE_MAX_ENTRIES, sizeof(*c.names));
	if (!c.names)
		return broker_deny(r, WIRE_E_INTERNAL, "out of memory");
	r->mem = c.names;
	r->rep.type = WIRE_T_REGISTER_LIST_OK;
	who.cap = &r->cap_id;
	who.cap_len = sizeof(r->cap_id);
	k = store_list(bi->store, &who, list_store_prefix(prefix, capname, sp, sizeof(sp)), after,
		       0, list_cb, &c, &e);
	if (k < 0)
		return store_err(bi, r, k, &e);
	return 0;
}
