/* SPDX-License-Identifier: MIT */
/*
 * Guest library: the instance's side of the broker protocol. One request, one
 * reply, in order; the broker is the only authority, so every check here is
 * about not trusting a confused or hostile peer on the socket (wrong id, wrong
 * type, malformed frame, descriptors nobody asked for), never about deciding
 * what the instance may do.
 */
#include "vmsandbox/guest.h"

#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/wire.h"

_Static_assert(VMSB_E_NOT_FOUND == VMSB_E_BASE + WIRE_E_NOT_FOUND, "codes follow the wire");
_Static_assert(_VMSB_E_MAX == VMSB_E_BASE + _WIRE_E_MAX, "codes follow the wire");
_Static_assert(VMSB_TOKEN_SIZE == WIRE_TOKEN_SIZE, "token size");
_Static_assert(VMSB_MAX_NAME == WIRE_MAX_NAME && VMSB_MAX_INLINE == WIRE_MAX_INLINE, "limits");
_Static_assert(VMSB_OPEN_DIRECTORY == WIRE_OPEN_DIRECTORY &&
		       VMSB_RIGHT_ATTENUATE == WIRE_RIGHT_ATTENUATE,
	       "bits follow the wire");
_Static_assert((int)VMSB_CAP_DOMAIN == (int)WIRE_CAP_DOMAIN, "kinds follow the wire");
_Static_assert((int)VMSB_REGION_RWX == (int)WIRE_REGION_RWX, "accesses follow the wire");
_Static_assert(VMSB_MAX_ADDRESS == WIRE_MAX_ADDRESS, "limits");

/* Bounds on what a broker may make us hold: a cap list is never unbounded. */
#define GUEST_MAX_CAPS 4096
#define GUEST_MAX_REGIONS 1024
#define GUEST_MAX_RX_FDS 8
#define GUEST_NO_REGION_FD INT32_MAX /* region.list: the region has no descriptor */

struct vmsb {
	int fd;
	uint32_t next_id;
	bool caps_valid;
	size_t n_caps;
	struct vmsb_cap *caps;
	bool token_set; /* vmsb_use_token: present this token, pick none */
	uint8_t token[VMSB_TOKEN_SIZE];
	bool regions_valid;
	size_t n_regions;
	struct vmsb_region_info *regions;
	char errmsg[192];
	uint8_t rx[WIRE_MAX_FRAME]; /* a decoded reply points in here */
};

__attribute__((format(printf, 3, 4))) static int fail(struct vmsb *c, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->errmsg, sizeof(c->errmsg), fmt, ap);
	va_end(ap);
	return err;
}

/* ---- connecting ------------------------------------------------------------ */

static int parse_fd(const char *s, int *ret)
{
	long v = 0;

	if (!s)
		return -ENOENT;
	if (!*s || strlen(s) > 10)
		return -EINVAL;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (*p - '0');
	}
	if (v > INT_MAX)
		return -EINVAL;
	*ret = (int)v;
	return 0;
}

/* An fd number from the environment may name anything: check before trusting it. */
static int check_broker_fd(int fd)
{
	int v;
	socklen_t len = sizeof(v);

	if (fcntl(fd, F_GETFD) < 0)
		return -EBADF;
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len) < 0)
		return errno == ENOTSOCK ? -ENOTSOCK : -errno;
	if (v != AF_UNIX)
		return -EPROTOTYPE;
	len = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) < 0)
		return -errno;
	if (v != SOCK_SEQPACKET)
		return -EPROTOTYPE;
	return 0;
}

int vmsb_connect_fd(int fd, struct vmsb **ret)
{
	struct vmsb *c;
	int r;

	*ret = NULL;
	if (fd < 0)
		return -EBADF;
	r = check_broker_fd(fd);
	if (r < 0)
		return r;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->fd = fd;
	c->next_id = 1;
	*ret = c;
	return 0;
}

int vmsb_connect(struct vmsb **ret)
{
	int fd = -1;
	int r = parse_fd(getenv(VMSB_BROKER_FD_ENV), &fd);

	*ret = NULL;
	if (r < 0)
		return r;
	return vmsb_connect_fd(fd, ret);
}

struct vmsb *vmsb_close(struct vmsb *c)
{
	if (!c)
		return NULL;
	if (c->fd >= 0)
		close(c->fd);
	free(c->caps);
	free(c->regions);
	free(c);
	return NULL;
}

const char *vmsb_errmsg(const struct vmsb *c)
{
	return c ? c->errmsg : "";
}

/* ---- one round trip -------------------------------------------------------- */

static int send_request(struct vmsb *c, struct wire_msg *m)
{
	uint8_t buf[WIRE_MAX_FRAME];
	size_t len;
	ssize_t n;
	int r;

	m->request_id = c->next_id++;
	if (c->next_id == 0) /* 0 is what the broker uses when it cannot read an id */
		c->next_id = 1;
	r = wire_encode(m, buf, sizeof(buf), &len);
	if (r < 0)
		return fail(c, -EINVAL, "%s: a name, text or value breaks a protocol rule",
			    wire_type_name(m->type));
	do
		n = send(c->fd, buf, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return fail(c, -errno, "cannot send %s: %m", wire_type_name(m->type));
	if ((size_t)n != len)
		return fail(c, -EPROTO, "short send of %s", wire_type_name(m->type));
	return 0;
}

static void close_fds(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
}

/* Collects every descriptor the kernel installed, whatever the frame turns out to be. */
static size_t collect_fds(struct msghdr *mh, int *fds, size_t max)
{
	size_t n = 0;

	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		size_t k;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k && n < max; i++)
			memcpy(&fds[n++], CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
	}
	return n;
}

/* Receives one datagram; *ret_len is its real size (MSG_TRUNC), fds are all CLOEXEC. */
static int recv_frame(struct vmsb *c, size_t *ret_len, int *fds, size_t *ret_nfds)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * GUEST_MAX_RX_FDS)];
	} ctl;
	struct iovec iov = {.iov_base = c->rx, .iov_len = sizeof(c->rx)};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n;

	memset(&ctl, 0, sizeof(ctl));
	mh.msg_control = ctl.buf;
	mh.msg_controllen = sizeof(ctl.buf);
	do
		n = recvmsg(c->fd, &mh, MSG_TRUNC | MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return fail(c, -errno, "cannot receive from the broker: %m");
	*ret_nfds = collect_fds(&mh, fds, GUEST_MAX_RX_FDS);
	if (n == 0)
		return fail(c, -ECONNRESET, "the broker closed the connection");
	if (mh.msg_flags & MSG_CTRUNC)
		return fail(c, -EPROTO, "the broker sent more descriptors than a reply may carry");
	*ret_len = (size_t)n;
	return 0;
}

