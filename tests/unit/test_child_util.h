/* SPDX-License-Identifier: MIT */
#ifndef VMSB_TESTS_TEST_CHILD_UTIL_H
#define VMSB_TESTS_TEST_CHILD_UTIL_H

/*
 * Shared by tests/unit/test_child_*.c. Anything that changes process-wide
 * state (namespaces, capabilities, seccomp, Landlock, fds) runs in a forked
 * child whose exit status is the verdict: 0 = pass, N = the Nth check failed.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"

/* Skips the test when namespaces are unavailable, unless VMSB_MUST_WORK=1. */
static inline void child_test_skip(const char *why)
{
	const char *must = getenv("VMSB_MUST_WORK");

	if (must && strcmp(must, "1") == 0)
		cr_assert_fail("VMSB_MUST_WORK=1 but %s", why);
	cr_skip_test("%s", why);
}

static inline int child_test_write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -EIO;
}

/*
 * Enters new namespaces and maps our own uid/gid to themselves, the one
 * mapping any process may write for itself. Returns 0 or -errno.
 */
static inline int child_test_unshare(int flags)
{
	char line[64];
	uid_t uid = getuid();
	gid_t gid = getgid();

	if (unshare(CLONE_NEWUSER | flags) < 0)
		return -errno;
	snprintf(line, sizeof(line), "%u %u 1\n", uid, uid);
	if (child_test_write_file("/proc/self/uid_map", line) < 0)
		return -EPERM;
	if (child_test_write_file("/proc/self/setgroups", "deny") < 0)
		return -EPERM;
	snprintf(line, sizeof(line), "%u %u 1\n", gid, gid);
	return child_test_write_file("/proc/self/gid_map", line) < 0 ? -EPERM : 0;
}

/* Probes in a throwaway child whether unshare(CLONE_NEWUSER | flags) works here. */
static inline bool child_test_can_unshare(int flags)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(child_test_unshare(flags) < 0 ? 1 : 0);
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return false;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* Raw wait status of a child. */
static inline int child_test_wait(pid_t pid)
{
	int status = -1;

	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

/* Exit code of a child, or 1000 + signal when it was killed. */
static inline int child_test_verdict(pid_t pid)
{
	int status = child_test_wait(pid);

	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 1000 + WTERMSIG(status);
	return -1;
}

#define CHECK_OR_EXIT(n, cond)                                                                     \
	do {                                                                                       \
		if (!(cond))                                                                       \
			_exit(n);                                                                  \
	} while (0)

#endif
