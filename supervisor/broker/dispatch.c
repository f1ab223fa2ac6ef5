/* SPDX-License-Identifier: MIT */
/*
 * Broker dispatch: instance lifecycle, frame receive and reply, the order of
 * checks, statistics and the report. The effect handlers are in
 * handlers_cap.c, handlers_reg.c and handlers_fs.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "supervisor/broker/dispatch_internal.h"
#include "supervisor/broker/execlog.h"
#include "supervisor/broker/regions.h"
#include "supervisor/broker/store.h"

/* Room for descriptors a hostile peer may attach: each one is closed. */
#define RECV_MAX_FDS 32

static const enum wire_type request_types[BROKER_N_REQ] = {
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
};

static int request_index(enum wire_type t)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(request_types); i++)
		if (request_types[i] == t)
			return (int)i;
	return -1;
}

uint64_t broker_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The policy's effect bit for a request type; 0: served whenever the broker is. */
static uint32_t effect_of(enum wire_type t)
{
	switch ((unsigned)t) { /* requests only: the rest is the default */
	case WIRE_T_LOG:
		return POLICY_EFFECT_LOG;
	case WIRE_T_CAP_ATTENUATE:
	case WIRE_T_CAP_REVOKE:
		return POLICY_EFFECT_CAP;
	case WIRE_T_REGISTER_CREATE:
	case WIRE_T_REGISTER_READ:
	case WIRE_T_REGISTER_WRITE:
	case WIRE_T_REGISTER_CONSUME:
	case WIRE_T_REGISTER_LIST:
	case WIRE_T_REGISTER_DELETE:
		return POLICY_EFFECT_REGISTER;
	case WIRE_T_FS_OPEN:
		return POLICY_EFFECT_FS_OPEN;
	case WIRE_T_NET_CONNECT:
		return POLICY_EFFECT_NET_CONNECT;
	default:
		/* hello, ping, cap.list, region.list: what the instance holds, nothing outside
		 * it; every other request needs a token, and tokens come from cap.list */
		return 0;
	}
}

int broker_deny(struct broker_req *r, enum wire_error code, const char *msg)
{
	r->err_msg = msg;
	return -(int)code;
}

static enum wire_error cap_reason_to_wire(enum cap_reason why)
{
	switch (cap_reason_for_instance(why)) {
	case CAP_DENY_REVOKED:
		return WIRE_E_REVOKED;
	case CAP_DENY_EXPIRED:
		return WIRE_E_EXPIRED;
	case CAP_DENY_EXHAUSTED:
		return WIRE_E_EXHAUSTED;
	case CAP_DENY_RESOURCE:
	case CAP_DENY_RIGHTS:
		return WIRE_E_RIGHTS;
	case CAP_OK:
	case CAP_DENY_NOT_FOUND:
	case CAP_DENY_WRONG_HOLDER:
	case _CAP_REASON_MAX:
	default:
		return WIRE_E_NO_CAPABILITY;
	}
}

int broker_check_cap(struct broker_instance *bi, struct broker_req *r, const struct wire_token *tok,
		     enum cap_kind kind, const char *name, uint32_t rights)
{
	struct cap_token t;
	enum cap_reason why;

	_Static_assert(sizeof(t.bytes) == sizeof(tok->bytes), "token sizes");
	memcpy(t.bytes, tok->bytes, sizeof(t.bytes));
	why = cap_check(bi->caps, &t, bi->holder, kind, name, rights, broker_now_ms(), &r->cap_id);
	explicit_bzero(&t, sizeof(t));
	if (why == CAP_OK)
		return 0;
	/* the full reason (wrong_holder included) is for our log only */
	log_msg(LOG_LEVEL_DEBUG, "instance %s: %s denied: capability %s", bi->id,
		wire_type_name(r->req->type), cap_reason_name(why));
	return broker_deny(r, cap_reason_to_wire(why), "capability check failed");
}

int broker_quota_storage(struct broker_instance *bi, struct broker_req *r)
{
	uint64_t max = bi->policy->broker.max_storage_operations;

	if (max && bi->storage_ops >= max)
		return broker_deny(r, WIRE_E_QUOTA, "storage operation quota exhausted");
	bi->storage_ops++;
	return 0;
}

