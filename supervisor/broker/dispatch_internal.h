/* SPDX-License-Identifier: MIT */
#ifndef VMSB_SUPERVISOR_BROKER_DISPATCH_INTERNAL_H
#define VMSB_SUPERVISOR_BROKER_DISPATCH_INTERNAL_H

/* Shared by dispatch.c and handlers_*.c only. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "common/wire.h"
#include "supervisor/broker/dispatch.h"

struct region_set;
struct execlog;

#define BROKER_N_REQ 15 /* request types of wire protocol version 1 */

struct broker_root {
	char *name; /* the grant's normalised absolute host directory */
	int fd;	    /* O_PATH | O_DIRECTORY */
};

struct broker_stats {
	uint64_t requests[BROKER_N_REQ]; /* by request type, see request_types */
	uint64_t errors[_WIRE_E_MAX];	 /* error replies (and kills) by code */
	uint64_t malformed;
	uint64_t security_events;
	uint64_t replies_dropped; /* the socket was full */
};

struct broker_instance {
	const struct policy *policy;
	struct captable *caps;
	uint64_t holder;
	int sock;
	char id[WIRE_MAX_INSTANCE_ID + 1];
	struct store *store;
	bool store_owned;
	struct region_set *regions; /* not owned; NULL: the policy declares none */
	struct execlog *exec_log;   /* not owned; NULL: no execution log file */
	struct broker_root *roots;
	size_t n_roots;
	uint64_t storage_ops;
	uint64_t network_ops;
	uint64_t bytes;
	uint64_t attenuations;
	struct broker_stats stats;
	uint8_t buf[WIRE_MAX_FRAME]; /* the request being served: decoded strings point here */
	uint8_t out[WIRE_MAX_FRAME];
};

/* One request on its way through the checks. */
struct broker_req {
	const struct wire_msg *req;
	struct wire_msg rep;
	int fd;		     /* passed with the reply, then closed; -1: none */
	void *mem;	     /* freed after the reply: what rep points into */
	const char *err_msg; /* for the instance: static text, never supervisor details */
	uint64_t cap_id;     /* from cap_check, for the store's op log */
};

uint64_t broker_now_ms(void);

/* Sets the message and returns -code, for handlers to return. */
int broker_deny(struct broker_req *r, enum wire_error code, const char *msg);

/* The capability step; 0 or -WIRE_E_*. */
int broker_check_cap(struct broker_instance *bi, struct broker_req *r, const struct wire_token *tok,
		     enum cap_kind kind, const char *name, uint32_t rights);

/* The quota step; 0 (and counted) or -WIRE_E_QUOTA. */
int broker_quota_storage(struct broker_instance *bi, struct broker_req *r);
int broker_quota_network(struct broker_instance *bi, struct broker_req *r);
int broker_quota_bytes(struct broker_instance *bi, struct broker_req *r, uint64_t n);

/* A wire string as a C string in dst; NULL (never a cut name) if it does not fit. */
static inline const char *broker_cstr(const struct wire_str *s, char *dst, size_t size)
{
	if ((size_t)s->len >= size)
		return NULL;
	if (s->len)
		memcpy(dst, s->ptr, s->len);
	dst[s->len] = '\0';
	return dst;
}

/* The holder's live capability for tok as a wire entry; name_buf has CAP_NAME_MAX + 1 bytes. */
bool broker_find_cap(struct broker_instance *bi, const struct wire_token *tok,
		     struct wire_cap_entry *ret, char *name_buf);

int broker_handle_hello(struct broker_instance *bi, struct broker_req *r);
int broker_handle_log(struct broker_instance *bi, struct broker_req *r);
int broker_handle_cap_list(struct broker_instance *bi, struct broker_req *r);
int broker_handle_cap_attenuate(struct broker_instance *bi, struct broker_req *r);
int broker_handle_cap_revoke(struct broker_instance *bi, struct broker_req *r);
int broker_handle_register(struct broker_instance *bi, struct broker_req *r);
int broker_handle_register_list(struct broker_instance *bi, struct broker_req *r);
int broker_handle_fs_open(struct broker_instance *bi, struct broker_req *r);
int broker_handle_net_connect(struct broker_instance *bi, struct broker_req *r);
int broker_handle_region_list(struct broker_instance *bi, struct broker_req *r);

#endif
