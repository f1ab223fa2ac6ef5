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
#include <sys/stat.h>

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
