/* SPDX-License-Identifier: MIT */
/*
 * Guest library against a fake broker in the same process: the test holds the
 * other end of a SOCK_SEQPACKET pair. Since the socket keeps datagrams, the
 * test queues the reply first (the library's request ids are 1, 2, ... on a
 * fresh connection), then makes the call, then reads and decodes the request
 * the library sent. No thread, no fork.
 *
 * guest.c is not in libvmsandbox.a (the guest links only the wire format), so
 * it is compiled into this test directly.
 */
#include "child/guest/guest.c"

#include <criterion/criterion.h>
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static int srv = -1;	 /* the fake broker's end */
static struct vmsb *cli; /* the library's connection on the other end */
static uint8_t req_buf[WIRE_MAX_FRAME];

static void setup(void)
{
	int sv[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	srv = sv[0];
	cr_assert_eq(vmsb_connect_fd(sv[1], &cli), 0);
}

static void teardown(void)
{
	cli = vmsb_close(cli);
	if (srv >= 0)
		close(srv);
}

/* Sends one frame, with descriptors beside it when nfds > 0. */
static void send_frame(const void *buf, size_t len, const int *fds, size_t nfds)
{
	union {
		struct cmsghdr align;
		char b[CMSG_SPACE(sizeof(int) * 4)];
	} ctl;
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *cm;

	cr_assert_leq(nfds, 4);
	if (nfds) {
		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.b;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	}
	cr_assert_eq(sendmsg(srv, &mh, 0), (ssize_t)len);
}

static void reply_fds(struct wire_msg *m, uint32_t id, const int *fds, size_t nfds)
{
	uint8_t buf[WIRE_MAX_FRAME];
	size_t len;

	m->request_id = id;
	cr_assert_eq(wire_encode(m, buf, sizeof(buf), &len), 0);
	send_frame(buf, len, fds, nfds);
}

static void reply(struct wire_msg *m, uint32_t id)
{
	reply_fds(m, id, NULL, 0);
}

static void reply_empty(enum wire_type t, uint32_t id)
{
	struct wire_msg m = {.type = t};

	reply(&m, id);
}

/* Reads the library's next request, which must be of type t with id. */
static void expect_request(struct wire_msg *ret, enum wire_type t, uint32_t id)
{
	struct err_ctx e = {0};
	ssize_t n = recv(srv, req_buf, sizeof(req_buf), MSG_DONTWAIT);

	cr_assert_gt(n, 0, "no request was sent");
	cr_assert_eq(wire_decode(req_buf, (size_t)n, ret, &e), 0, "%s", e.msg);
	cr_expect_eq(ret->type, t, "request %s", wire_type_name(ret->type));
	cr_expect_eq(ret->request_id, id);
}

static void expect_no_request(void)
{
	cr_expect_lt(recv(srv, req_buf, sizeof(req_buf), MSG_DONTWAIT), 0);
	cr_expect_eq(errno, EAGAIN);
}

static bool str_is(struct wire_str s, const char *v)
{
	return s.len == strlen(v) && memcmp(s.ptr, v, s.len) == 0;
}

static void cap_entry(struct wire_cap_entry *e, uint8_t tok, enum wire_cap_kind k, uint32_t rights,
		      const char *name)
{
	memset(e, 0, sizeof(*e));
	memset(e->token.bytes, tok, WIRE_TOKEN_SIZE);
	e->kind = k;
	e->rights = rights;
	e->name.ptr = name;
	e->name.len = (uint16_t)strlen(name);
}

/* Queues the cap.list reply the library asks for before its first resource call. */
static void queue_caps(uint32_t id)
{
	struct wire_msg m = {.type = WIRE_T_CAP_LIST_OK};
	struct wire_cap_list_ok *l = &m.u.cap_list_ok;

	cap_entry(&l->entries[0], 0x11, WIRE_CAP_REGISTER, WIRE_RIGHT_READ, "other/*");
	cap_entry(&l->entries[1], 0x22, WIRE_CAP_REGISTER, WIRE_RIGHTS_ALL & ~WIRE_RIGHT_TRANSFER,
		  "demo/*");
	cap_entry(&l->entries[2], 0x33, WIRE_CAP_FS, WIRE_RIGHT_READ, "/data");
	cap_entry(&l->entries[3], 0x44, WIRE_CAP_FS, WIRE_RIGHT_READ, "/");
	l->count = 4;
	reply(&m, id);
}

static int count_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	cr_assert_not_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

TestSuite(guest, .init = setup, .fini = teardown);

/* ---- connecting ---- */

Test(guest_connect, fails_when_the_variable_is_missing)
{
	struct vmsb *c = NULL;

	unsetenv(VMSB_BROKER_FD_ENV);
	cr_expect_eq(vmsb_connect(&c), -ENOENT);
	cr_expect_null(c);
}

Test(guest_connect, rejects_a_value_that_is_not_a_number)
{
	static const char *const bad[] = {"", "abc", "3x", "-1", " 3", "+3", "99999999999"};
	struct vmsb *c = NULL;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv(VMSB_BROKER_FD_ENV, bad[i], 1);
		cr_expect_eq(vmsb_connect(&c), -EINVAL, "accepted '%s'", bad[i]);
	}
}

Test(guest_connect, rejects_a_closed_descriptor)
{
	struct vmsb *c = NULL;

	setenv(VMSB_BROKER_FD_ENV, "987", 1);
	cr_assert_lt(fcntl(987, F_GETFD), 0);
	cr_expect_eq(vmsb_connect(&c), -EBADF);
}

Test(guest_connect, rejects_a_descriptor_that_is_not_a_socket)
{
	struct vmsb *c = NULL;
	char num[16];
	int p[2];

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	snprintf(num, sizeof(num), "%d", p[0]);
	setenv(VMSB_BROKER_FD_ENV, num, 1);
	cr_expect_eq(vmsb_connect(&c), -ENOTSOCK);
	cr_expect_eq(vmsb_connect_fd(p[1], &c), -ENOTSOCK);
}