int broker_quota_network(struct broker_instance *bi, struct broker_req *r)
{
	uint64_t max = bi->policy->broker.max_network_operations;

	if (max && bi->network_ops >= max)
		return broker_deny(r, WIRE_E_QUOTA, "network operation quota exhausted");
	bi->network_ops++;
	return 0;
}

int broker_quota_bytes(struct broker_instance *bi, struct broker_req *r, uint64_t n)
{
	uint64_t max = bi->policy->broker.max_bytes;

	if (max && (n > max || bi->bytes > max - n))
		return broker_deny(r, WIRE_E_QUOTA, "byte quota exhausted");
	bi->bytes += n;
	return 0;
}

/* Handlers fill r->rep and may set r->fd; they return 0 or -WIRE_E_*. */
static int handle(struct broker_instance *bi, struct broker_req *r)
{
	switch ((unsigned)r->req->type) {
	case WIRE_T_PING:
		r->rep.type = WIRE_T_PING_OK;
		return 0;
	case WIRE_T_HELLO:
		return broker_handle_hello(bi, r);
	case WIRE_T_LOG:
		return broker_handle_log(bi, r);
	case WIRE_T_CAP_LIST:
		return broker_handle_cap_list(bi, r);
	case WIRE_T_CAP_ATTENUATE:
		return broker_handle_cap_attenuate(bi, r);
	case WIRE_T_CAP_REVOKE:
		return broker_handle_cap_revoke(bi, r);
	case WIRE_T_REGISTER_CREATE:
	case WIRE_T_REGISTER_READ:
	case WIRE_T_REGISTER_WRITE:
	case WIRE_T_REGISTER_CONSUME:
	case WIRE_T_REGISTER_DELETE:
		return broker_handle_register(bi, r);
	case WIRE_T_REGISTER_LIST:
		return broker_handle_register_list(bi, r);
	case WIRE_T_FS_OPEN:
		return broker_handle_fs_open(bi, r);
	case WIRE_T_REGION_LIST:
		return broker_handle_region_list(bi, r);
	case WIRE_T_NET_CONNECT:
		return broker_handle_net_connect(bi, r);
	default:
		return broker_deny(r, WIRE_E_TYPE, "not a request");
	}
}

/*
 * Sends one frame without blocking. A full socket drops the reply (and the
 * descriptor with it): the instance that stops reading only hurts itself.
 */
