/* SPDX-License-Identifier: MIT */
#ifndef VMSB_CHILD_REPORT_H
#define VMSB_CHILD_REPORT_H

#include <limits.h>
#include <stdint.h>

#include "common/err.h"

/* Setup steps in the order child.c runs them. */
enum child_stage {
	CHILD_STAGE_SYNC,
	CHILD_STAGE_USERNS,
	CHILD_STAGE_MOUNT,
	CHILD_STAGE_HOSTNAME,
	CHILD_STAGE_NETWORK,
	CHILD_STAGE_INIT,
	CHILD_STAGE_RLIMITS,
	CHILD_STAGE_FDS,
	CHILD_STAGE_IDENTITY,
	CHILD_STAGE_CAPS,
	CHILD_STAGE_LANDLOCK,
	CHILD_STAGE_SECCOMP,
	CHILD_STAGE_EXEC,
	_CHILD_STAGE_MAX,
};

/* child -> supervisor, at most one per run; EOF without a record means exec happened. */
struct child_report {
	uint32_t stage; /* enum child_stage */
	int32_t err;	/* positive errno, or 0 */
	char msg[240];	/* NUL-terminated, already truncated */
};
_Static_assert(sizeof(struct child_report) <= PIPE_BUF, "must be one atomic write");

const char *child_stage_name(enum child_stage stage);

/* Writes one record; async-signal-safe. */
void child_report_send(int fd, enum child_stage stage, const struct err_ctx *err);

/* Sends the record and _exit()s with VMSB_EXIT_SETUP (or 126/127 for exec). */
__attribute__((noreturn)) void child_report_fail(int fd, enum child_stage stage,
						 const struct err_ctx *err);

#endif