static int broker_error(struct vmsb *c, const struct wire_error_reply *e)
{
	char text[WIRE_MAX_ERROR_MSG + 1];

	memcpy(text, e->message.ptr, e->message.len);
	text[e->message.len] = '\0';
	if (text[0])
		fail(c, 0, "%s: %s", wire_error_name(e->code), text);
	else
		fail(c, 0, "%s", wire_error_name(e->code));
	return -(VMSB_E_BASE + (int)e->code);
}

/* Decodes the reply to id and checks it is of type want (or the error reply). */
static int check_reply(struct vmsb *c, size_t len, uint32_t id, enum wire_type want,
		       struct wire_msg *ret)
{
	struct err_ctx e = {0};

	if (wire_decode(c->rx, len, ret, &e) < 0)
		return fail(c, -EPROTO, "bad reply from the broker: %s", e.msg);
	if (ret->request_id != id)
		return fail(c, -EPROTO, "reply for request %u while waiting for %u",
			    ret->request_id, id);
	if (ret->type == WIRE_T_ERROR)
		return broker_error(c, &ret->u.error);
	if (ret->type != want)
		return fail(c, -EPROTO, "unexpected %s while waiting for %s",
			    wire_type_name(ret->type), wire_type_name(want));
	return 0;
}

static bool carries_fd(enum wire_type t)
{
	return t == WIRE_T_FS_OPEN_OK || t == WIRE_T_NET_CONNECT_OK;
}

/*
 * Sends m and replaces it with the reply of type want. Only fs.open.ok and
 * net.connect.ok carry a descriptor, exactly one, handed out in *ret_fd; any
 * other descriptor is closed unused so that a peer cannot fill our table.
 */
static int call(struct vmsb *c, struct wire_msg *m, enum wire_type want, int *ret_fd)
{
	int fds[GUEST_MAX_RX_FDS];
	size_t nfds = 0, len = 0;
	uint32_t id;
	int r;

	c->errmsg[0] = '\0';
	r = send_request(c, m);
	if (r < 0)
		return r;
	id = m->request_id;
	r = recv_frame(c, &len, fds, &nfds);
	if (r >= 0)
		r = check_reply(c, len, id, want, m);
	if (r >= 0 && carries_fd(want) && nfds != 1)
		r = fail(c, -EPROTO, "%s carried %zu descriptors, not 1", wire_type_name(want),
			 nfds);
	if (r >= 0 && !carries_fd(want) && nfds != 0)
		r = fail(c, -EPROTO, "%s carried descriptors", wire_type_name(want));
	if (r >= 0 && ret_fd) {
		*ret_fd = fds[0];
		return 0;
	}
	close_fds(fds, nfds);
	return r;
}

static void req_init(struct wire_msg *m, enum wire_type t)
{
	memset(m, 0, wire_msg_size(t)); /* the rest of the union is unused for t */
	m->type = t;
}

/* A C string as a wire field; lengths are checked here since the field is 16 bits. */
static int set_str(struct vmsb *c, struct wire_str *s, const char *v, size_t max, const char *what)
{
	size_t n = v ? strlen(v) : 0;

	if (n > max)
		return fail(c, -EINVAL, "%s longer than %zu bytes", what, max);
	s->ptr = v ? v : "";
	s->len = (uint16_t)n;
	return 0;
}

static void copy_str(char *dst, const struct wire_str *s)
{
	memcpy(dst, s->ptr, s->len); /* the decoder bounded len by the field's maximum */
	dst[s->len] = '\0';
}

/* ---- hello, ping, log -------------------------------------------------------- */

int vmsb_hello(struct vmsb *c, struct vmsb_hello *ret)
{
	struct wire_msg m;
	int r;

	req_init(&m, WIRE_T_HELLO);
	r = call(c, &m, WIRE_T_HELLO_OK, NULL);
	if (r < 0)
		return r;
	copy_str(ret->instance_id, &m.u.hello_ok.instance_id);
	ret->cap_count = m.u.hello_ok.cap_count;
	ret->region_count = m.u.hello_ok.region_count;
	return 0;
}

int vmsb_ping(struct vmsb *c)
{
	struct wire_msg m;

	req_init(&m, WIRE_T_PING);
	return call(c, &m, WIRE_T_PING_OK, NULL);
}

int vmsb_log(struct vmsb *c, enum vmsb_log_level level, const char *text)
{
	struct wire_msg m;
	int r;

	req_init(&m, WIRE_T_LOG);
	if ((unsigned)level >= _WIRE_LOG_LEVEL_MAX)
		return fail(c, -EINVAL, "unknown log level %d", (int)level);
	m.u.log.level = (enum wire_log_level)level;
	r = set_str(c, &m.u.log.text, text, WIRE_MAX_LOG, "log message");
	if (r < 0)
		return r;
	return call(c, &m, WIRE_T_LOG_OK, NULL);
}

/* ---- capabilities ------------------------------------------------------------ */

static void cap_from_wire(struct vmsb_cap *dst, const struct wire_cap_entry *e)
{
	memcpy(dst->token, e->token.bytes, VMSB_TOKEN_SIZE);
	dst->kind = (enum vmsb_cap_kind)e->kind;
	dst->rights = e->rights;
	dst->expires_ms = e->expires_ms;
	dst->limited = e->limited;
	dst->uses_left = e->uses_left;
	copy_str(dst->name, &e->name);
}

static int caps_append(struct vmsb *c, const struct wire_cap_list_ok *page, size_t *cap)
{
	if (c->n_caps + page->count > GUEST_MAX_CAPS)
		return fail(c, -EPROTO, "the broker lists more than %d capabilities",
			    GUEST_MAX_CAPS);
	if (c->n_caps + page->count > *cap) {
		size_t want = c->n_caps + WIRE_MAX_ENTRIES;
		struct vmsb_cap *n = realloc(c->caps, want * sizeof(*n));

		if (!n)
			return fail(c, -ENOMEM, "out of memory for the capability list");
		c->caps = n;
		*cap = want;
	}
	for (uint16_t i = 0; i < page->count; i++)
		cap_from_wire(&c->caps[c->n_caps++], &page->entries[i]);
	return 0;
}

