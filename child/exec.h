/* SPDX-License-Identifier: MIT */
#ifndef VMSB_CHILD_EXEC_H
#define VMSB_CHILD_EXEC_H

#include "common/err.h"

/*
 * execve(argv[0]) with envp, searching PATH from envp (not our own
 * environment) when argv[0] has no '/', as execvpe does but without running
 * scripts through /bin/sh. Returns only on failure: -ENOENT when nothing was
 * found, another -errno when something was found but could not run.
 */
int child_exec(char *const *argv, char *const *envp, struct err_ctx *reterr)
	__attribute__((warn_unused_result));

#endif