static int send_frame(struct broker_instance *bi, const uint8_t *buf, size_t len, int fd)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *c;

	if (fd >= 0) {
		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	if (sendmsg(bi->sock, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
		return 0;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
		bi->stats.replies_dropped++;
		return 0;
	}
	if (errno == EPIPE || errno == ECONNRESET)
		return BROKER_CLOSED;
	return -errno;
}

static int send_error(struct broker_instance *bi, uint32_t request_id, enum wire_error code,
		      const char *msg)
{
	char text[WIRE_MAX_ERROR_MSG + 1];
	struct wire_msg m = {.type = WIRE_T_ERROR, .request_id = request_id};
	size_t len;

	snprintf(text, sizeof(text), "%s", msg ? msg : wire_error_name(code));
	m.u.error.code = code;
	m.u.error.message.ptr = text;
	m.u.error.message.len = (uint16_t)wire_text_clean(text, WIRE_MAX_ERROR_MSG);
	if (wire_encode(&m, bi->out, sizeof(bi->out), &len) < 0)
		return -EINVAL; /* our own bug: cannot happen with a cleaned text */
	return send_frame(bi, bi->out, len, -1);
}

static bool is_denial(enum wire_error code)
{
	return wire_error_is_protocol(code) ||
	       (code >= WIRE_E_DENIED_POLICY && code <= WIRE_E_QUOTA);
}

static void count_denial(struct broker_instance *bi, enum wire_error code)
{
	if ((unsigned)code < ARRAY_SIZE(bi->stats.errors))
		bi->stats.errors[code]++;
	/* protocol faults and refusals at the policy, capability and quota steps */
	if (is_denial(code))
		bi->stats.security_events++;
}

/* Encodes and sends the handler's reply, or its typed error. */
static int reply(struct broker_instance *bi, struct broker_req *r, int res)
{
	size_t len;
	int k;

	if (res == 0) {
		r->rep.request_id = r->req->request_id;
		k = wire_encode(&r->rep, bi->out, sizeof(bi->out), &len);
		if (k == 0)
			return send_frame(bi, bi->out, len, r->fd);
		log_errno(LOG_LEVEL_ERROR, k, "instance %s: cannot encode %s", bi->id,
			  wire_type_name(r->rep.type));
		res = broker_deny(r, WIRE_E_INTERNAL, "reply could not be encoded");
	}
	count_denial(bi, (enum wire_error) - res);
	log_msg(LOG_LEVEL_DEBUG, "instance %s: %s request %u: %s", bi->id,
		wire_type_name(r->req->type), r->req->request_id,
		wire_error_name((enum wire_error) - res));
	return send_error(bi, r->req->request_id, (enum wire_error) - res, r->err_msg);
}

/* A frame that failed decoding: a security event, answered or fatal per policy. */
static int malformed(struct broker_instance *bi, const uint8_t *buf, size_t len,
		     enum wire_error code, const char *why)
{
	uint32_t id = 0;

	bi->stats.malformed++;
	count_denial(bi, code);
	log_msg(LOG_LEVEL_INFO, "instance %s: malformed broker frame (%s): %s", bi->id,
		wire_error_name(code), why);
	if (bi->policy->broker.on_malformed == POLICY_MALFORMED_KILL)
		return -EBADMSG;
	/* the request id is only trusted once the header's magic was seen */
	if (len >= WIRE_HEADER_SIZE && buf[0] == 'V' && buf[1] == 'M' && buf[2] == 'S' &&
	    buf[3] == 'B')
		id = (uint32_t)buf[12] | (uint32_t)buf[13] << 8 | (uint32_t)buf[14] << 16 |
		     (uint32_t)buf[15] << 24;
	return send_error(bi, id, code, wire_error_name(code));
}

static int serve_frame(struct broker_instance *bi, size_t len, bool had_fds)
{
	struct err_ctx e = {0};
	struct wire_msg m;
	struct broker_req r;
	uint32_t effect;
	int idx, res, k;

	if (had_fds)
		return malformed(bi, bi->buf, len, WIRE_E_MALFORMED, "descriptors attached");
	k = wire_decode(bi->buf, len, &m, &e);
	if (k < 0)
		return malformed(bi, bi->buf, len, (enum wire_error) - k, e.msg);
	idx = request_index(m.type);
	if (idx < 0)
		return malformed(bi, bi->buf, len, WIRE_E_TYPE, "a reply where a request is due");
	/* handlers fill a zeroed reply of their type; the rest of the union stays unused */
	r.req = &m;
	r.fd = -1;
	r.mem = NULL;
	r.err_msg = NULL;
	r.cap_id = 0;
	memset(&r.rep, 0, wire_msg_size((enum wire_type)(m.type | WIRE_T_REPLY)));
	bi->stats.requests[idx]++;
	effect = effect_of(m.type);
	if (effect && !(bi->policy->broker.effects & effect))
		res = broker_deny(&r, WIRE_E_DENIED_POLICY, "effect not allowed by the policy");
	else
		res = handle(bi, &r);
	k = reply(bi, &r, res);
	execlog_request(bi->exec_log, bi->id, &m, res == 0 ? &r.rep : NULL, res, r.cap_id);
	if (r.fd >= 0)
		close(r.fd);
	free(r.mem);
	if (res == 0 && log_get_level() >= LOG_LEVEL_DEBUG) /* spare the name lookups */
		log_msg(LOG_LEVEL_DEBUG, "instance %s: %s request %u: ok", bi->id,
			wire_type_name(m.type), m.request_id);
	return k;
}

/* Closes every descriptor in the control data; true if there was any. */
static bool close_passed_fds(struct msghdr *mh)
{
	struct cmsghdr *c;
	bool any = false;
	size_t i, n;
	int fd;

	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		any = true;
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			close(fd);
		}
	}
	return any;
}

/* recv returned 0: an empty datagram, or the peer hung up. */
static bool peer_gone(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN | POLLRDHUP};

	return poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLRDHUP | POLLERR));
}

