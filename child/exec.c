/* SPDX-License-Identifier: MIT */
#include "child/exec.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

/* glibc's own fallback when PATH is unset. */
#define DEFAULT_PATH "/bin:/usr/bin"

static const char *env_path(char *const *envp)
{
	for (size_t i = 0; envp && envp[i]; i++)
		if (strncmp(envp[i], "PATH=", 5) == 0)
			return envp[i] + 5;
	return DEFAULT_PATH;
}

/* Runs after seccomp: execve and string operations on the stack only. */
static int exec_search(const char *prog, char *const *argv, char *const *envp)
{
	const char *dir = env_path(envp);
	size_t prog_len = strlen(prog);
	bool denied = false;

	for (;;) {
		const char *end = strchrnul(dir, ':');
		size_t dir_len = (size_t)(end - dir);
		char path[PATH_MAX];

		/* An empty entry means the working directory, as in execvp. */
		if (dir_len == 0) {
			dir = ".";
			dir_len = 1;
		}
		if (dir_len + 1 + prog_len < sizeof(path)) {
			memcpy(path, dir, dir_len);
			path[dir_len] = '/';
			memcpy(path + dir_len + 1, prog, prog_len + 1);
			execve(path, argv, envp);
			if (errno == EACCES)
				denied = true;
			else if (errno != ENOENT && errno != ENOTDIR && errno != ESTALE &&
				 errno != ENODEV && errno != ETIMEDOUT && errno != ENAMETOOLONG)
				return -errno; /* found, but it cannot run: stop as execvp does */
		}
		if (*end == '\0')
			break;
		dir = end + 1;
	}
	return denied ? -EACCES : -ENOENT;
}

int child_exec(char *const *argv, char *const *envp, struct err_ctx *reterr)
{
	const char *prog = argv ? argv[0] : NULL;
	int r;

	if (!prog || prog[0] == '\0')
		return err_set(reterr, ENOENT, "no program to execute");
	if (strchr(prog, '/')) {
		execve(prog, argv, envp);
		return err_set(reterr, errno, "cannot execute '%s'", prog);
	}
	r = exec_search(prog, argv, envp);
	if (r == -ENOENT)
		return err_set(reterr, ENOENT, "'%s' not found in PATH", prog);
	return err_set(reterr, -r, "cannot execute '%s'", prog);
}