/*
 * Every page of a cap.list or region.list; append() takes one reply and
 * tells its entry count and next cursor. A cursor that does not move on
 * would loop forever, so it is an error.
 */
static int list_all(struct vmsb *c, enum wire_type type,
		    int (*append)(struct vmsb *c, const struct wire_msg *m, size_t *cap,
				  uint16_t *ret_count, uint32_t *ret_next))
{
	struct wire_msg m;
	uint32_t cursor = 0, next;
	uint16_t count;
	size_t cap = 0;
	int r;

	for (;;) {
		req_init(&m, type);
		m.u.cursor.cursor = cursor;
		r = call(c, &m, (enum wire_type)(type | WIRE_T_REPLY), NULL);
		if (r >= 0)
			r = append(c, &m, &cap, &count, &next);
		if (r < 0)
			return r;
		if (next == 0)
			return 0;
		if (count == 0 || next == cursor)
			return fail(c, -EPROTO, "%s cursor does not advance", wire_type_name(type));
		cursor = next;
	}
}

static int caps_page(struct vmsb *c, const struct wire_msg *m, size_t *cap, uint16_t *ret_count,
		     uint32_t *ret_next)
{
	*ret_count = m->u.cap_list_ok.count;
	*ret_next = m->u.cap_list_ok.next_cursor;
	return caps_append(c, &m->u.cap_list_ok, cap);
}

static int caps_load(struct vmsb *c)
{
	int r;

	c->caps_valid = false;
	c->n_caps = 0;
	r = list_all(c, WIRE_T_CAP_LIST, caps_page);
	c->caps_valid = r == 0;
	return r;
}

int vmsb_cap_list(struct vmsb *c, const struct vmsb_cap **ret_caps)
{
	int r = caps_load(c);

	if (r < 0)
		return r;
	*ret_caps = c->caps;
	return (int)c->n_caps;
}

int vmsb_cap_attenuate(struct vmsb *c, const uint8_t parent[VMSB_TOKEN_SIZE], uint32_t rights,
		       uint64_t expires_ms, uint32_t uses, struct vmsb_cap *ret)
{
	struct wire_msg m;
	int r;

	req_init(&m, WIRE_T_CAP_ATTENUATE);
	memcpy(m.u.cap_attenuate.token.bytes, parent, WIRE_TOKEN_SIZE);
	m.u.cap_attenuate.rights = rights;
	m.u.cap_attenuate.expires_ms = expires_ms;
	m.u.cap_attenuate.uses = uses;
	c->caps_valid = false; /* the broker's answer may change what we hold */
	r = call(c, &m, WIRE_T_CAP_ATTENUATE_OK, NULL);
	if (r < 0)
		return r;
	cap_from_wire(ret, &m.u.cap_entry);
	return 0;
}

int vmsb_cap_revoke(struct vmsb *c, const uint8_t token[VMSB_TOKEN_SIZE], uint32_t *ret_revoked)
{
	struct wire_msg m;
	int r;

	req_init(&m, WIRE_T_CAP_REVOKE);
	memcpy(m.u.cap_revoke.token.bytes, token, WIRE_TOKEN_SIZE);
	c->caps_valid = false;
	r = call(c, &m, WIRE_T_CAP_REVOKE_OK, NULL);
	if (r < 0)
		return r;
	if (ret_revoked)
		*ret_revoked = m.u.cap_revoke_ok.revoked;
	return 0;
}

/* ---- finding the token for a resource ------------------------------------------ */

enum cover {
	COVER_REGISTER, /* a register name */
	COVER_LIST,	/* a register name prefix */
	COVER_FS,	/* an absolute path */
	COVER_NET,	/* "ADDRESS:PORT" in the canonical form of net_canon */
};

/* "demo/{*}" and "{*}" are patterns (written so, as C comments cannot hold them). */
static bool pattern_stem(const char *pat, size_t *ret_len)
{
	size_t n = strlen(pat);

	if (n >= 1 && pat[n - 1] == '*' && (n == 1 || pat[n - 2] == '/')) {
		*ret_len = n - 1;
		return true;
	}
	return false;
}

/* The broker's rule: a pattern covers names that start with its stem and go on. */
static bool reg_covers(const char *pat, const char *name)
{
	size_t n;

	if (!pattern_stem(pat, &n))
		return strcmp(pat, name) == 0;
	return strlen(name) > n && strncmp(name, pat, n) == 0;
}

/* A listing under prefix can show something when the two agree as far as both go. */
static bool list_covers(const char *pat, const char *prefix)
{
	size_t n, p = strlen(prefix);

	if (!pattern_stem(pat, &n))
		return strncmp(pat, prefix, p) == 0;
	return strncmp(pat, prefix, p < n ? p : n) == 0;
}

/* The root's length if path is the root or beneath it (at a '/' boundary), else 0. */
static size_t fs_covers(const char *root, const char *path)
{
	size_t n = strlen(root);

	if (path[0] != '/' || root[0] != '/')
		return 0;
	if (n == 1)
		return 1;
	if (strncmp(root, path, n) != 0 || (path[n] != '\0' && path[n] != '/'))
		return 0;
	return n;
}

/*
 * A numeric address (IPv6 with or without brackets) and a port, as the one
 * resource name inet_ntop gives ("127.0.0.1:80", "[::1]:80"), so that
 * "[0::1]:80" and "[::1]:80" match; ret_addr (may be NULL, INET6_ADDRSTRLEN
 * bytes) gets the address alone. False if it is not such an address.
 */
