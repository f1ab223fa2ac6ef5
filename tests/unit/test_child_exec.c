/* SPDX-License-Identifier: MIT */
#include "test_child_util.h"

#include <sys/stat.h>

#include "child/exec.h"

/* Runs child_exec in a fork: exit code of the program, or 200 + errno when exec failed. */
static int run_exec(char *const *argv, char *const *envp)
{
	pid_t pid = fork();

	if (pid < 0) /* only the parent may assert: Criterion's IPC is not fork-safe */
		cr_assert_fail("fork failed");
	if (pid == 0) {
		struct err_ctx err = {0};
		int r = child_exec(argv, envp, &err);

		_exit(r < 0 ? 200 + -r : 199);
	}
	return child_test_verdict(pid);
}

/* A directory holding a non-executable file called NAME. */
static void make_noexec(char *dir, const char *name)
{
	char path[256];
	int fd;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "#!/bin/sh\n", 10), 10);
	close(fd);
}

Test(child_exec, searches_path_from_envp)
{
	char *argv[] = {"sh", "-c", "exit 7", NULL};
	char *envp[] = {"PATH=/nonexistent:/bin", NULL};

	cr_expect_eq(run_exec(argv, envp), 7);
}

Test(child_exec, explicit_path_is_not_searched)
{
	char *argv[] = {"/bin/sh", "-c", "exit 9", NULL};
	char *envp[] = {"PATH=/nonexistent", NULL};

	cr_expect_eq(run_exec(argv, envp), 9);
}

Test(child_exec, missing_program_is_enoent_with_a_message)
{
	char *argv[] = {"vmsb-no-such-program", NULL};
	char *envp[] = {"PATH=/bin:/usr/bin", NULL};
	struct err_ctx err = {0};

	/* Cannot succeed, so no fork is needed. */
	cr_expect_eq(child_exec(argv, envp, &err), -ENOENT);
	cr_expect_str_eq(err.msg, "'vmsb-no-such-program' not found in PATH");
	cr_expect_eq(run_exec(argv, envp), 200 + ENOENT);
}

Test(child_exec, empty_argv_is_enoent)
{
	char *argv[] = {NULL};
	struct err_ctx err = {0};

	cr_expect_eq(child_exec(argv, NULL, &err), -ENOENT);
}

Test(child_exec, found_but_not_executable_is_eacces)
{
	char dir[] = "/tmp/vmsb-exec-XXXXXX";
	char env[300], path[300];

	make_noexec(dir, "prog");
	snprintf(env, sizeof(env), "PATH=/nonexistent:%s", dir);
	snprintf(path, sizeof(path), "%s/prog", dir);
	{
		char *argv[] = {"prog", NULL};
		char *argv_abs[] = {path, NULL};
		char *envp[] = {env, NULL};

		cr_expect_eq(run_exec(argv, envp), 200 + EACCES);
		cr_expect_eq(run_exec(argv_abs, envp), 200 + EACCES);
	}
	unlink(path);
	rmdir(dir);
}

Test(child_exec, eacces_does_not_stop_the_search)
{
	char dir[] = "/tmp/vmsb-exec-XXXXXX";
	char env[300], path[300];

	make_noexec(dir, "sh");
	snprintf(env, sizeof(env), "PATH=%s:/bin", dir);
	{
		char *argv[] = {"sh", "-c", "exit 5", NULL};
		char *envp[] = {env, NULL};

		cr_expect_eq(run_exec(argv, envp), 5, "a later PATH entry must still be tried");
	}
	snprintf(path, sizeof(path), "%s/sh", dir);
	unlink(path);
	rmdir(dir);
}

Test(child_exec, environment_is_exactly_envp)
{
	char *argv[] = {"/bin/sh", "-c", "test \"$ONLY\" = yes && test -z \"$HOME\"", NULL};
	char *envp[] = {"ONLY=yes", NULL};

	setenv("HOME", "/leaked", 1);
	cr_expect_eq(run_exec(argv, envp), 0);
}