Test(guest_connect, rejects_a_stream_socket)
{
	struct vmsb *c = NULL;
	int sv[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	cr_expect_eq(vmsb_connect_fd(sv[0], &c), -EPROTOTYPE);
}

Test(guest_connect, accepts_a_seqpacket_socket_from_the_environment)
{
	struct vmsb *c = NULL;
	char num[16];
	int sv[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	snprintf(num, sizeof(num), "%d", sv[1]);
	setenv(VMSB_BROKER_FD_ENV, num, 1);
	cr_assert_eq(vmsb_connect(&c), 0);
	cr_expect_not_null(c);
	vmsb_close(c);
	cr_expect_lt(fcntl(sv[1], F_GETFD), 0, "close did not close the descriptor");
}

/* ---- hello, ping, log ---- */

Test(guest, hello_returns_instance_id_and_counts)
{
	struct wire_msg m = {.type = WIRE_T_HELLO_OK};
	struct vmsb_hello h;

	m.u.hello_ok.instance_id = (struct wire_str){"inst-42", 7};
	m.u.hello_ok.cap_count = 3;
	m.u.hello_ok.region_count = 1;
	reply(&m, 1);
	cr_assert_eq(vmsb_hello(cli, &h), 0, "%s", vmsb_errmsg(cli));
	cr_expect_str_eq(h.instance_id, "inst-42");
	cr_expect_eq(h.cap_count, 3);
	cr_expect_eq(h.region_count, 1);
	expect_request(&m, WIRE_T_HELLO, 1);
}

Test(guest, ping_request_ids_increase)
{
	struct wire_msg m;

	for (uint32_t id = 1; id <= 3; id++) {
		reply_empty(WIRE_T_PING_OK, id);
		cr_assert_eq(vmsb_ping(cli), 0, "%s", vmsb_errmsg(cli));
		expect_request(&m, WIRE_T_PING, id);
	}
}

Test(guest, log_sends_level_and_text)
{
	struct wire_msg m;

	reply_empty(WIRE_T_LOG_OK, 1);
	cr_assert_eq(vmsb_log(cli, VMSB_LOG_WARN, "disk\tnearly full"), 0);
	expect_request(&m, WIRE_T_LOG, 1);
	cr_expect_eq(m.u.log.level, WIRE_LOG_WARN);
	cr_expect(str_is(m.u.log.text, "disk\tnearly full"));
}

Test(guest, log_refuses_a_newline_without_sending)
{
	cr_expect_eq(vmsb_log(cli, VMSB_LOG_INFO, "two\nlines"), -EINVAL);
	expect_no_request();
}

/* ---- capabilities ---- */

Test(guest, cap_list_reads_every_page)
{
	struct wire_msg m = {.type = WIRE_T_CAP_LIST_OK};
	const struct vmsb_cap *caps = NULL;

	cap_entry(&m.u.cap_list_ok.entries[0], 0x01, WIRE_CAP_REGISTER, WIRE_RIGHT_READ, "a/*");
	m.u.cap_list_ok.count = 1;
	m.u.cap_list_ok.next_cursor = 7;
	reply(&m, 1);
	cap_entry(&m.u.cap_list_ok.entries[0], 0x02, WIRE_CAP_FS, WIRE_RIGHT_WRITE, "/srv");
	m.u.cap_list_ok.entries[0].limited = true;
	m.u.cap_list_ok.entries[0].uses_left = 5;
	m.u.cap_list_ok.next_cursor = 0;
	reply(&m, 2);
	cr_assert_eq(vmsb_cap_list(cli, &caps), 2, "%s", vmsb_errmsg(cli));
	cr_expect_str_eq(caps[0].name, "a/*");
	cr_expect_eq(caps[0].token[0], 0x01);
	cr_expect_eq(caps[1].kind, VMSB_CAP_FS);
	cr_expect(caps[1].limited && caps[1].uses_left == 5);
	expect_request(&m, WIRE_T_CAP_LIST, 1);
	cr_expect_eq(m.u.cursor.cursor, 0);
	expect_request(&m, WIRE_T_CAP_LIST, 2);
	cr_expect_eq(m.u.cursor.cursor, 7);
}

Test(guest, cap_list_refuses_a_cursor_that_does_not_advance)
{
	struct wire_msg m = {.type = WIRE_T_CAP_LIST_OK};
	const struct vmsb_cap *caps = NULL;

	m.u.cap_list_ok.next_cursor = 5; /* no entries, yet "more" */
	reply(&m, 1);
	cr_expect_eq(vmsb_cap_list(cli, &caps), -EPROTO);
}

Test(guest, cap_attenuate_sends_parent_and_limits)
{
	struct wire_msg m = {.type = WIRE_T_CAP_ATTENUATE_OK};
	uint8_t parent[VMSB_TOKEN_SIZE];
	struct vmsb_cap out;

	memset(parent, 0x5a, sizeof(parent));
	cap_entry(&m.u.cap_entry, 0x77, WIRE_CAP_REGISTER, WIRE_RIGHT_READ, "demo/*");
	m.u.cap_entry.limited = true;
	m.u.cap_entry.uses_left = 2;
	reply(&m, 1);
	cr_assert_eq(vmsb_cap_attenuate(cli, parent, VMSB_RIGHT_READ, 0, 2, &out), 0);
	cr_expect_eq(out.token[15], 0x77);
	cr_expect_eq(out.uses_left, 2);
	expect_request(&m, WIRE_T_CAP_ATTENUATE, 1);
	cr_expect_eq(memcmp(m.u.cap_attenuate.token.bytes, parent, 16), 0);
	cr_expect_eq(m.u.cap_attenuate.rights, WIRE_RIGHT_READ);
	cr_expect_eq(m.u.cap_attenuate.uses, 2);
}

Test(guest, cap_revoke_returns_the_count)
{
	struct wire_msg m = {.type = WIRE_T_CAP_REVOKE_OK};
	uint8_t tok[VMSB_TOKEN_SIZE] = {9};
	uint32_t n = 0;

	m.u.cap_revoke_ok.revoked = 3;
	reply(&m, 1);
	cr_assert_eq(vmsb_cap_revoke(cli, tok, &n), 0);
	cr_expect_eq(n, 3);
	expect_request(&m, WIRE_T_CAP_REVOKE, 1);
	cr_expect_eq(m.u.cap_revoke.token.bytes[0], 9);
}

/* ---- registers ---- */

Test(guest, register_create_uses_the_token_whose_pattern_covers_the_name)
{
	struct wire_msg m = {.type = WIRE_T_REGISTER_CREATE_OK};
	uint64_t v = 0;

	queue_caps(1);
	m.u.version.version = 1;
	reply(&m, 2);
	cr_assert_eq(vmsb_register_create(cli, "demo/x", "hi", 2, &v), 0, "%s", vmsb_errmsg(cli));
	cr_expect_eq(v, 1);
	expect_request(&m, WIRE_T_CAP_LIST, 1);
	expect_request(&m, WIRE_T_REGISTER_CREATE, 2);
	cr_expect_eq(m.u.reg_create.token.bytes[0], 0x22);
	cr_expect(str_is(m.u.reg_create.name, "demo/x"));
	cr_expect_eq(m.u.reg_create.value.kind, WIRE_VALUE_INLINE);
	cr_expect_eq(m.u.reg_create.value.data.len, 2);
	cr_expect_eq(memcmp(m.u.reg_create.value.data.ptr, "hi", 2), 0);
}

Test(guest, register_read_returns_value_and_version)
{
	struct wire_msg m = {.type = WIRE_T_REGISTER_READ_OK};
	char buf[16];
	size_t len = 0;
	uint64_t v = 0;

	queue_caps(1);
	m.u.reg_value.version = 4;
	m.u.reg_value.value.data = (struct wire_bytes){(const uint8_t *)"value", 5};
	reply(&m, 2);
	cr_assert_eq(vmsb_register_read(cli, "demo/x", buf, sizeof(buf), &len, &v), 0);
	cr_expect_eq(len, 5);
	cr_expect_eq(memcmp(buf, "value", 5), 0);
	cr_expect_eq(v, 4);
	expect_request(&m, WIRE_T_CAP_LIST, 1);
	expect_request(&m, WIRE_T_REGISTER_READ, 2);
	cr_expect_eq(m.u.reg_read.sink.kind, WIRE_VALUE_INLINE);
}

Test(guest, register_read_reports_a_value_too_big_for_the_buffer)
{
	struct wire_msg m = {.type = WIRE_T_REGISTER_READ_OK};
	char buf[3];

	queue_caps(1);
	m.u.reg_value.version = 1;
	m.u.reg_value.value.data = (struct wire_bytes){(const uint8_t *)"value", 5};
	reply(&m, 2);
	cr_expect_eq(vmsb_register_read(cli, "demo/x", buf, sizeof(buf), NULL, NULL), -ENOBUFS);
}

Test(guest, register_write_carries_the_expected_version)
{
	struct wire_msg m = {.type = WIRE_T_REGISTER_WRITE_OK};
	uint64_t v = 0;

	queue_caps(1);
	m.u.version.version = 8;
	reply(&m, 2);
	cr_assert_eq(vmsb_register_write(cli, "demo/x", 7, "new", 3, &v), 0);
	cr_expect_eq(v, 8);
	expect_request(&m, WIRE_T_CAP_LIST, 1);
	expect_request(&m, WIRE_T_REGISTER_WRITE, 2);
	cr_expect_eq(m.u.reg_write.expected_version, 7);
	cr_expect_eq(m.u.reg_write.token.bytes[0], 0x22);
}

Test(guest, register_write_conflict_is_a_broker_error_with_its_message)
{
	struct wire_msg m = {.type = WIRE_T_ERROR};

	queue_caps(1);
	m.u.error.code = WIRE_E_CONFLICT;
	m.u.error.message = (struct wire_str){"version is 9", 12};
	reply(&m, 2);
	cr_expect_eq(vmsb_register_write(cli, "demo/x", 7, "new", 3, NULL), -VMSB_E_CONFLICT);
	cr_expect_str_eq(vmsb_errmsg(cli), "conflict: version is 9");
	cr_expect_str_eq(vmsb_strerror(-VMSB_E_CONFLICT), "version conflict: the register changed");
}

Test(guest, register_consume_and_delete)
{
	struct wire_msg m = {.type = WIRE_T_REGISTER_CONSUME_OK};
	char buf[8];
	size_t len = 0;

	queue_caps(1);
	m.u.reg_value.version = 2;
	m.u.reg_value.value.data = (struct wire_bytes){(const uint8_t *)"once", 4};
	reply(&m, 2);
	reply_empty(WIRE_T_REGISTER_DELETE_OK, 3);
	cr_assert_eq(vmsb_register_consume(cli, "demo/t", 0, buf, sizeof(buf), &len, NULL), 0);
	cr_expect_eq(len, 4);
	cr_assert_eq(vmsb_register_delete(cli, "demo/t", 2), 0);
	expect_request(&m, WIRE_T_CAP_LIST, 1);
	expect_request(&m, WIRE_T_REGISTER_CONSUME, 2);
	expect_request(&m, WIRE_T_REGISTER_DELETE, 3);
	cr_expect_eq(m.u.reg_delete.expected_version, 2);
}

Test(guest, register_list_returns_one_page)
{
	struct wire_msg m = {.type = WIRE_T_REGISTER_LIST_OK};
	struct vmsb_reg_entry e[VMSB_MAX_ENTRIES];
	bool more = false;

	queue_caps(1);
	m.u.reg_list_ok.more = true;
	m.u.reg_list_ok.count = 2;
	m.u.reg_list_ok.entries[0] = (struct wire_reg_entry){{"demo/a", 6}, 1, 3, false};
	m.u.reg_list_ok.entries[1] = (struct wire_reg_entry){{"demo/b", 6}, 2, 0, true};
	reply(&m, 2);
	cr_assert_eq(vmsb_register_list(cli, "demo/", "", e, &more), 2);
	cr_expect(more);
	cr_expect_str_eq(e[1].name, "demo/b");
	cr_expect(e[1].consumed);
	expect_request(&m, WIRE_T_CAP_LIST, 1);
	expect_request(&m, WIRE_T_REGISTER_LIST, 2);
	cr_expect(str_is(m.u.reg_list.prefix, "demo/"));
	cr_expect_eq(m.u.reg_list.token.bytes[0], 0x22);
}

Test(guest, register_without_a_covering_capability_sends_nothing)
{
	struct wire_msg m;

	queue_caps(1);
	cr_expect_eq(vmsb_register_create(cli, "demox", "v", 1, NULL), -VMSB_E_NO_CAPABILITY);
	cr_expect_eq(vmsb_register_create(cli, "demo", "v", 1, NULL), -VMSB_E_NO_CAPABILITY);
	expect_request(&m, WIRE_T_CAP_LIST, 1);
	expect_no_request();
}

/* ---- fs.open ---- */

Test(guest, fs_open_receives_the_descriptor_close_on_exec)
{
	struct wire_msg m = {.type = WIRE_T_FS_OPEN_OK};
	char buf[8] = {0};
	int p[2], fd = -1;

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	cr_assert_eq(write(p[1], "file", 4), 4);
	queue_caps(1);
	m.u.fs_open_ok.flags = WIRE_OPEN_READ;
	reply_fds(&m, 2, &p[0], 1);
	close(p[0]);
	cr_assert_eq(vmsb_fs_open(cli, "/data/sub/f.txt", VMSB_OPEN_READ, 0, &fd), 0, "%s",
		     vmsb_errmsg(cli));
	cr_expect(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	cr_expect_eq(read(fd, buf, sizeof(buf)), 4);
	cr_expect_str_eq(buf, "file");
	expect_request(&m, WIRE_T_CAP_LIST, 1);
	expect_request(&m, WIRE_T_FS_OPEN, 2);
	cr_expect_eq(m.u.fs_open.token.bytes[0], 0x33, "the most specific root wins");
	cr_expect(str_is(m.u.fs_open.root, "/data"));
	cr_expect(str_is(m.u.fs_open.path, "sub/f.txt"));
	cr_expect_eq(m.u.fs_open.flags, WIRE_OPEN_READ);
}

Test(guest, fs_open_matches_roots_at_a_component_boundary)
{
	struct wire_msg m = {.type = WIRE_T_FS_OPEN_OK, .u.fs_open_ok.flags = WIRE_OPEN_READ};
	int p[2], fd = -1;

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	queue_caps(1);
	reply_fds(&m, 2, &p[0], 1);
	cr_assert_eq(vmsb_fs_open(cli, "/database", VMSB_OPEN_READ, 0, &fd), 0);
	expect_request(&m, WIRE_T_CAP_LIST, 1);
	expect_request(&m, WIRE_T_FS_OPEN, 2);
	cr_expect(str_is(m.u.fs_open.root, "/"));
	cr_expect(str_is(m.u.fs_open.path, "database"));
}

Test(guest, fs_open_closes_extra_descriptors_and_fails)
{
	struct wire_msg m = {.type = WIRE_T_FS_OPEN_OK, .u.fs_open_ok.flags = WIRE_OPEN_READ};
	int p[2], fd = -1, before;

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	queue_caps(1);
	reply_fds(&m, 2, p, 2);
	close(p[0]);
	close(p[1]);
	before = count_open_fds();
	cr_expect_eq(vmsb_fs_open(cli, "/data/f", VMSB_OPEN_READ, 0, &fd), -EPROTO);
	cr_expect_eq(fd, -1);
	cr_expect_eq(count_open_fds(), before, "a descriptor leaked");
}

Test(guest, fs_open_ok_without_a_descriptor_fails)
{
	struct wire_msg m = {.type = WIRE_T_FS_OPEN_OK, .u.fs_open_ok.flags = WIRE_OPEN_READ};
	int fd = -1;

	queue_caps(1);
	reply(&m, 2);
	cr_expect_eq(vmsb_fs_open(cli, "/data/f", VMSB_OPEN_READ, 0, &fd), -EPROTO);
	cr_expect_eq(fd, -1);
}

Test(guest, a_descriptor_beside_another_reply_is_closed)
{
	struct wire_msg m = {.type = WIRE_T_PING_OK};
	int p[2], before;

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	reply_fds(&m, 1, &p[0], 1);
	close(p[0]);
	close(p[1]);
	before = count_open_fds();
	cr_expect_eq(vmsb_ping(cli), -EPROTO);
	cr_expect_eq(count_open_fds(), before, "a descriptor leaked");
}

/* ---- hostile or broken replies ---- */

Test(guest, a_reply_with_the_wrong_request_id_is_an_error)
{
	reply_empty(WIRE_T_PING_OK, 5);
	cr_expect_eq(vmsb_ping(cli), -EPROTO);
	cr_expect(strstr(vmsb_errmsg(cli), "waiting for 1") != NULL, "%s", vmsb_errmsg(cli));
}

Test(guest, a_reply_of_the_wrong_type_is_an_error)
{
	reply_empty(WIRE_T_LOG_OK, 1);
	cr_expect_eq(vmsb_ping(cli), -EPROTO);
}

Test(guest, a_truncated_reply_is_an_error)
{
	struct wire_msg m = {.type = WIRE_T_HELLO_OK};
	struct vmsb_hello h;
	uint8_t buf[WIRE_MAX_FRAME];
	size_t len;

	m.request_id = 1;
	m.u.hello_ok.instance_id = (struct wire_str){"inst", 4};
	cr_assert_eq(wire_encode(&m, buf, sizeof(buf), &len), 0);
	send_frame(buf, len - 3, NULL, 0);
	cr_expect_eq(vmsb_hello(cli, &h), -EPROTO);
}

Test(guest, a_garbage_reply_is_an_error)
{
	static const char junk[] = "HTTP/1.1 200 OK\r\n\r\nnot a frame at all";

	send_frame(junk, sizeof(junk), NULL, 0);
	cr_expect_eq(vmsb_ping(cli), -EPROTO);
}

Test(guest, an_oversized_reply_is_an_error)
{
	static uint8_t big[WIRE_MAX_FRAME + 100];

	send_frame(big, sizeof(big), NULL, 0);
	cr_expect_eq(vmsb_ping(cli), -EPROTO);
}

Test(guest, a_broker_that_hung_up_is_a_transport_error)
{
	close(srv);
	srv = -1;
	cr_expect_lt(vmsb_ping(cli), 0);
}

Test(guest_strerror, names_every_class)
{
	cr_expect_str_eq(vmsb_strerror(0), "success");
	cr_expect_str_eq(vmsb_strerror(-VMSB_E_NOT_FOUND), "not found");
	cr_expect_str_eq(vmsb_strerror(-(VMSB_E_BASE + WIRE_E_TRUNCATED)),
			 "the broker rejected the request as malformed");
	cr_expect_str_eq(vmsb_strerror(-ENOTSOCK), strerrordesc_np(ENOTSOCK));
	cr_expect_str_eq(vmsb_strerror(-(VMSB_E_BASE + 999)), "unknown broker error");
}

/* ---- explicit tokens ---- */

Test(guest_token, parse_takes_32_hex_digits_in_either_case)
{
	uint8_t t[VMSB_TOKEN_SIZE] = {0};

	cr_assert_eq(vmsb_token_parse("00112233445566778899aabbccddEEFF", t), 0);
	cr_expect_eq(t[0], 0x00);
	cr_expect_eq(t[1], 0x11);
	cr_expect_eq(t[15], 0xff);
}

Test(guest_token, parse_refuses_anything_else_and_leaves_the_output_alone)
{
	static const char *const bad[] = {
		"",
		"0011223344556677",
		"00112233445566778899aabbccddeef",   /* 31 */
		"00112233445566778899aabbccddeeff0", /* 33 */
		"00112233445566778899aabbccddeefg",
		" 0112233445566778899aabbccddeeff",
		"0x112233445566778899aabbccddeeff",
	};
	uint8_t t[VMSB_TOKEN_SIZE];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(t, 0x5a, sizeof(t));
		cr_expect_eq(vmsb_token_parse(bad[i], t), -EINVAL, "accepted '%s'", bad[i]);
		cr_expect_eq(t[0], 0x5a);
	}
	cr_expect_eq(vmsb_token_parse(NULL, t), -EINVAL);
}

Test(guest, an_explicit_token_is_presented_without_listing_capabilities)
{
	struct wire_msg m = {.type = WIRE_T_REGISTER_READ_OK};
	uint8_t tok[VMSB_TOKEN_SIZE];
	char buf[8];

	memset(tok, 0xab, sizeof(tok));
	vmsb_use_token(cli, tok);
	m.u.reg_value.version = 1;
	m.u.reg_value.value.data = (struct wire_bytes){(const uint8_t *)"v", 1};
	reply(&m, 1);
	cr_assert_eq(vmsb_register_read(cli, "anything/at-all", buf, sizeof(buf), NULL, NULL), 0,
		     "%s", vmsb_errmsg(cli));
	expect_request(&m, WIRE_T_REGISTER_READ, 1);
	cr_expect_eq(memcmp(m.u.reg_read.token.bytes, tok, sizeof(tok)), 0);
	expect_no_request();
}

Test(guest, an_explicit_token_refused_by_the_broker_is_no_capability)
{
	struct wire_msg m = {.type = WIRE_T_ERROR};
	uint8_t tok[VMSB_TOKEN_SIZE] = {1, 2, 3};

	vmsb_use_token(cli, tok);
	m.u.error.code = WIRE_E_NO_CAPABILITY;
	reply(&m, 1);
	cr_expect_eq(vmsb_register_create(cli, "demo/x", "v", 1, NULL), -VMSB_E_NO_CAPABILITY);
	expect_request(&m, WIRE_T_REGISTER_CREATE, 1);
	cr_expect_eq(m.u.reg_create.token.bytes[2], 3);
}

Test(guest, without_an_explicit_token_the_library_picks_again)
{
	struct wire_msg m = {.type = WIRE_T_REGISTER_CREATE_OK};
	uint8_t tok[VMSB_TOKEN_SIZE] = {7};

	vmsb_use_token(cli, tok);
	vmsb_use_token(cli, NULL);
	queue_caps(1);
	reply(&m, 2);
	cr_assert_eq(vmsb_register_create(cli, "demo/x", "v", 1, NULL), 0, "%s", vmsb_errmsg(cli));
	expect_request(&m, WIRE_T_CAP_LIST, 1);
	expect_request(&m, WIRE_T_REGISTER_CREATE, 2);
	cr_expect_eq(m.u.reg_create.token.bytes[0], 0x22);
}

Test(guest, fs_open_with_an_unknown_explicit_token_goes_from_the_root)
{
	struct wire_msg m = {.type = WIRE_T_ERROR};
	uint8_t tok[VMSB_TOKEN_SIZE] = {9};
	int fd = -1;

	vmsb_use_token(cli, tok);
	m.u.error.code = WIRE_E_DENIED_POLICY; /* cap.list not allowed: no matter */
	reply(&m, 1);
	m.u.error.code = WIRE_E_NO_CAPABILITY;
	reply(&m, 2);
	cr_expect_eq(vmsb_fs_open(cli, "/data/f", VMSB_OPEN_READ, 0, &fd), -VMSB_E_NO_CAPABILITY);
	expect_request(&m, WIRE_T_CAP_LIST, 1);
	expect_request(&m, WIRE_T_FS_OPEN, 2);
	cr_expect_eq(m.u.fs_open.token.bytes[0], 9);
	cr_expect(str_is(m.u.fs_open.root, "/"));
	cr_expect(str_is(m.u.fs_open.path, "data/f"));
}

Test(guest, fs_open_with_a_held_explicit_token_uses_its_root)
{
	struct wire_msg m = {.type = WIRE_T_FS_OPEN_OK, .u.fs_open_ok.flags = WIRE_OPEN_READ};
	uint8_t tok[VMSB_TOKEN_SIZE];
	int p[2], fd = -1;

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	memset(tok, 0x33, sizeof(tok)); /* queue_caps: the /data capability */
	vmsb_use_token(cli, tok);
	queue_caps(1);
	reply_fds(&m, 2, &p[0], 1);
	cr_assert_eq(vmsb_fs_open(cli, "/data/sub/f", VMSB_OPEN_READ, 0, &fd), 0, "%s",
		     vmsb_errmsg(cli));
	close(fd);
	expect_request(&m, WIRE_T_CAP_LIST, 1);
	expect_request(&m, WIRE_T_FS_OPEN, 2);
	cr_expect(str_is(m.u.fs_open.root, "/data"));
	cr_expect(str_is(m.u.fs_open.path, "sub/f"));
}

/* ---- register values in regions ---- */

static bool ref_is(const struct wire_region_ref *r, uint32_t region, uint64_t off, uint64_t len)
{
	return r->region == region && r->offset == off && r->length == len;
}

Test(guest, register_create_region_sends_the_range)
{
	struct wire_msg m = {.type = WIRE_T_REGISTER_CREATE_OK};
	const struct vmsb_region_ref src = {2, 4096, 100000};
	uint64_t v = 0;

	queue_caps(1);
	m.u.version.version = 1;
	reply(&m, 2);
	cr_assert_eq(vmsb_register_create_region(cli, "demo/big", &src, &v), 0, "%s",
		     vmsb_errmsg(cli));
	cr_expect_eq(v, 1);
	expect_request(&m, WIRE_T_CAP_LIST, 1);
	expect_request(&m, WIRE_T_REGISTER_CREATE, 2);
	cr_expect_eq(m.u.reg_create.value.kind, WIRE_VALUE_REGION);
	cr_expect(ref_is(&m.u.reg_create.value.region, 2, 4096, 100000));
	cr_expect_eq(m.u.reg_create.token.bytes[0], 0x22);
}

Test(guest, register_write_region_sends_version_and_range)
{
	struct wire_msg m = {.type = WIRE_T_REGISTER_WRITE_OK};
	const struct vmsb_region_ref src = {0, 0, 3000};
	uint64_t v = 0;

	queue_caps(1);
	m.u.version.version = 5;
	reply(&m, 2);
	cr_assert_eq(vmsb_register_write_region(cli, "demo/big", 4, &src, &v), 0);
	cr_expect_eq(v, 5);
	expect_request(&m, WIRE_T_CAP_LIST, 1);
	expect_request(&m, WIRE_T_REGISTER_WRITE, 2);
	cr_expect_eq(m.u.reg_write.expected_version, 4);
	cr_expect_eq(m.u.reg_write.value.kind, WIRE_VALUE_REGION);
	cr_expect(ref_is(&m.u.reg_write.value.region, 0, 0, 3000));
}

Test(guest, register_read_region_gives_the_length_the_broker_wrote)
{
	struct wire_msg m = {.type = WIRE_T_REGISTER_READ_OK};
	const struct vmsb_region_ref sink = {1, 64, 65536 - 64};
	uint64_t len = 0, v = 0;

	queue_caps(1);
	m.u.reg_value.version = 3;
	m.u.reg_value.value.kind = WIRE_VALUE_REGION;
	m.u.reg_value.value.region = (struct wire_region_ref){1, 64, 3000};
	reply(&m, 2);
	cr_assert_eq(vmsb_register_read_region(cli, "demo/big", &sink, &len, &v), 0, "%s",
		     vmsb_errmsg(cli));
	cr_expect_eq(len, 3000);
	cr_expect_eq(v, 3);
	expect_request(&m, WIRE_T_CAP_LIST, 1);
	expect_request(&m, WIRE_T_REGISTER_READ, 2);
	cr_expect_eq(m.u.reg_read.sink.kind, WIRE_VALUE_REGION);
	cr_expect(ref_is(&m.u.reg_read.sink.region, 1, 64, 65536 - 64));
}

Test(guest, register_consume_region_sends_the_sink_and_version)
{
	struct wire_msg m = {.type = WIRE_T_REGISTER_CONSUME_OK};
	const struct vmsb_region_ref sink = {0, 0, 8192};
	uint64_t len = 0;

	queue_caps(1);
	m.u.reg_value.version = 2;
	m.u.reg_value.value.kind = WIRE_VALUE_REGION;
	m.u.reg_value.value.region = (struct wire_region_ref){0, 0, 8192};
	reply(&m, 2);
	cr_assert_eq(vmsb_register_consume_region(cli, "demo/t", 2, &sink, &len, NULL), 0);
	cr_expect_eq(len, 8192);
	expect_request(&m, WIRE_T_CAP_LIST, 1);
	expect_request(&m, WIRE_T_REGISTER_CONSUME, 2);
	cr_expect_eq(m.u.reg_consume.expected_version, 2);
	cr_expect(ref_is(&m.u.reg_consume.sink.region, 0, 0, 8192));
}

/* A broker that claims to have written elsewhere than asked is not believed. */
Test(guest, register_read_region_refuses_a_reply_outside_the_sink)
{
	static const struct wire_region_ref bad[] = {
		{1, 64, 1001}, /* longer than the room */
		{1, 0, 10},    /* another offset */
		{0, 64, 10},   /* another region */
	};
	const struct vmsb_region_ref sink = {1, 64, 1000};
	struct wire_msg m = {.type = WIRE_T_REGISTER_READ_OK};
	uint64_t len = 0;

	queue_caps(1);
	for (uint32_t i = 0; i < 3; i++) {
		m.u.reg_value.value.kind = WIRE_VALUE_REGION;
		m.u.reg_value.value.region = bad[i];
		reply(&m, 2 + i);
		cr_expect_eq(vmsb_register_read_region(cli, "demo/x", &sink, &len, NULL), -EPROTO,
			     "case %u", i);
	}
	m.u.reg_value.value = (struct wire_value){.kind = WIRE_VALUE_INLINE};
	reply(&m, 5);
	cr_expect_eq(vmsb_register_read_region(cli, "demo/x", &sink, &len, NULL), -EPROTO,
		     "an inline answer to a region sink");
}

Test(guest, register_inline_read_of_a_large_value_is_too_small)
{
	struct wire_msg m = {.type = WIRE_T_ERROR};
	char buf[VMSB_MAX_INLINE];

	queue_caps(1);
	m.u.error.code = WIRE_E_TOO_SMALL;
	reply(&m, 2);
	cr_expect_eq(vmsb_register_read(cli, "demo/big", buf, sizeof(buf), NULL, NULL),
		     -VMSB_E_TOO_SMALL);
	cr_expect_str_eq(vmsb_strerror(-VMSB_E_TOO_SMALL), "the result does not fit");
}

/* ---- memory regions ---- */

static void region_entry(struct wire_region_entry *e, uint32_t idx, enum wire_region_access a,
			 uint64_t size, uint32_t fd, const char *name)
{
	*e = (struct wire_region_entry){idx, a, size, fd, {name, (uint16_t)strlen(name)}};
}

/* A sealed-size memfd standing in for the supervisor's region. */
static int region_memfd(uint64_t size)
{
	int fd = memfd_create("guest-test", MFD_CLOEXEC);

	cr_assert_geq(fd, 0);
	cr_assert_eq(ftruncate(fd, (off_t)size), 0);
	return fd;
}

static size_t page(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* Queues a one-page region.list reply: in (r), work (rw) at fds, guard (none). */
static void queue_regions(uint32_t id, int in_fd, int work_fd, uint64_t size)
{
	struct wire_msg m = {.type = WIRE_T_REGION_LIST_OK};
	struct wire_region_list_ok *l = &m.u.region_list_ok;

	region_entry(&l->entries[0], 0, WIRE_REGION_R, size, (uint32_t)in_fd, "in");
	region_entry(&l->entries[1], 1, WIRE_REGION_RW, size, (uint32_t)work_fd, "work");
	region_entry(&l->entries[2], 2, WIRE_REGION_NONE, page(), GUEST_NO_REGION_FD, "guard");
	l->count = 3;
	reply(&m, id);
}

Test(guest, region_list_reads_every_page_once)
{
	struct wire_msg m = {.type = WIRE_T_REGION_LIST_OK};
	const struct vmsb_region_info *ri = NULL;

	region_entry(&m.u.region_list_ok.entries[0], 0, WIRE_REGION_RW, 8192, 4, "a");
	m.u.region_list_ok.count = 1;
	m.u.region_list_ok.next_cursor = 9;
	reply(&m, 1);
	region_entry(&m.u.region_list_ok.entries[0], 1, WIRE_REGION_NONE, 4096, GUEST_NO_REGION_FD,
		     "b");
	m.u.region_list_ok.next_cursor = 0;
	reply(&m, 2);
	cr_assert_eq(vmsb_region_list(cli, &ri), 2, "%s", vmsb_errmsg(cli));
	cr_expect_str_eq(ri[0].name, "a");
	cr_expect_eq(ri[0].fd, 4);
	cr_expect_eq(ri[0].access, VMSB_REGION_RW);
	cr_expect_eq(ri[0].size, 8192);
	cr_expect_eq(ri[1].fd, -1, "no descriptor is -1");
	cr_expect_eq(ri[1].index, 1);
	expect_request(&m, WIRE_T_REGION_LIST, 1);
	cr_expect_eq(m.u.cursor.cursor, 0);
	expect_request(&m, WIRE_T_REGION_LIST, 2);
	cr_expect_eq(m.u.cursor.cursor, 9);
	cr_assert_eq(vmsb_region_list(cli, &ri), 2);
	cr_assert_eq(vmsb_region_find(cli, "b", &ri), 0);
	cr_expect_eq(ri->index, 1);
	expect_no_request();
}

Test(guest, region_find_of_an_unknown_name_is_enoent)
{
	const struct vmsb_region_info *ri;
	struct vmsb_region map;

	queue_regions(1, 100, 101, 4096);
	cr_expect_eq(vmsb_region_find(cli, "nosuch", &ri), -ENOENT);
	cr_expect(strstr(vmsb_errmsg(cli), "nosuch") != NULL);
	cr_expect_eq(vmsb_region_map(cli, "nosuch", &map), -ENOENT);
	cr_expect_null(map.addr);
}

Test(guest, region_list_refuses_a_name_twice)
{
	struct wire_msg m = {.type = WIRE_T_REGION_LIST_OK};
	const struct vmsb_region_info *ri;

	region_entry(&m.u.region_list_ok.entries[0], 0, WIRE_REGION_RW, 4096, 4, "a");
	region_entry(&m.u.region_list_ok.entries[1], 1, WIRE_REGION_R, 4096, 5, "a");
	m.u.region_list_ok.count = 2;
	reply(&m, 1);
	cr_expect_eq(vmsb_region_list(cli, &ri), -EPROTO);
}

Test(guest, region_list_refuses_a_size_of_zero)
{
	struct wire_msg m = {.type = WIRE_T_REGION_LIST_OK};
	const struct vmsb_region_info *ri;

	region_entry(&m.u.region_list_ok.entries[0], 0, WIRE_REGION_RW, 0, 4, "a");
	m.u.region_list_ok.count = 1;
	reply(&m, 1);
	cr_expect_eq(vmsb_region_list(cli, &ri), -EPROTO);
}

Test(guest, region_list_refuses_a_cursor_that_does_not_advance)
{
	struct wire_msg m = {.type = WIRE_T_REGION_LIST_OK};
	const struct vmsb_region_info *ri;

	m.u.region_list_ok.next_cursor = 3;
	reply(&m, 1);
	cr_expect_eq(vmsb_region_list(cli, &ri), -EPROTO);
}

Test(guest, region_map_rw_shares_the_memory_of_the_descriptor)
{
	int fd = region_memfd(2 * page());
	struct vmsb_region map;
	char buf[6] = {0};

	queue_regions(1, fd, fd, 2 * page());
	cr_assert_eq(vmsb_region_map(cli, "work", &map), 0, "%s", vmsb_errmsg(cli));
	cr_expect_eq(map.size, 2 * page());
	cr_expect_eq(map.index, 1);
	cr_expect_eq(map.access, VMSB_REGION_RW);
	cr_expect_eq((uint8_t *)map.addr - (uint8_t *)map.reservation, (ptrdiff_t)page());
	cr_expect_eq(map.reservation_len, 4 * page());
	memcpy((char *)map.addr + page() + 1, "hello", 5);
	cr_expect_eq(pread(fd, buf, 5, (off_t)page() + 1), 5);
	cr_expect_str_eq(buf, "hello", "a write through the mapping reaches the region");
	cr_assert_eq(pwrite(fd, "back", 4, 0), 4);
	cr_expect_eq(memcmp(map.addr, "back", 4), 0, "and the other way");
	cr_expect_eq(vmsb_region_unmap(&map), 0);
	cr_expect_null(map.addr);
	cr_expect_eq(vmsb_region_unmap(&map), 0, "unmapping twice is harmless");
	close(fd);
}

Test(guest, region_map_refuses_a_descriptor_smaller_than_the_region)
{
	int fd = region_memfd(page());
	struct vmsb_region map;

	queue_regions(1, fd, fd, 4 * page()); /* the last three pages would be SIGBUS */
	cr_expect_eq(vmsb_region_map(cli, "work", &map), -EPROTO);
	cr_expect_null(map.reservation);
	close(fd);
}

Test(guest, region_map_refuses_a_descriptor_that_is_not_a_file)
{
	struct vmsb_region map;
	int p[2];

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	queue_regions(1, p[0], p[0], page());
	cr_expect_eq(vmsb_region_map(cli, "in", &map), -EPROTO);
	queue_regions(2, GUEST_NO_REGION_FD, GUEST_NO_REGION_FD, page());
	cli->regions_valid = false;
	cr_expect_eq(vmsb_region_map(cli, "work", &map), -EPROTO, "rw without a descriptor");
}

/*
 * Runs touch(addr) in a child with the default SIGSEGV action (set by the
 * raw syscall, so that a sanitiser's handler cannot stand in) and returns the
 * signal that killed it, 0 if it survived.
 */
static int touch_signal(void (*touch)(volatile uint8_t *), volatile uint8_t *addr)
{
	struct {
		void *handler;
		unsigned long flags;
		void *restorer;
		uint64_t mask;
	} dfl = {SIG_DFL, 0, NULL, 0};
	int status;
	pid_t pid = fork();

	/* no Criterion call in the child: every assertion, passing ones too, is a
	 * message to the runner, and a forked child's message hangs the worker */
	if (pid < 0)
		cr_assert_fail("fork: %s", strerror(errno));
	if (pid == 0) {
		syscall(SYS_rt_sigaction, SIGSEGV, &dfl, NULL, sizeof(dfl.mask));
		touch(addr);
		_exit(0);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

static void do_read(volatile uint8_t *p)
{
	(void)*p;
}

static void do_write(volatile uint8_t *p)
{
	*p = 1;
}

Test(guest, region_map_puts_guard_pages_on_both_sides)
{
	int fd = region_memfd(2 * page());
	struct vmsb_region map;
	volatile uint8_t *a;

	queue_regions(1, fd, fd, 2 * page());
	cr_assert_eq(vmsb_region_map(cli, "work", &map), 0, "%s", vmsb_errmsg(cli));
	a = map.addr;
	cr_expect_eq(touch_signal(do_write, a), 0, "the first byte is writable");
	cr_expect_eq(touch_signal(do_write, a + map.size - 1), 0, "the last byte is writable");
	cr_expect_eq(touch_signal(do_read, a - 1), SIGSEGV, "the byte before faults");
	cr_expect_eq(touch_signal(do_read, a + map.size), SIGSEGV, "the byte after faults");
	cr_expect_eq(touch_signal(do_read, a - page()), SIGSEGV, "the whole guard page");
	cr_expect_eq(touch_signal(do_read, a + map.size + page() - 1), SIGSEGV);
	cr_expect_eq(vmsb_region_unmap(&map), 0);
	close(fd);
}

Test(guest, region_map_r_is_readable_and_not_writable)
{
	int fd = region_memfd(page());
	struct vmsb_region map;

	cr_assert_eq(pwrite(fd, "R", 1, 0), 1);
	queue_regions(1, fd, fd, page());
	cr_assert_eq(vmsb_region_map(cli, "in", &map), 0, "%s", vmsb_errmsg(cli));
	cr_expect_eq(map.access, VMSB_REGION_R);
	cr_expect_eq(*(volatile uint8_t *)map.addr, 'R');
	cr_expect_eq(touch_signal(do_write, map.addr), SIGSEGV, "a write to an r region faults");
	cr_expect_eq(vmsb_region_unmap(&map), 0);
	close(fd);
}

Test(guest, region_map_none_is_prot_none_throughout)
{
	struct vmsb_region map;
	volatile uint8_t *a;

	queue_regions(1, 100, 101, page());
	cr_assert_eq(vmsb_region_map(cli, "guard", &map), 0, "%s", vmsb_errmsg(cli));
	a = map.addr;
	cr_expect_eq(map.access, VMSB_REGION_NONE);
	cr_expect_eq(map.reservation_len, 3 * page());
	cr_expect_eq(touch_signal(do_read, a), SIGSEGV);
	cr_expect_eq(touch_signal(do_read, a + map.size - 1), SIGSEGV);
	cr_expect_eq(touch_signal(do_read, a - 1), SIGSEGV);
	cr_expect_eq(touch_signal(do_read, a + map.size), SIGSEGV);
	cr_expect_eq(vmsb_region_unmap(&map), 0);
}

/* ---- net.connect ---- */

/* A loopback listener; *ret_port gets its port. */
static int listener(uint16_t *ret_port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	cr_assert_geq(s, 0);
	cr_assert_eq(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(s, 4), 0);
	cr_assert_eq(getsockname(s, (struct sockaddr *)&a, &len), 0);
	*ret_port = ntohs(a.sin_port);
	return s;
}

/* What the broker does: a non-blocking connect, handed over while it may still be going. */
static int broker_side_connect(uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons(port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	cr_assert_geq(s, 0);
	if (connect(s, (struct sockaddr *)&a, sizeof(a)) < 0)
		cr_assert_eq(errno, EINPROGRESS, "connect: %s", strerror(errno));
	return s;
}

/* A cap.list reply holding one net capability, named name. */
static void queue_net_cap(uint32_t id, const char *name)
{
	struct wire_msg m = {.type = WIRE_T_CAP_LIST_OK};

	cap_entry(&m.u.cap_list_ok.entries[0], 0x11, WIRE_CAP_REGISTER, WIRE_RIGHT_READ, "x/*");
	cap_entry(&m.u.cap_list_ok.entries[1], 0x55, WIRE_CAP_NET,
		  WIRE_RIGHT_READ | WIRE_RIGHT_WRITE, name);
	m.u.cap_list_ok.count = 2;
	reply(&m, id);
}

Test(guest, net_connect_returns_a_connected_blocking_socket)
{
	struct wire_msg m = {.type = WIRE_T_NET_CONNECT_OK};
	char name[32], buf[8] = {0};
	uint16_t port;
	int l = listener(&port), s, fd = -1, peer;

	snprintf(name, sizeof(name), "127.0.0.1:%u", port);
	queue_net_cap(1, name);
	s = broker_side_connect(port);
	reply_fds(&m, 2, &s, 1);
	close(s);
	cr_assert_eq(vmsb_net_connect(cli, "127.0.0.1", port, &fd), 0, "%s", vmsb_errmsg(cli));
	cr_expect_eq(fcntl(fd, F_GETFL) & O_NONBLOCK, 0, "the socket is blocking");
	cr_expect(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	peer = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	cr_assert_geq(peer, 0);
	cr_assert_eq(write(peer, "hi", 2), 2);
	cr_expect_eq(read(fd, buf, sizeof(buf)), 2);
	cr_expect_str_eq(buf, "hi");
	expect_request(&m, WIRE_T_CAP_LIST, 1);
	expect_request(&m, WIRE_T_NET_CONNECT, 2);
	cr_expect_eq(m.u.net_connect.token.bytes[0], 0x55);
	cr_expect_eq(m.u.net_connect.port, port);
	cr_expect(str_is(m.u.net_connect.address, "127.0.0.1"));
	close(fd);
	close(peer);
	close(l);
}

Test(guest, net_connect_matches_ipv6_names_in_any_spelling)
{
	struct wire_msg m = {.type = WIRE_T_ERROR};
	int fd = -1;

	queue_net_cap(1, "[0:0::1]:8080");
	m.u.error.code = WIRE_E_QUOTA;
	reply(&m, 2);
	cr_expect_eq(vmsb_net_connect(cli, "[::1]", 8080, &fd), -VMSB_E_QUOTA);
	expect_request(&m, WIRE_T_CAP_LIST, 1);
	expect_request(&m, WIRE_T_NET_CONNECT, 2);
	cr_expect_eq(m.u.net_connect.token.bytes[0], 0x55);
	cr_expect(str_is(m.u.net_connect.address, "0:0::1"), "as the capability spells it");
	cr_expect_eq(fd, -1);
}

Test(guest, net_connect_without_a_covering_capability_sends_nothing)
{
	struct wire_msg m;
	int fd = -1;

	queue_net_cap(1, "127.0.0.1:8080");
	cr_expect_eq(vmsb_net_connect(cli, "127.0.0.1", 8081, &fd), -VMSB_E_NO_CAPABILITY);
	cr_expect_eq(vmsb_net_connect(cli, "127.0.0.2", 8080, &fd), -VMSB_E_NO_CAPABILITY);
	cr_expect_eq(vmsb_net_connect(cli, "::1", 8080, &fd), -VMSB_E_NO_CAPABILITY);
	expect_request(&m, WIRE_T_CAP_LIST, 1);
	expect_no_request();
}

Test(guest, net_connect_refuses_a_name_that_is_not_a_numeric_address)
{
	static const char *const bad[] = {"localhost", "", "1.2.3", "[1.2.3.4]", "::1]", "[::1"};
	int fd = -1;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(vmsb_net_connect(cli, bad[i], 80, &fd), -EINVAL, "'%s'", bad[i]);
	cr_expect_eq(vmsb_net_connect(cli, "127.0.0.1", 0, &fd), -EINVAL, "port 0");
	expect_no_request();
}

Test(guest, net_connect_reports_a_refused_connection)
{
	struct wire_msg m = {.type = WIRE_T_NET_CONNECT_OK};
	uint16_t port;
	int l = listener(&port), s, fd = -1, before;

	close(l); /* nobody listens there any more */
	vmsb_use_token(cli, (const uint8_t[VMSB_TOKEN_SIZE]){0x55});
	s = broker_side_connect(port);
	reply_fds(&m, 1, &s, 1);
	close(s);
	before = count_open_fds();
	cr_expect_eq(vmsb_net_connect(cli, "127.0.0.1", port, &fd), -ECONNREFUSED, "%s",
		     vmsb_errmsg(cli));
	cr_expect_eq(fd, -1);
	cr_expect_eq(count_open_fds(), before, "the socket leaked");
}

Test(guest, net_connect_refuses_a_socket_that_is_not_connected)
{
	struct wire_msg m = {.type = WIRE_T_NET_CONNECT_OK};
	int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), fd = -1;

	vmsb_use_token(cli, (const uint8_t[VMSB_TOKEN_SIZE]){0x55});
	reply_fds(&m, 1, &s, 1);
	close(s);
	cr_expect_eq(vmsb_net_connect(cli, "127.0.0.1", 9, &fd), -ENOTCONN, "%s", vmsb_errmsg(cli));
	cr_expect_eq(fd, -1);
}

Test(guest, net_connect_refuses_a_descriptor_that_is_not_tcp)
{
	struct wire_msg m = {.type = WIRE_T_NET_CONNECT_OK};
	int p[2], sv[2], fd = -1, before;

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	vmsb_use_token(cli, (const uint8_t[VMSB_TOKEN_SIZE]){0x55});
	reply_fds(&m, 1, &p[0], 1);
	reply_fds(&m, 2, &sv[0], 1);
	close(p[0]);
	close(sv[0]);
	before = count_open_fds();
	cr_expect_eq(vmsb_net_connect(cli, "127.0.0.1", 9, &fd), -EPROTO);
	cr_expect_eq(vmsb_net_connect(cli, "127.0.0.1", 9, &fd), -EPROTO);
	cr_expect_eq(count_open_fds(), before, "a descriptor leaked");
}

Test(guest, net_connect_ok_without_a_descriptor_fails)
{
	struct wire_msg m = {.type = WIRE_T_NET_CONNECT_OK};
	int fd = -1;

	vmsb_use_token(cli, (const uint8_t[VMSB_TOKEN_SIZE]){0x55});
	reply(&m, 1);
	cr_expect_eq(vmsb_net_connect(cli, "127.0.0.1", 9, &fd), -EPROTO);
}