static bool net_canon_addr(const char *host, uint16_t port, char *ret, size_t size, char *ret_addr)
{
	char buf[INET6_ADDRSTRLEN], text[INET6_ADDRSTRLEN];
	uint8_t bin[sizeof(struct in6_addr)];
	size_t n = strlen(host);
	bool v6 = false;

	if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
		host++;
		n -= 2;
		v6 = true;
	}
	if (n == 0 || n >= sizeof(buf) || port == 0)
		return false;
	memcpy(buf, host, n);
	buf[n] = '\0';
	if (!v6 && inet_pton(AF_INET, buf, bin) == 1) {
		inet_ntop(AF_INET, bin, text, sizeof(text));
	} else if (inet_pton(AF_INET6, buf, bin) == 1) {
		inet_ntop(AF_INET6, bin, text, sizeof(text));
		v6 = true;
	} else {
		return false;
	}
	if (ret_addr)
		memcpy(ret_addr, text, strlen(text) + 1);
	return snprintf(ret, size, v6 ? "[%s]:%u" : "%s:%u", text, port) < (int)size;
}

/* The same for a whole name "ADDRESS:PORT", as a net capability is named. */
static bool net_canon(const char *name, char *ret, size_t size)
{
	const char *colon = strrchr(name, ':');
	char host[INET6_ADDRSTRLEN + 2];
	unsigned long port;
	char *end;

	if (!colon || colon == name || (size_t)(colon - name) >= sizeof(host) || colon[1] < '1' ||
	    colon[1] > '9')
		return false;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || port > 65535)
		return false;
	memcpy(host, name, (size_t)(colon - name));
	host[colon - name] = '\0';
	if (strchr(host, ':') && host[0] != '[') /* "::1:80" is ambiguous: IPv6 needs brackets */
		return false;
	return net_canon_addr(host, (uint16_t)port, ret, size, NULL);
}

/* The address part of a covering net capability's name, brackets off: the broker's spelling. */
static void net_cap_address(const char *name, char ret[INET6_ADDRSTRLEN])
{
	const char *colon = strrchr(name, ':');
	size_t n = (size_t)(colon - name);

	if (name[0] == '[') {
		name++;
		n -= 2;
	}
	memcpy(ret, name, n);
	ret[n] = '\0';
}

static bool net_covers(const char *cap_name, const char *target)
{
	char canon[INET6_ADDRSTRLEN + 8];

	return net_canon(cap_name, canon, sizeof(canon)) && strcmp(canon, target) == 0;
}

/* Specificity of the match (0 = none): the longest root or pattern wins. */
static size_t cap_score(const struct vmsb_cap *k, enum cover how, const char *target)
{
	switch (how) {
	case COVER_REGISTER:
		return k->kind == VMSB_CAP_REGISTER && reg_covers(k->name, target)
			       ? 1 + strlen(k->name)
			       : 0;
	case COVER_LIST:
		return k->kind == VMSB_CAP_REGISTER && list_covers(k->name, target)
			       ? 1 + strlen(k->name)
			       : 0;
	case COVER_FS:
		return k->kind == VMSB_CAP_FS ? fs_covers(k->name, target) : 0;
	case COVER_NET:
		return k->kind == VMSB_CAP_NET && net_covers(k->name, target);
	}
	return 0;
}

