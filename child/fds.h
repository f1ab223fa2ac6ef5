/* SPDX-License-Identifier: MIT */
#ifndef VMSB_CHILD_FDS_H
#define VMSB_CHILD_FDS_H

#include <stddef.h>

#include "child/child.h"
#include "common/err.h"

/*
 * Closes every fd except those in keep[] (negative entries are ignored).
 * With flags = CLOSE_RANGE_CLOEXEC the others are only marked close-on-exec.
 */
int child_fds_close_except(const int *keep, size_t n_keep, unsigned int flags,
			   struct err_ctx *reterr) __attribute__((warn_unused_result));

/*
 * The payload's descriptors: cfg's stdin/stdout/stderr become 0, 1, 2, every
 * other fd is close-on-exec, and a new session drops the controlling terminal.
 */
int child_fds_setup(const struct child_config *cfg, struct err_ctx *reterr)
	__attribute__((warn_unused_result));

#endif