static int recv_one(struct broker_instance *bi)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * RECV_MAX_FDS)];
	} ctl;
	struct iovec iov = {.iov_base = bi->buf, .iov_len = sizeof(bi->buf)};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl.buf,
			    .msg_controllen = sizeof(ctl)};
	ssize_t n;
	bool fds;

	n = recvmsg(bi->sock, &mh, MSG_DONTWAIT | MSG_TRUNC | MSG_CMSG_CLOEXEC);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return BROKER_IDLE;
		if (errno == EINTR)
			return BROKER_MORE;
		if (errno == ECONNRESET)
			return BROKER_CLOSED;
		return -errno;
	}
	fds = close_passed_fds(&mh) || (mh.msg_flags & MSG_CTRUNC);
	if (n == 0 && !fds && peer_gone(bi->sock))
		return BROKER_CLOSED;
	if ((size_t)n > sizeof(bi->buf))
		return malformed(bi, bi->buf, sizeof(bi->buf), WIRE_E_TOO_BIG,
				 "oversized datagram");
	return serve_frame(bi, (size_t)n, fds);
}

/*
 * One frame per call, on purpose: a second recvmsg would almost always find
 * nothing (a request waits for its reply) and cost a system call per round
 * trip, and the level-triggered loop comes back while frames wait, taking
 * turns with every other source so a flooding instance starves no one.
 */
int broker_instance_on_readable(struct broker_instance *bi)
{
	int r = recv_one(bi);

	return r == 0 ? BROKER_IDLE : r;
}