static bool cap_usable(const struct vmsb_cap *k, uint32_t need)
{
	struct timespec ts;
	uint64_t now_ms;

	if ((k->rights & need) != need || (k->limited && k->uses_left == 0))
		return false;
	if (!k->expires_ms || clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		return true;
	now_ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
	return now_ms < k->expires_ms;
}

static const char *cover_name(enum cover how)
{
	switch (how) {
	case COVER_REGISTER:
	case COVER_LIST:
		return "register";
	case COVER_FS:
		return "path";
	case COVER_NET:
		return "address";
	}
	return "resource";
}

/*
 * Prefers a usable capability with the right; failing that, one that merely
 * covers the resource, so that the broker, the only authority, says why not.
 */
static int pick_cap(struct vmsb *c, enum cover how, const char *target, uint32_t need,
		    const struct vmsb_cap **ret)
{
	const struct vmsb_cap *best = NULL;
	bool best_usable = false;
	size_t best_score = 0;
	int r;

	if (!c->caps_valid) {
		r = caps_load(c);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < c->n_caps; i++) {
		size_t s = cap_score(&c->caps[i], how, target);
		bool u = cap_usable(&c->caps[i], need);

		if (!s || (best_usable && !u) || (u == best_usable && s <= best_score))
			continue;
		best = &c->caps[i];
		best_usable = u;
		best_score = s;
	}
	if (!best)
		return fail(c, -VMSB_E_NO_CAPABILITY, "no capability covers %s '%s'",
			    cover_name(how), target);
	*ret = best;
	return 0;
}

static const struct vmsb_cap *cap_by_token(const struct vmsb *c, const uint8_t *token)
{
	if (!c->caps_valid)
		return NULL;
	for (size_t i = 0; i < c->n_caps; i++)
		if (memcmp(c->caps[i].token, token, VMSB_TOKEN_SIZE) == 0)
			return &c->caps[i];
	return NULL;
}

/*
 * The token a request presents: the one vmsb_use_token named, or the one
 * pick_cap finds. *ret_cap is the capability it belongs to, or NULL when the
 * caller named a token the library does not know (then the broker judges it).
 */
static int choose_token(struct vmsb *c, enum cover how, const char *target, uint32_t need,
			struct wire_token *tok, const struct vmsb_cap **ret_cap)
{
	int r;

	if (c->token_set) {
		memcpy(tok->bytes, c->token, WIRE_TOKEN_SIZE);
		*ret_cap = cap_by_token(c, c->token);
		return 0;
	}
	r = pick_cap(c, how, target, need, ret_cap);
	if (r < 0)
		return r;
	memcpy(tok->bytes, (*ret_cap)->token, WIRE_TOKEN_SIZE);
	return 0;
}

void vmsb_use_token(struct vmsb *c, const uint8_t token[VMSB_TOKEN_SIZE])
{
	c->token_set = token != NULL;
	if (token)
		memcpy(c->token, token, VMSB_TOKEN_SIZE);
	else
		memset(c->token, 0, VMSB_TOKEN_SIZE);
}

static int hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int vmsb_token_parse(const char *hex, uint8_t ret[VMSB_TOKEN_SIZE])
{
	uint8_t out[VMSB_TOKEN_SIZE];

	if (!hex || strlen(hex) != 2 * VMSB_TOKEN_SIZE)
		return -EINVAL;
	for (size_t i = 0; i < VMSB_TOKEN_SIZE; i++) {
		int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(ret, out, VMSB_TOKEN_SIZE);
	return 0;
}

/* ---- registers ------------------------------------------------------------------ */

/* Token and name for a register request; name is checked before it is matched. */
static int reg_target(struct vmsb *c, const char *name, uint32_t need, struct wire_token *tok,
		      struct wire_str *wname)
{
	const struct vmsb_cap *k;
	int r;

	if (!name || !*name)
		return fail(c, -EINVAL, "empty register name");
	r = set_str(c, wname, name, WIRE_MAX_NAME, "register name");
	if (r < 0)
		return r;
	return choose_token(c, COVER_REGISTER, name, need, tok, &k);
}

static int set_value(struct vmsb *c, struct wire_value *v, const void *data, size_t len)
{
	if (len > WIRE_MAX_INLINE)
		return fail(c, -EINVAL, "value longer than %d bytes", WIRE_MAX_INLINE);
	v->kind = WIRE_VALUE_INLINE;
	v->data.ptr = len ? data : (const uint8_t *)"";
	v->data.len = (uint16_t)len;
	return 0;
}

/* Copies an inline value out of a read.ok or consume.ok reply. */
static int value_out(struct vmsb *c, const struct wire_reg_value *rv, void *buf, size_t size,
		     size_t *ret_len, uint64_t *ret_version)
{
	if (rv->value.kind != WIRE_VALUE_INLINE)
		return fail(c, -EPROTO, "the broker answered an inline read with a region");
	if (rv->value.data.len > size)
		return fail(c, -ENOBUFS, "value of %u bytes does not fit %zu", rv->value.data.len,
			    size);
	if (rv->value.data.len)
		memcpy(buf, rv->value.data.ptr, rv->value.data.len);
	if (ret_len)
		*ret_len = rv->value.data.len;
	if (ret_version)
		*ret_version = rv->version;
	return 0;
}

static int reg_create(struct vmsb *c, const char *name, const struct wire_value *v,
		      uint64_t *ret_version)
{
	struct wire_msg m;
	int r;

	req_init(&m, WIRE_T_REGISTER_CREATE);
	m.u.reg_create.value = *v;
	r = reg_target(c, name, WIRE_RIGHT_CREATE, &m.u.reg_create.token, &m.u.reg_create.name);
	if (r >= 0)
		r = call(c, &m, WIRE_T_REGISTER_CREATE_OK, NULL);
	if (r >= 0 && ret_version)
		*ret_version = m.u.version.version;
	return r;
}

static int reg_write(struct vmsb *c, const char *name, uint64_t expected_version,
		     const struct wire_value *v, uint64_t *ret_version)
{
	struct wire_msg m;
	int r;

	req_init(&m, WIRE_T_REGISTER_WRITE);
	m.u.reg_write.expected_version = expected_version;
	m.u.reg_write.value = *v;
	r = reg_target(c, name, WIRE_RIGHT_WRITE, &m.u.reg_write.token, &m.u.reg_write.name);
	if (r >= 0)
		r = call(c, &m, WIRE_T_REGISTER_WRITE_OK, NULL);
	if (r >= 0 && ret_version)
		*ret_version = m.u.version.version;
	return r;
}

/* register.read (consume = false) or .consume into sink; m holds the reply after. */
static int reg_take(struct vmsb *c, const char *name, bool consume, uint64_t expected_version,
		    const struct wire_sink *sink, struct wire_msg *m)
{
	int r;

	if (!consume) {
		req_init(m, WIRE_T_REGISTER_READ);
		m->u.reg_read.sink = *sink;
		r = reg_target(c, name, WIRE_RIGHT_READ, &m->u.reg_read.token, &m->u.reg_read.name);
		return r < 0 ? r : call(c, m, WIRE_T_REGISTER_READ_OK, NULL);
	}
	req_init(m, WIRE_T_REGISTER_CONSUME);
	m->u.reg_consume.expected_version = expected_version;
	m->u.reg_consume.sink = *sink;
	r = reg_target(c, name, WIRE_RIGHT_CONSUME, &m->u.reg_consume.token,
		       &m->u.reg_consume.name);
	return r < 0 ? r : call(c, m, WIRE_T_REGISTER_CONSUME_OK, NULL);
}

int vmsb_register_create(struct vmsb *c, const char *name, const void *value, size_t len,
			 uint64_t *ret_version)
{
	struct wire_value v = {0};
	int r = set_value(c, &v, value, len);

	return r < 0 ? r : reg_create(c, name, &v, ret_version);
}

int vmsb_register_read(struct vmsb *c, const char *name, void *buf, size_t size, size_t *ret_len,
		       uint64_t *ret_version)
{
	const struct wire_sink sink = {.kind = WIRE_VALUE_INLINE};
	struct wire_msg m;
	int r = reg_take(c, name, false, 0, &sink, &m);

	return r < 0 ? r : value_out(c, &m.u.reg_value, buf, size, ret_len, ret_version);
}

int vmsb_register_write(struct vmsb *c, const char *name, uint64_t expected_version,
			const void *value, size_t len, uint64_t *ret_version)
{
	struct wire_value v = {0};
	int r = set_value(c, &v, value, len);

	return r < 0 ? r : reg_write(c, name, expected_version, &v, ret_version);
}

int vmsb_register_consume(struct vmsb *c, const char *name, uint64_t expected_version, void *buf,
			  size_t size, size_t *ret_len, uint64_t *ret_version)
{
	const struct wire_sink sink = {.kind = WIRE_VALUE_INLINE};
	struct wire_msg m;
	int r = reg_take(c, name, true, expected_version, &sink, &m);

	return r < 0 ? r : value_out(c, &m.u.reg_value, buf, size, ret_len, ret_version);
}

/* ---- register values in regions ---------------------------------------------------- */

static struct wire_region_ref region_ref(const struct vmsb_region_ref *ref)
{
	return (struct wire_region_ref){ref->region, ref->offset, ref->length};
}

/* The broker must answer a region sink with the range it wrote: ours, or its start. */
static int region_out(struct vmsb *c, const struct wire_reg_value *rv,
		      const struct vmsb_region_ref *sink, uint64_t *ret_len, uint64_t *ret_version)
{
	const struct wire_region_ref *got = &rv->value.region;

	if (rv->value.kind != WIRE_VALUE_REGION)
		return fail(c, -EPROTO, "the broker answered a region read inline");
	if (got->region != sink->region || got->offset != sink->offset ||
	    got->length > sink->length)
		return fail(c, -EPROTO, "the broker names a range outside the one it was given");
	if (ret_len)
		*ret_len = got->length;
	if (ret_version)
		*ret_version = rv->version;
	return 0;
}

int vmsb_register_create_region(struct vmsb *c, const char *name, const struct vmsb_region_ref *src,
				uint64_t *ret_version)
{
	struct wire_value v = {.kind = WIRE_VALUE_REGION};

	if (!src)
		return fail(c, -EINVAL, "no region range");
	v.region = region_ref(src);
	return reg_create(c, name, &v, ret_version);
}

int vmsb_register_write_region(struct vmsb *c, const char *name, uint64_t expected_version,
			       const struct vmsb_region_ref *src, uint64_t *ret_version)
{
	struct wire_value v = {.kind = WIRE_VALUE_REGION};

	if (!src)
		return fail(c, -EINVAL, "no region range");
	v.region = region_ref(src);
	return reg_write(c, name, expected_version, &v, ret_version);
}

int vmsb_register_read_region(struct vmsb *c, const char *name, const struct vmsb_region_ref *sink,
			      uint64_t *ret_len, uint64_t *ret_version)
{
	struct wire_sink s = {.kind = WIRE_VALUE_REGION};
	struct wire_msg m;
	int r;

	if (!sink)
		return fail(c, -EINVAL, "no region range");
	s.region = region_ref(sink);
	r = reg_take(c, name, false, 0, &s, &m);
	return r < 0 ? r : region_out(c, &m.u.reg_value, sink, ret_len, ret_version);
}

int vmsb_register_consume_region(struct vmsb *c, const char *name, uint64_t expected_version,
				 const struct vmsb_region_ref *sink, uint64_t *ret_len,
				 uint64_t *ret_version)
{
	struct wire_sink s = {.kind = WIRE_VALUE_REGION};
	struct wire_msg m;
	int r;

	if (!sink)
		return fail(c, -EINVAL, "no region range");
	s.region = region_ref(sink);
	r = reg_take(c, name, true, expected_version, &s, &m);
	return r < 0 ? r : region_out(c, &m.u.reg_value, sink, ret_len, ret_version);
}

int vmsb_register_delete(struct vmsb *c, const char *name, uint64_t expected_version)
{
	struct wire_msg m;
	int r;

	req_init(&m, WIRE_T_REGISTER_DELETE);
	m.u.reg_delete.expected_version = expected_version;
	r = reg_target(c, name, WIRE_RIGHT_WRITE, &m.u.reg_delete.token, &m.u.reg_delete.name);
	if (r >= 0)
		r = call(c, &m, WIRE_T_REGISTER_DELETE_OK, NULL);
	return r;
}

int vmsb_register_list(struct vmsb *c, const char *prefix, const char *after,
		       struct vmsb_reg_entry *entries, bool *ret_more)
{
	const struct wire_reg_list_ok *ok;
	const struct vmsb_cap *k;
	struct wire_msg m;
	int r;

	req_init(&m, WIRE_T_REGISTER_LIST);
	r = set_str(c, &m.u.reg_list.prefix, prefix, WIRE_MAX_NAME, "prefix");
	if (r >= 0)
		r = set_str(c, &m.u.reg_list.after, after, WIRE_MAX_NAME, "after");
	if (r >= 0)
		r = choose_token(c, COVER_LIST, prefix ? prefix : "", WIRE_RIGHT_READ,
				 &m.u.reg_list.token, &k);
	if (r < 0)
		return r;
	r = call(c, &m, WIRE_T_REGISTER_LIST_OK, NULL);
	if (r < 0)
		return r;
	ok = &m.u.reg_list_ok;
	for (uint16_t i = 0; i < ok->count; i++) {
		copy_str(entries[i].name, &ok->entries[i].name);
		entries[i].version = ok->entries[i].version;
		entries[i].size = ok->entries[i].size;
		entries[i].consumed = ok->entries[i].consumed;
	}
	if (ret_more)
		*ret_more = ok->more;
	return ok->count;
}

/* ---- fs.open ---------------------------------------------------------------------- */

static uint32_t open_rights(uint32_t flags)
{
	return (flags & VMSB_OPEN_READ ? WIRE_RIGHT_READ : 0) |
	       (flags & (VMSB_OPEN_WRITE | VMSB_OPEN_APPEND | VMSB_OPEN_TRUNC) ? WIRE_RIGHT_WRITE
									       : 0) |
	       (flags & VMSB_OPEN_CREATE ? WIRE_RIGHT_CREATE : 0);
}

/*
 * The root an explicit token stands for: its capability's, if this instance
 * lists it (a listing the policy does not allow is no error here), else "/",
 * and the broker judges the token.
 */
static const char *explicit_root(struct vmsb *c, const char *path)
{
	const struct vmsb_cap *k;

	if (!c->caps_valid && caps_load(c) < 0)
		c->errmsg[0] = '\0';
	k = cap_by_token(c, c->token);
	return k && k->kind == VMSB_CAP_FS && fs_covers(k->name, path) ? k->name : "/";
}

int vmsb_fs_open(struct vmsb *c, const char *path, uint32_t flags, uint32_t mode, int *ret_fd)
{
	const struct vmsb_cap *k;
	const char *rel, *root;
	struct wire_msg m;
	int r;

	*ret_fd = -1;
	if (!path || path[0] != '/')
		return fail(c, -EINVAL, "path must be absolute");
	if (strlen(path) > WIRE_MAX_PATH)
		return fail(c, -EINVAL, "path longer than %d bytes", WIRE_MAX_PATH);
	req_init(&m, WIRE_T_FS_OPEN);
	r = choose_token(c, COVER_FS, path, open_rights(flags), &m.u.fs_open.token, &k);
	if (r < 0)
		return r;
	root = c->token_set ? explicit_root(c, path) : k->name;
	/* the broker resolves beneath the root, so the path goes relative */
	for (rel = path + fs_covers(root, path); *rel == '/'; rel++)
		;
	m.u.fs_open.flags = flags;
	m.u.fs_open.mode = mode;
	m.u.fs_open.root.ptr = root;
	m.u.fs_open.root.len = (uint16_t)strlen(root);
	m.u.fs_open.path.ptr = *rel ? rel : ".";
	m.u.fs_open.path.len = (uint16_t)(*rel ? strlen(rel) : 1);
	return call(c, &m, WIRE_T_FS_OPEN_OK, ret_fd);
}

/* ---- memory regions ------------------------------------------------------------------ */

/* An entry as the broker sent it, checked: a hostile list must not make us map garbage. */
static int region_from_wire(struct vmsb *c, struct vmsb_region_info *dst,
			    const struct wire_region_entry *e)
{
	if (e->name.len == 0)
		return fail(c, -EPROTO, "region.list names a region ''");
	if (e->size == 0 || e->size > SIZE_MAX / 2)
		return fail(c, -EPROTO, "region.list gives an impossible size %llu",
			    (unsigned long long)e->size);
	dst->index = e->region;
	dst->access = (enum vmsb_region_access)e->access;
	dst->size = e->size;
	dst->fd = e->access == WIRE_REGION_NONE || e->fd == GUEST_NO_REGION_FD ? -1 : (int)e->fd;
	copy_str(dst->name, &e->name);
	for (size_t i = 0; i < c->n_regions; i++)
		if (!strcmp(c->regions[i].name, dst->name) || c->regions[i].index == dst->index)
			return fail(c, -EPROTO, "region.list lists region '%s' twice", dst->name);
	return 0;
}

static int regions_append(struct vmsb *c, const struct wire_region_list_ok *page, size_t *cap)
{
	int r;

	if (c->n_regions + page->count > GUEST_MAX_REGIONS)
		return fail(c, -EPROTO, "the broker lists more than %d regions", GUEST_MAX_REGIONS);
	if (c->n_regions + page->count > *cap) {
		size_t want = c->n_regions + WIRE_MAX_ENTRIES;
		struct vmsb_region_info *n = realloc(c->regions, want * sizeof(*n));

		if (!n)
			return fail(c, -ENOMEM, "out of memory for the region list");
		c->regions = n;
		*cap = want;
	}
	for (uint16_t i = 0; i < page->count; i++) {
		r = region_from_wire(c, &c->regions[c->n_regions], &page->entries[i]);
		if (r < 0)
			return r;
		c->n_regions++;
	}
	return 0;
}

/* Every page, as caps_load does; regions never change, so once is enough. */
static int regions_page(struct vmsb *c, const struct wire_msg *m, size_t *cap, uint16_t *ret_count,
			uint32_t *ret_next)
{
	*ret_count = m->u.region_list_ok.count;
	*ret_next = m->u.region_list_ok.next_cursor;
	return regions_append(c, &m->u.region_list_ok, cap);
}

static int regions_load(struct vmsb *c)
{
	int r;

	free(c->regions);
	c->regions = NULL;
	c->n_regions = 0;
	r = list_all(c, WIRE_T_REGION_LIST, regions_page);
	c->regions_valid = r == 0;
	return r;
}

int vmsb_region_list(struct vmsb *c, const struct vmsb_region_info **ret)
{
	int r = c->regions_valid ? 0 : regions_load(c);

	if (r < 0)
		return r;
	*ret = c->regions;
	return (int)c->n_regions;
}

int vmsb_region_find(struct vmsb *c, const char *name, const struct vmsb_region_info **ret)
{
	const struct vmsb_region_info *all;
	int n = vmsb_region_list(c, &all);

	if (n < 0)
		return n;
	for (int i = 0; i < n; i++)
		if (name && !strcmp(all[i].name, name)) {
			*ret = &all[i];
			return 0;
		}
	return fail(c, -ENOENT, "no region named '%s'", name ? name : "");
}

static const char *region_access_name(enum vmsb_region_access a)
{
	static const char *const names[] = {"none", "r", "rw", "rwx"};

	return (unsigned)a < sizeof(names) / sizeof(names[0]) ? names[a] : "?";
}

static int region_prot(enum vmsb_region_access a)
{
	switch (a) {
	case VMSB_REGION_R:
		return PROT_READ;
	case VMSB_REGION_RW:
		return PROT_READ | PROT_WRITE;
	case VMSB_REGION_RWX:
		return PROT_READ | PROT_WRITE | PROT_EXEC;
	case VMSB_REGION_NONE:
	default:
		return PROT_NONE;
	}
}

/*
 * A descriptor the broker names must be a file at least as large as the
 * region: mapping past its end would turn a read into SIGBUS.
 */
static int region_fd_check(struct vmsb *c, const struct vmsb_region_info *ri)
{
	struct stat st;

	if (ri->fd < 0)
		return fail(c, -EPROTO, "region '%s' has no descriptor", ri->name);
	if (fstat(ri->fd, &st) < 0)
		return fail(c, -EPROTO, "region '%s': descriptor %d: %m", ri->name, ri->fd);
	if (!S_ISREG(st.st_mode) || st.st_size < 0 || (uint64_t)st.st_size < ri->size)
		return fail(c, -EPROTO, "region '%s': descriptor %d is not a file of %llu bytes",
			    ri->name, ri->fd, (unsigned long long)ri->size);
	return 0;
}

/* Reserves guard + size + guard PROT_NONE, so the guards are ours and stay unmapped. */
static int region_reserve(struct vmsb *c, const struct vmsb_region_info *ri, size_t page,
			  struct vmsb_region *ret)
{
	size_t body = (size_t)((ri->size + page - 1) / page * page);
	void *p;

	if (body > SIZE_MAX - 2 * page)
		return fail(c, -ENOMEM, "region '%s' is too large to map", ri->name);
	p = mmap(NULL, body + 2 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1,
		 0);
	if (p == MAP_FAILED)
		return fail(c, -errno, "cannot reserve %zu bytes for region '%s': %m",
			    body + 2 * page, ri->name);
	ret->reservation = p;
	ret->reservation_len = body + 2 * page;
	ret->addr = (uint8_t *)p + page;
	ret->size = ri->size;
	ret->index = ri->index;
	ret->access = ri->access;
	return 0;
}

int vmsb_region_map(struct vmsb *c, const char *name, struct vmsb_region *ret)
{
	const struct vmsb_region_info *ri;
	long page = sysconf(_SC_PAGESIZE);
	struct vmsb_region m = {0};
	int r;

	memset(ret, 0, sizeof(*ret));
	r = vmsb_region_find(c, name, &ri);
	if (r < 0)
		return r;
	if (ri->access != VMSB_REGION_NONE) {
		r = region_fd_check(c, ri);
		if (r < 0)
			return r;
	}
	r = region_reserve(c, ri, page > 0 ? (size_t)page : 4096, &m);
	if (r < 0)
		return r;
	/* MAP_FIXED replaces the middle of our own reservation, never a stranger's pages */
	if (ri->access != VMSB_REGION_NONE &&
	    mmap(m.addr, (size_t)ri->size, region_prot(ri->access), MAP_SHARED | MAP_FIXED, ri->fd,
		 0) == MAP_FAILED) {
		r = fail(c, -errno, "cannot map region '%s' with access %s: %m", ri->name,
			 region_access_name(ri->access));
		munmap(m.reservation, m.reservation_len);
		return r;
	}
	*ret = m;
	return 0;
}

int vmsb_region_unmap(struct vmsb_region *r)
{
	int k = 0;

	if (r->reservation && munmap(r->reservation, r->reservation_len) < 0)
		k = -errno;
	memset(r, 0, sizeof(*r));
	return k;
}

/* ---- net.connect ---------------------------------------------------------------------- */

/* The socket the broker hands over must be TCP; anything else is not what we asked for. */
static int net_fd_check(struct vmsb *c, int fd)
{
	int v;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len) < 0 || (v != AF_INET && v != AF_INET6))
		return fail(c, -EPROTO, "net.connect.ok carried something other than an IP socket");
	len = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) < 0 || v != SOCK_STREAM)
		return fail(c, -EPROTO, "net.connect.ok carried a socket that is not a stream");
	len = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &len) < 0 || v != IPPROTO_TCP)
		return fail(c, -EPROTO, "net.connect.ok carried a socket that is not TCP");
	return 0;
}

