/* SPDX-License-Identifier: MIT */
/*
 * net.connect: a TCP connection made from the supervisor's side, to one
 * endpoint a capability names, passed back to the instance as a socket.
 *
 * The instance usually has no network of its own (an empty net namespace),
 * so this is the only way out, one granted endpoint at a time. Addresses are
 * numeric: resolving names would block the event loop and let DNS decide
 * what a grant means. The connect is non-blocking, so a slow or silent peer
 * never stalls the supervisor; the instance waits for the connection itself
 * (POLLOUT, then SO_ERROR), which the guest library does.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "supervisor/broker/dispatch_internal.h"

/* The capability name of an endpoint: how validate_broker.c spells grants. */
#define NET_NAME_MAX (INET6_ADDRSTRLEN + 2 + 6)

struct endpoint {
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} addr;
	socklen_t len;
	char name[NET_NAME_MAX + 1]; /* "127.0.0.1:80", "[::1]:80" */
};

/*
 * Parses the request's address and port into ep, with the canonical name
 * the capability must carry. A request in any other spelling ("::0001")
 * names the same endpoint, so it is canonicalised rather than refused.
 */
static int endpoint_parse(const struct wire_net_connect *n, struct endpoint *ep)
{
	char text[WIRE_MAX_ADDRESS + 1], canon[INET6_ADDRSTRLEN];
	const void *bin;
	int af;

	memset(ep, 0, sizeof(*ep));
	if (!broker_cstr(&n->address, text, sizeof(text)))
		return -EINVAL;
	if (inet_pton(AF_INET, text, &ep->addr.in.sin_addr) == 1) {
		af = AF_INET;
		ep->addr.in.sin_port = htons(n->port);
		ep->len = sizeof(ep->addr.in);
		bin = &ep->addr.in.sin_addr;
	} else if (inet_pton(AF_INET6, text, &ep->addr.in6.sin6_addr) == 1) {
		af = AF_INET6;
		ep->addr.in6.sin6_port = htons(n->port);
		ep->len = sizeof(ep->addr.in6);
		bin = &ep->addr.in6.sin6_addr;
	} else {
		return -EINVAL;
	}
	ep->addr.sa.sa_family = (sa_family_t)af;
	if (!inet_ntop(af, bin, canon, sizeof(canon)))
		return -errno;
	snprintf(ep->name, sizeof(ep->name), af == AF_INET6 ? "[%s]:%u" : "%s:%u", canon,
		 (unsigned)n->port);
	return 0;
}

static const char *connect_error_text(int err)
{
	switch (err) {
	case ECONNREFUSED:
		return "connection refused";
	case ENETUNREACH:
	case EHOSTUNREACH:
		return "no route to the endpoint";
	case EADDRNOTAVAIL:
		return "no local address for the endpoint";
	case EMFILE:
	case ENFILE:
	case ENOBUFS:
	case ENOMEM:
		return "the supervisor is out of resources";
	default:
		return "connect failed";
	}
}

/* The result step: a TCP socket of the endpoint's family, nothing else. */
static bool socket_is_tcp(int fd, int family)
{
	int v = 0;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len) < 0 || v != family)
		return false;
	len = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) < 0 || v != SOCK_STREAM)
		return false;
	len = sizeof(v);
	return getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &len) == 0 && v == IPPROTO_TCP;
}

int broker_handle_net_connect(struct broker_instance *bi, struct broker_req *r)
{
	const struct wire_net_connect *n = &r->req->u.net_connect;
	_cleanup_close_ int fd = -1;
	struct endpoint ep;
	int res;

	if (endpoint_parse(n, &ep) < 0)
		return broker_deny(r, WIRE_E_MALFORMED, "address is not a numeric IP address");
	/* a connection is used both ways: it takes both rights */
	res = broker_check_cap(bi, r, &n->token, CAP_KIND_NET, ep.name,
			       CAP_RIGHT_READ | CAP_RIGHT_WRITE);
	if (res < 0)
		return res;
	res = broker_quota_network(bi, r);
	if (res < 0)
		return res;
	fd = socket(ep.addr.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (fd < 0) {
		int err = errno;

		log_errno(LOG_LEVEL_WARN, -err, "instance %s: net.connect: socket", bi->id);
		return broker_deny(r, WIRE_E_IO, connect_error_text(err));
	}
	if (connect(fd, &ep.addr.sa, ep.len) < 0 && errno != EINPROGRESS) {
		int err = errno;

		log_msg(LOG_LEVEL_DEBUG, "instance %s: net.connect %s: %s", bi->id, ep.name,
			strerror(err));
		return broker_deny(r, WIRE_E_IO, connect_error_text(err));
	}
	if (!socket_is_tcp(fd, ep.addr.sa.sa_family))
		return broker_deny(r, WIRE_E_RESULT, "the connection failed validation");
	r->rep.type = WIRE_T_NET_CONNECT_OK;
	r->fd = take_fd(fd);
	return 0;
}
