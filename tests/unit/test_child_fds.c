/* SPDX-License-Identifier: MIT */
#include "test_child_util.h"

#include <linux/close_range.h>
#include <sys/stat.h>

#include "child/fds.h"

static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static bool fd_cloexec(int fd)
{
	return (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0;
}

/* Same open file description? Compared by inode of the pipe. */
static bool same_file(int a, int b)
{
	struct stat sa, sb;

	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_ino == sb.st_ino &&
	       sa.st_dev == sb.st_dev;
}

Test(child_fds, close_except_keeps_exactly_the_listed_fds)
{
	pid_t pid = fork();

	if (pid < 0) /* only the parent may assert: Criterion's IPC is not fork-safe */
		cr_assert_fail("fork failed");
	if (pid == 0) {
		int a = dup(2), b = dup(2), c = dup(2), d = dup(2);
		const int keep[] = {c, -1, a, a};

		CHECK_OR_EXIT(1, child_fds_close_except(keep, 4, 0, NULL) == 0);
		CHECK_OR_EXIT(2, fd_open(a) && fd_open(c));
		CHECK_OR_EXIT(3, !fd_open(b) && !fd_open(d));
		CHECK_OR_EXIT(4, !fd_open(0) && !fd_open(1) && !fd_open(2));
		_exit(0);
	}
	cr_expect_eq(child_test_verdict(pid), 0);
}

Test(child_fds, close_except_with_cloexec_only_marks)
{
	pid_t pid = fork();

	if (pid < 0) /* only the parent may assert: Criterion's IPC is not fork-safe */
		cr_assert_fail("fork failed");
	if (pid == 0) {
		int a = dup(2), b = dup(2);
		const int keep[] = {a};

		CHECK_OR_EXIT(1, child_fds_close_except(keep, 1, CLOSE_RANGE_CLOEXEC, NULL) == 0);
		CHECK_OR_EXIT(2, fd_open(b) && fd_cloexec(b));
		CHECK_OR_EXIT(3, fd_open(a) && !fd_cloexec(a));
		_exit(0);
	}
	cr_expect_eq(child_test_verdict(pid), 0);
}

/* stdout_fd is 0 and stdin_fd is 1: a naive dup2 order would clobber one of them. */
Test(child_fds, setup_installs_stdio_whatever_the_source_numbers)
{
	pid_t pid = fork();

	if (pid < 0) /* only the parent may assert: Criterion's IPC is not fork-safe */
		cr_assert_fail("fork failed");
	if (pid == 0) {
		int in[2], out[2], extra;
		struct child_config cfg = {0};

		CHECK_OR_EXIT(1, pipe(in) == 0 && pipe(out) == 0);
		CHECK_OR_EXIT(2, dup2(out[1], 0) == 0 && dup2(in[0], 1) == 1);
		extra = open("/dev/null", O_RDONLY); /* no O_CLOEXEC on purpose */
		cfg.stdin_fd = 1;
		cfg.stdout_fd = 0;
		cfg.stderr_fd = 0;
		CHECK_OR_EXIT(3, child_fds_setup(&cfg, NULL) == 0);
		CHECK_OR_EXIT(4,
			      same_file(0, in[0]) && same_file(1, out[1]) && same_file(2, out[1]));
		CHECK_OR_EXIT(5, !fd_cloexec(0) && !fd_cloexec(1) && !fd_cloexec(2));
		CHECK_OR_EXIT(6, fd_cloexec(extra) && fd_cloexec(in[0]) && fd_cloexec(out[1]));
		CHECK_OR_EXIT(7, getsid(0) == getpid());
		_exit(0);
	}
	cr_expect_eq(child_test_verdict(pid), 0);
}

Test(child_fds, setup_rejects_a_missing_stdio_fd)
{
	struct child_config cfg = {.stdin_fd = 0, .stdout_fd = -1, .stderr_fd = 2};
	struct err_ctx err = {0};

	cr_expect_eq(child_fds_setup(&cfg, &err), -EBADF);
	cr_expect_str_eq(err.msg, "no descriptor for fd 1");
}
