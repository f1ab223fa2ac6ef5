/* SPDX-License-Identifier: MIT */
/*
 * net.connect and the execution log, through the real dispatch: the test is
 * the instance on one end of a socket pair and runs a loopback listener.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/wire.h"
#include "supervisor/broker/captable.h"
#include "supervisor/broker/dispatch.h"
#include "supervisor/broker/execlog.h"

static struct policy pol;
static struct policy_grant grants[2];
static char granted4[64], granted6[64], log_path[64];
static struct captable *tab;
static struct broker_instance *bi;
static struct execlog *xlog;
static int peer = -1, listener = -1, port;

struct rx {
	uint8_t buf[WIRE_MAX_FRAME];
	struct wire_msg m;
	int fd;
};

/* A loopback listener on a port the kernel picks. */
static int listen_loopback(int *ret_port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	cr_assert_geq(fd, 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(fd, 8), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*ret_port = ntohs(a.sin_port);
	return fd;
}

static void setup(void)
{
	int fd;

	listener = listen_loopback(&port);
	snprintf(granted4, sizeof(granted4), "127.0.0.1:%d", port);
	snprintf(granted6, sizeof(granted6), "[::1]:%d", port);
	grants[0] = (struct policy_grant){POLICY_GRANT_NET, granted4,
					  POLICY_RIGHT_READ | POLICY_RIGHT_WRITE};
	grants[1] = (struct policy_grant){POLICY_GRANT_NET, granted6, POLICY_RIGHT_READ};
	memset(&pol, 0, sizeof(pol));
	pol.broker.effects = POLICY_EFFECT_NET_CONNECT | POLICY_EFFECT_LOG;
	pol.broker.grants = grants;
	pol.broker.n_grants = 2;
	strcpy(log_path, "/tmp/vmsb-execlog-test.XXXXXX");
	fd = mkstemp(log_path);
	cr_assert_geq(fd, 0);
	close(fd);
}

static void teardown(void)
{
	broker_instance_free(bi);
	execlog_close(xlog);
	captable_free(tab);
	if (peer >= 0)
		close(peer);
	if (listener >= 0)
		close(listener);
	unlink(log_path);
}

TestSuite(broker_net, .init = setup, .fini = teardown);

static void start(void)
{
	struct err_ctx e = {0};
	int sv[2];

	cr_assert_eq(captable_new(64, &tab, &e), 0, "%s", e.msg);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	cr_assert_eq(broker_instance_new(&pol, tab, 1, "inst-net", sv[0], &bi, &e), 0, "%s", e.msg);
	peer = sv[1];
	cr_assert_eq(execlog_open(log_path, &xlog, &e), 0, "%s", e.msg);
	broker_instance_set_exec_log(bi, xlog);
}

static void rpc(const struct wire_msg *m, struct rx *rx)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = {.iov_base = rx->buf, .iov_len = sizeof(rx->buf)};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl.buf,
			    .msg_controllen = sizeof(ctl)};
	struct cmsghdr *c;
	struct err_ctx e = {0};
	uint8_t out[WIRE_MAX_FRAME];
	size_t len;
	ssize_t n;

	cr_assert_eq(wire_encode(m, out, sizeof(out), &len), 0);
	cr_assert_eq(send(peer, out, len, 0), (ssize_t)len);
	cr_assert_geq(broker_instance_on_readable(bi), 0);
	n = recvmsg(peer, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	cr_assert_gt(n, 0, "no reply: %s", strerror(errno));
	rx->fd = -1;
	c = CMSG_FIRSTHDR(&mh);
	if (c && c->cmsg_type == SCM_RIGHTS)
		memcpy(&rx->fd, CMSG_DATA(c), sizeof(int));
	cr_assert_eq(wire_decode(rx->buf, (size_t)n, &rx->m, &e), 0, "reply: %s", e.msg);
}

static struct wire_token token_of(const char *name)
{
	struct wire_msg m = {.type = WIRE_T_CAP_LIST, .request_id = 1};
	struct rx rx;

