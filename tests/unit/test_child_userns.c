/* SPDX-License-Identifier: MIT */
#include "test_child_util.h"

#include <sys/socket.h>

#include "child/userns.h"

/* Runs child_sync_wait in a fork with `send` as the supervisor's move; returns -errno or 0. */
static int sync_with(const char *send_bytes, int *ret_extra_open)
{
	int sv[2], res[2], out[2] = {99, 99};
	pid_t pid;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	cr_assert_eq(pipe2(res, O_CLOEXEC), 0);
	pid = fork();
	if (pid < 0) /* only the parent may assert: Criterion's IPC is not fork-safe */
		cr_assert_fail("fork failed");
	if (pid == 0) {
		int extra = dup(2); /* must not survive: not one of cfg's fds */
		struct child_config cfg = {
			.report_fd = res[1],
			.sync_fd = sv[1],
			.stdin_fd = 0,
			.stdout_fd = 1,
			.stderr_fd = 2,
		};
		int r[2];

		r[0] = child_sync_wait(&cfg, NULL);
		r[1] = fcntl(extra, F_GETFD) >= 0;
		_exit(write(res[1], r, sizeof(r)) == sizeof(r) ? 0 : 1);
	}
	close(sv[1]);
	close(res[1]);
	if (send_bytes)
		cr_assert_eq(send(sv[0], send_bytes, 1, 0), 1);
	close(sv[0]); /* the supervisor's end: EOF unless the byte came first */
	cr_expect_eq(read(res[0], out, sizeof(out)), (ssize_t)sizeof(out));
	cr_expect_eq(child_test_verdict(pid), 0);
	close(res[0]);
	*ret_extra_open = out[1];
	return out[0];
}

Test(child_userns, sync_returns_on_the_go_byte_and_closes_stray_fds)
{
	int extra_open;

	cr_expect_eq(sync_with("G", &extra_open), 0);
	cr_expect_not(extra_open, "an fd the supervisor did not pass survived");
}

Test(child_userns, sync_fails_when_the_supervisor_is_gone)
{
	int extra_open;

	cr_expect_eq(sync_with(NULL, &extra_open), -EPIPE);
}

Test(child_userns, sync_rejects_an_unexpected_byte)
{
	int extra_open;

	cr_expect_eq(sync_with("X", &extra_open), -EPROTO);
}

Test(child_userns, identity_switches_to_the_mapped_ids)
{
	pid_t pid;

	if (!child_test_can_unshare(0))
		child_test_skip("user namespaces are unavailable");
	pid = fork();
	if (pid < 0) /* only the parent may assert: Criterion's IPC is not fork-safe */
		cr_assert_fail("fork failed");
	if (pid == 0) {
		struct policy p = {.user = {.uid = getuid(), .gid = getgid()}};
		struct policy bad = {.user = {.uid = getuid() + 1, .gid = getgid()}};

		CHECK_OR_EXIT(1, child_test_unshare(0) == 0);
		CHECK_OR_EXIT(2, child_identity_setup(&p, NULL) == 0);
		CHECK_OR_EXIT(3, getuid() == p.user.uid && getegid() == p.user.gid);
		/* An id outside the map is refused, not silently replaced. */
		CHECK_OR_EXIT(4, child_identity_setup(&bad, NULL) < 0);
		_exit(0);
	}
	cr_expect_eq(child_test_verdict(pid), 0);
}
