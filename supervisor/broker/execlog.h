/* SPDX-License-Identifier: MIT */
#ifndef VMSB_SUPERVISOR_BROKER_EXECLOG_H
#define VMSB_SUPERVISOR_BROKER_EXECLOG_H

/*
 * The execution log: one JSON object per line for every broker request an
 * instance made (what, on which resource, with which capability, the
 * outcome, register versions before and after) and the text of its `log`
 * requests. `vmsandbox run --exec-log FILE` appends to FILE; the format is
 * in vmsandbox(1). Everything in it came from the instance, so text is
 * cleaned and JSON-escaped, and a line is written with one write(2) on an
 * O_APPEND descriptor so that concurrent supervisors never interleave.
 */
#include <stdint.h>

#include <jansson.h>

#include "common/err.h"
#include "common/wire.h"

struct execlog;

/* Opens (creates with mode 0600, appends to) path. */
int execlog_open(const char *path, struct execlog **ret, struct err_ctx *reterr)
	__attribute__((warn_unused_result));

/* Accepts NULL. */
struct execlog *execlog_close(struct execlog *l);

static inline void execlog_closep(struct execlog **l)
{
	*l = execlog_close(*l);
}
#define _cleanup_execlog_ __attribute__((cleanup(execlog_closep)))

/*
 * One served request: req as decoded, rep the reply (NULL when res < 0),
 * res 0 or -WIRE_E_*, cap_id the capability it used (0: none). A failed
 * write is reported once on the supervisor's log; serving goes on.
 */
void execlog_request(struct execlog *l, const char *instance, const struct wire_msg *req,
		     const struct wire_msg *rep, int res, uint64_t cap_id);

/* A lifecycle line: {"event": event, "instance": ..., plus fields' keys}; steals fields. */
void execlog_event(struct execlog *l, const char *instance, const char *event, json_t *fields);

#endif