/* Waits for the handshake the broker started, then makes the socket blocking. */
static int net_wait(struct vmsb *c, int fd, const char *what)
{
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	struct sockaddr_storage peer;
	socklen_t len = sizeof(int), plen = sizeof(peer);
	int n, err = 0, fl;

	do
		n = poll(&p, 1, VMSB_CONNECT_TIMEOUT_MS);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return fail(c, -errno, "cannot wait for the connection to %s: %m", what);
	if (n == 0)
		return fail(c, -ETIMEDOUT, "no connection to %s within %d ms", what,
			    VMSB_CONNECT_TIMEOUT_MS);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return fail(c, -errno, "cannot read the connection's state: %m");
	if (err)
		return fail(c, -err, "cannot connect to %s: %s", what, strerror(err));
	/* a socket whose connect failed before it was handed over reports no error, only this */
	if (getpeername(fd, (struct sockaddr *)&peer, &plen) < 0)
		return fail(c, -errno, "the socket for %s is not connected: %m", what);
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
		return fail(c, -errno, "cannot make the socket blocking: %m");
	return 0;
}

int vmsb_net_connect(struct vmsb *c, const char *address, uint16_t port, int *ret_fd)
{
	char target[INET6_ADDRSTRLEN + 8], addr[INET6_ADDRSTRLEN];
	const struct vmsb_cap *k;
	struct wire_msg m;
	int fd = -1, r;

	*ret_fd = -1;
	c->errmsg[0] = '\0';
	if (!address || !net_canon_addr(address, port, target, sizeof(target), addr))
		return fail(c, -EINVAL, "'%s' port %u is not a numeric address and a port",
			    address ? address : "", port);
	req_init(&m, WIRE_T_NET_CONNECT);
	r = choose_token(c, COVER_NET, target, WIRE_RIGHT_READ | WIRE_RIGHT_WRITE,
			 &m.u.net_connect.token, &k);
	if (r < 0)
		return r;
	if (k && k->kind == VMSB_CAP_NET && net_covers(k->name, target)) /* not so for any token */
		net_cap_address(k->name, addr);
	m.u.net_connect.port = port;
	m.u.net_connect.address.ptr = addr;
	m.u.net_connect.address.len = (uint16_t)strlen(addr);
	r = call(c, &m, WIRE_T_NET_CONNECT_OK, &fd);
	if (r < 0)
		return r;
	r = net_fd_check(c, fd);
	if (r >= 0)
		r = net_wait(c, fd, target);
	if (r < 0) {
		close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}

/* ---- naming errors ------------------------------------------------------------------ */

const char *vmsb_strerror(int err)
{
	static const char *const broker[] = {
		[WIRE_E_DENIED_POLICY] = "denied by the instance's policy",
		[WIRE_E_NO_CAPABILITY] = "no capability for this resource",
		[WIRE_E_RIGHTS] = "the capability lacks the right or the resource",
		[WIRE_E_EXPIRED] = "the capability has expired",
		[WIRE_E_REVOKED] = "the capability was revoked",
		[WIRE_E_EXHAUSTED] = "the capability has no uses left",
		[WIRE_E_QUOTA] = "an instance quota would be exceeded",
		[WIRE_E_NOT_FOUND] = "not found",
		[WIRE_E_CONFLICT] = "version conflict: the register changed",
		[WIRE_E_CONSUMED] = "the register was consumed",
		[WIRE_E_EXISTS] = "the register exists",
		[WIRE_E_IO] = "the broker's store or file system failed",
		[WIRE_E_REGION] = "region not held, range outside it, or access",
		[WIRE_E_TOO_SMALL] = "the result does not fit",
		[WIRE_E_NO_SPACE] = "the register store is full",
		[WIRE_E_BUSY] = "the broker is busy",
		[WIRE_E_UNSUPPORTED] = "not supported by this broker",
		[WIRE_E_RESULT] = "the effect's result failed validation",
		[WIRE_E_INTERNAL] = "the broker failed internally",
	};
	int code = -err - VMSB_E_BASE;

	if (err == 0)
		return "success";
	if (err > 0 || err == INT_MIN)
		return "invalid error code";
	if (code >= WIRE_E_MALFORMED && code < WIRE_E_DENIED_POLICY)
		return "the broker rejected the request as malformed";
	if (code >= WIRE_E_DENIED_POLICY && code < _WIRE_E_MAX)
		return broker[code];
	if (-err >= VMSB_E_BASE)
		return "unknown broker error";
	return strerrordesc_np(-err) ? strerrordesc_np(-err) : "unknown error";
}