static int open_root(struct broker_instance *bi, const char *name, struct err_ctx *reterr)
{
	struct broker_root *n;
	size_t i;
	int fd;

	for (i = 0; i < bi->n_roots; i++)
		if (strcmp(bi->roots[i].name, name) == 0)
			return 0; /* two grants on one root share its descriptor */
	n = reallocarray(bi->roots, bi->n_roots + 1, sizeof(*n));
	if (!n)
		return err_set(reterr, ENOMEM, "cannot record fs root '%s'", name);
	bi->roots = n;
	fd = open(name, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_set(reterr, errno, "cannot open fs grant root '%s'", name);
	n[bi->n_roots].fd = fd;
	n[bi->n_roots].name = strdup(name);
	if (!n[bi->n_roots].name) {
		close(fd);
		return err_set(reterr, ENOMEM, "cannot record fs root '%s'", name);
	}
	bi->n_roots++;
	return 0;
}

/* One root capability per grant; fs grants also get their root opened now. */
static int mint_grants(struct broker_instance *bi, struct err_ctx *reterr)
{
	const struct policy_broker *b = &bi->policy->broker;
	struct cap_token tok;
	enum cap_kind kind;
	size_t i;
	int r;

	for (i = 0; i < b->n_grants; i++) {
		const struct policy_grant *g = &b->grants[i];

		switch (g->kind) {
		case POLICY_GRANT_REGISTER:
			kind = CAP_KIND_REGISTER;
			break;
		case POLICY_GRANT_FS:
			kind = CAP_KIND_FS;
			r = open_root(bi, g->name, reterr);
			if (r < 0)
				return r;
			break;
		case POLICY_GRANT_NET:
			kind = CAP_KIND_NET;
			break;
		case _POLICY_GRANT_KIND_MAX:
		default:
			return err_set(reterr, EINVAL, "grant %zu has an unknown kind", i);
		}
		r = cap_mint(bi->caps, bi->holder, kind, g->name, g->rights, 0, 0, NULL, &tok,
			     reterr);
		explicit_bzero(&tok, sizeof(tok));
		if (r < 0)
			return r;
	}
	return 0;
}

static int check_socket(int fd, struct err_ctx *reterr)
{
	int type = 0, fl;
	socklen_t len = sizeof(type);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		return err_set(reterr, errno, "broker socket %d", fd);
	if (type != SOCK_SEQPACKET)
		return err_set(reterr, EINVAL, "broker socket %d is not SOCK_SEQPACKET", fd);
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return err_set(reterr, errno, "cannot make broker socket %d non-blocking", fd);
	return 0;
}

int broker_instance_new(const struct policy *p, struct captable *t, uint64_t holder,
			const char *instance_id, int sock_fd, struct broker_instance **ret,
			struct err_ctx *reterr)
{
	_cleanup_broker_instance_ struct broker_instance *bi = NULL;
	size_t n;
	int r;

	if (!p || !t || !ret || holder == 0 || !instance_id)
		return err_set(reterr, EINVAL, "broker instance: missing argument");
	n = strlen(instance_id);
	if (n == 0 || n > WIRE_MAX_INSTANCE_ID)
		return err_set(reterr, EINVAL, "broker instance id has %zu bytes", n);
	r = check_socket(sock_fd, reterr);
	if (r < 0)
		return r;
	bi = calloc(1, sizeof(*bi));
	if (!bi)
		return err_set(reterr, ENOMEM, "cannot allocate broker instance");
	bi->policy = p;
	bi->caps = t;
	bi->holder = holder;
	bi->sock = -1;
	memcpy(bi->id, instance_id, n + 1);
	wire_text_clean(bi->id, WIRE_MAX_INSTANCE_ID);
	r = mint_grants(bi, reterr);
	if (r < 0)
		return r;
	bi->sock = sock_fd;
	*ret = take_ptr(bi);
	return 0;
}

struct broker_instance *broker_instance_free(struct broker_instance *bi)
{
	size_t i;

	if (!bi)
		return NULL;
	cap_drop_holder(bi->caps, bi->holder);
	for (i = 0; i < bi->n_roots; i++) {
		close(bi->roots[i].fd);
		free(bi->roots[i].name);
	}
	free(bi->roots);
	if (bi->store_owned)
		store_close(bi->store);
	if (bi->sock >= 0)
		close(bi->sock);
	free(bi);
	return NULL;
}

int broker_instance_fd(const struct broker_instance *bi)
{
	return bi->sock;
}

void broker_instance_set_store(struct broker_instance *bi, struct store *s)
{
	if (bi->store_owned)
		store_close(bi->store);
	bi->store = s;
	bi->store_owned = false;
}

void broker_instance_set_regions(struct broker_instance *bi, struct region_set *rs)
{
	bi->regions = rs;
}

void broker_instance_set_exec_log(struct broker_instance *bi, struct execlog *l)
{
	bi->exec_log = l;
}

static json_t *json_decref_null(json_t *o)
{
	json_decref(o);
	return NULL;
}

static json_t *quota_json(uint64_t used, uint64_t limit)
{
	return json_pack("{s:I, s:I}", "used", (json_int_t)used, "limit", (json_int_t)limit);
}

/* Error replies by name: denials (security events) in one object, failures in the other. */
static int errors_json(const struct broker_instance *bi, json_t *den, json_t *fail)
{
	size_t i;

	for (i = 1; i < ARRAY_SIZE(bi->stats.errors); i++) {
		if (!bi->stats.errors[i])
			continue;
		if (json_object_set_new(is_denial((enum wire_error)i) ? den : fail,
					wire_error_name((enum wire_error)i),
					json_integer((json_int_t)bi->stats.errors[i])) < 0)
			return -ENOMEM;
	}
	return 0;
}

json_t *broker_instance_report(const struct broker_instance *bi)
{
	json_t *req = json_object(), *den = json_object(), *fail = json_object(), *quota, *o;
	size_t i;

	quota = json_pack("{s:o, s:o, s:o}", "storage_operations",
			  quota_json(bi->storage_ops, bi->policy->broker.max_storage_operations),
			  "network_operations",
			  quota_json(bi->network_ops, bi->policy->broker.max_network_operations),
			  "bytes", quota_json(bi->bytes, bi->policy->broker.max_bytes));
	if (!req || !den || !fail || !quota || errors_json(bi, den, fail) < 0)
		goto oom;
	for (i = 0; i < ARRAY_SIZE(request_types); i++)
		if (bi->stats.requests[i] &&
		    json_object_set_new(req, wire_type_name(request_types[i]),
					json_integer((json_int_t)bi->stats.requests[i])) < 0)
			goto oom;
	/* json_pack's "o" steals its references, on failure too */
	o = json_pack("{s:o, s:o, s:o, s:I, s:I, s:I, s:I, s:o}", "requests", req, "denials", den,
		      "errors", fail, "security_events", (json_int_t)bi->stats.security_events,
		      "malformed", (json_int_t)bi->stats.malformed, "replies_dropped",
		      (json_int_t)bi->stats.replies_dropped, "capabilities_attenuated",
		      (json_int_t)bi->attenuations, "quota", quota);
	if (o && bi->regions &&
	    json_object_set_new(o, "regions", region_set_report(bi->regions)) < 0)
		o = json_decref_null(o);
	return o;
oom:
	json_decref(req);
	json_decref(den);
	json_decref(fail);
	json_decref(quota);
	return NULL;
}