	rpc(&m, &rx);
	cr_assert_eq(rx.m.type, WIRE_T_CAP_LIST_OK);
	for (int i = 0; i < rx.m.u.cap_list_ok.count; i++) {
		const struct wire_cap_entry *c = &rx.m.u.cap_list_ok.entries[i];

		if (c->name.len == strlen(name) && memcmp(c->name.ptr, name, c->name.len) == 0)
			return c->token;
	}
	cr_assert_fail("no capability '%s'", name);
	return (struct wire_token){{0}};
}

static void net_connect(struct wire_token tok, const char *address, int p, struct rx *rx)
{
	struct wire_msg m = {.type = WIRE_T_NET_CONNECT, .request_id = 5};

	m.u.net_connect.token = tok;
	m.u.net_connect.port = (uint16_t)p;
	m.u.net_connect.address = (struct wire_str){address, (uint16_t)strlen(address)};
	rpc(&m, rx);
}

static void expect_error(const struct rx *rx, enum wire_error code)
{
	cr_assert_eq(rx->m.type, WIRE_T_ERROR, "got %s", wire_type_name(rx->m.type));
	cr_expect_eq(rx->m.u.error.code, code, "error %s, expected %s",
		     wire_error_name(rx->m.u.error.code), wire_error_name(code));
	cr_expect_eq(rx->fd, -1, "an error reply carries no descriptor");
}

/* Waits for the non-blocking connect, as the guest library does. */
static void expect_connected(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	int err = -1;
	socklen_t len = sizeof(err);

	cr_assert_eq(poll(&p, 1, 5000), 1);
	cr_assert_eq(getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len), 0);
	cr_assert_eq(err, 0, "connect: %s", strerror(err));
}

Test(broker_net, granted_endpoint_gives_a_connected_socket)
{
	struct wire_token tok;
	struct rx rx;
	char buf[8] = {0};
	int conn;

	start();
	tok = token_of(granted4);
	net_connect(tok, "127.0.0.1", port, &rx);
	cr_assert_eq(rx.m.type, WIRE_T_NET_CONNECT_OK, "got %s", wire_type_name(rx.m.type));
	cr_assert_geq(rx.fd, 0);
	expect_connected(rx.fd);
	conn = accept(listener, NULL, NULL);
	cr_assert_geq(conn, 0);
	cr_assert_eq(write(rx.fd, "ping", 4), 4);
	cr_assert_eq(read(conn, buf, sizeof(buf)), 4);
	cr_expect_str_eq(buf, "ping");
	close(conn);
	close(rx.fd);
}

Test(broker_net, other_ports_and_addresses_are_not_granted)
{
	struct wire_token tok;
	struct rx rx;

	start();
	tok = token_of(granted4);
	net_connect(tok, "127.0.0.1", port == 65535 ? 1 : port + 1, &rx);
	expect_error(&rx, WIRE_E_RIGHTS);
	net_connect(tok, "127.0.0.2", port, &rx);
	expect_error(&rx, WIRE_E_RIGHTS);
	net_connect(tok, "999.1.1.1", port, &rx);
	expect_error(&rx, WIRE_E_MALFORMED);
}

/* "::0001" is "::1": the request is canonicalised; a read-only grant cannot connect. */
Test(broker_net, ipv6_is_canonicalised_and_needs_both_rights)
{
	struct wire_token tok;
	struct rx rx;

	start();
	tok = token_of(granted6);
	net_connect(tok, "::0001", port, &rx);
	expect_error(&rx, WIRE_E_RIGHTS);
}

Test(broker_net, effect_must_be_allowed)
{
	struct wire_token tok;
	struct rx rx;

	start();
	tok = token_of(granted4);
	pol.broker.effects = POLICY_EFFECT_LOG;
	net_connect(tok, "127.0.0.1", port, &rx);
	expect_error(&rx, WIRE_E_DENIED_POLICY);
}

