/* SPDX-License-Identifier: MIT */
#include "child/report.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "common/exitcodes.h"

/* Indexed by enum child_stage; a unit test checks that no entry is missing. */
static const char *const stage_names[_CHILD_STAGE_MAX] = {
	[CHILD_STAGE_SYNC] = "sync",	     [CHILD_STAGE_USERNS] = "userns",
	[CHILD_STAGE_MOUNT] = "mount",	     [CHILD_STAGE_HOSTNAME] = "hostname",
	[CHILD_STAGE_NETWORK] = "network",   [CHILD_STAGE_INIT] = "init",
	[CHILD_STAGE_RLIMITS] = "rlimits",   [CHILD_STAGE_FDS] = "fds",
	[CHILD_STAGE_IDENTITY] = "identity", [CHILD_STAGE_CAPS] = "caps",
	[CHILD_STAGE_LANDLOCK] = "landlock", [CHILD_STAGE_SECCOMP] = "seccomp",
	[CHILD_STAGE_EXEC] = "exec",
};

const char *child_stage_name(enum child_stage stage)
{
	if ((unsigned)stage >= _CHILD_STAGE_MAX || !stage_names[stage])
		return "unknown";
	return stage_names[stage];
}

/*
 * Runs between clone and exec, possibly after seccomp is installed: only
 * write(2) and plain memory operations, no stdio and no allocation.
 */
void child_report_send(int fd, enum child_stage stage, const struct err_ctx *err)
{
	struct child_report rec;
	ssize_t n;

	memset(&rec, 0, sizeof(rec));
	rec.stage = (uint32_t)stage;
	if (err) {
		size_t len = strnlen(err->msg, sizeof(err->msg));

		_Static_assert(sizeof(err->msg) < sizeof(rec.msg), "message must fit");
		rec.err = err->code;
		/* Never trust err->msg to be terminated: copy at most its size. */
		memcpy(rec.msg, err->msg, len);
	}
	if (rec.msg[0] == '\0')
		strncpy(rec.msg, child_stage_name(stage), sizeof(rec.msg) - 1);
	/* One write of less than PIPE_BUF bytes is atomic; retry only on EINTR. */
	do
		n = write(fd, &rec, sizeof(rec));
	while (n < 0 && errno == EINTR);
}

static int exit_code_for(enum child_stage stage, int code)
{
	if (stage != CHILD_STAGE_EXEC)
		return VMSB_EXIT_SETUP;
	return code == ENOENT ? VMSB_EXIT_NOTFOUND : VMSB_EXIT_NOEXEC;
}

void child_report_fail(int fd, enum child_stage stage, const struct err_ctx *err)
{
	child_report_send(fd, stage, err);
	_exit(exit_code_for(stage, err ? err->code : 0));
}
