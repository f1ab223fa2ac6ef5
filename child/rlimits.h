/* SPDX-License-Identifier: MIT */
#ifndef VMSB_CHILD_RLIMITS_H
#define VMSB_CHILD_RLIMITS_H

#include <stddef.h>
#include <sys/resource.h>

#include "common/err.h"

/* One setrlimit() of the payload; the supervisor's limits plan decides them. */
struct child_rlimit {
	int resource; /* RLIMIT_* */
	rlim_t cur, max;
};

#define CHILD_RLIMITS_MAX 8

/* Sets them in order, never above the current hard limit (lower is stricter anyway). */
int child_rlimits_apply(const struct child_rlimit *rl, size_t n, struct err_ctx *reterr)
	__attribute__((warn_unused_result));

#endif