/*
 * The supervisor never waits for a peer: a refusal that is not immediate
 * reaches the instance through the socket's SO_ERROR.
 */
Test(broker_net, refused_connection_shows_on_the_socket)
{
	struct pollfd p = {.events = POLLOUT};
	struct wire_token tok;
	struct rx rx;
	socklen_t len = sizeof(int);
	int err = 0;

	start();
	tok = token_of(granted4);
	close(listener); /* nothing listens there any more */
	listener = -1;
	net_connect(tok, "127.0.0.1", port, &rx);
	if (rx.m.type == WIRE_T_ERROR) {
		expect_error(&rx, WIRE_E_IO);
		return;
	}
	cr_assert_eq(rx.m.type, WIRE_T_NET_CONNECT_OK);
	p.fd = rx.fd;
	cr_assert_eq(poll(&p, 1, 5000), 1);
	cr_assert_eq(getsockopt(rx.fd, SOL_SOCKET, SO_ERROR, &err, &len), 0);
	cr_expect_eq(err, ECONNREFUSED, "SO_ERROR %s", strerror(err));
	close(rx.fd);
}

Test(broker_net, network_operations_quota)
{
	struct wire_token tok;
	struct rx rx;
	json_t *rep;

	pol.broker.max_network_operations = 2;
	start();
	tok = token_of(granted4);
	for (int i = 0; i < 2; i++) {
		net_connect(tok, "127.0.0.1", port, &rx);
		cr_assert_eq(rx.m.type, WIRE_T_NET_CONNECT_OK);
		close(rx.fd);
	}
	net_connect(tok, "127.0.0.1", port, &rx);
	expect_error(&rx, WIRE_E_QUOTA);
	rep = broker_instance_report(bi);
	cr_assert_not_null(rep);
	cr_expect_eq(json_integer_value(json_object_get(
			     json_object_get(json_object_get(rep, "quota"), "network_operations"),
			     "used")),
		     2);
	json_decref(rep);
}

/* Every served request is one JSON line, with the instance's text cleaned. */
Test(broker_net, execution_log_has_one_line_per_request)
{
	struct wire_msg m = {.type = WIRE_T_LOG, .request_id = 9};
	struct wire_token tok;
	struct rx rx;
	char line[2048];
	json_t *j[4];
	FILE *f;
	int n = 0;

	start();
	m.u.log.level = WIRE_LOG_INFO;
	m.u.log.text = (struct wire_str){"step\tone", 8};
	rpc(&m, &rx);
	cr_assert_eq(rx.m.type, WIRE_T_LOG_OK);
	tok = token_of(granted4);
	net_connect(tok, "127.0.0.1", port == 65535 ? 1 : port + 1, &rx);
	expect_error(&rx, WIRE_E_RIGHTS);
	f = fopen(log_path, "re");
	cr_assert_not_null(f);
	while (n < 4 && fgets(line, sizeof(line), f)) {
		j[n] = json_loads(line, 0, NULL);
		cr_assert_not_null(j[n], "not JSON: %s", line);
		n++;
	}
	fclose(f);
	cr_assert_eq(n, 3, "log, cap.list, net.connect");
	cr_expect_str_eq(json_string_value(json_object_get(j[0], "request")), "log");
	cr_expect_str_eq(json_string_value(json_object_get(j[0], "message")), "step\tone");
	cr_expect_str_eq(json_string_value(json_object_get(j[0], "instance")), "inst-net");
	cr_expect_str_eq(json_string_value(json_object_get(j[0], "result")), "ok");
	cr_expect_str_eq(json_string_value(json_object_get(j[2], "request")), "net.connect");
	cr_expect_str_eq(json_string_value(json_object_get(j[2], "result")), "rights");
	cr_expect_str_eq(json_string_value(json_object_get(j[2], "address")), "127.0.0.1");
	cr_expect_eq(strlen(json_string_value(json_object_get(j[2], "capability"))), 16,
		     "the capability's id, as 16 hex digits");
	for (int i = 0; i < n; i++)
		json_decref(j[i]);
}
