/* SPDX-License-Identifier: MIT */
#ifndef VMSB_CHILD_INIT_H
#define VMSB_CHILD_INIT_H

#include <stdbool.h>
#include <stdint.h>

#include "child/child.h"
#include "common/err.h"

/*
 * Forks the payload. Returns 0 in the payload, with default signal
 * dispositions and an empty signal mask. In the caller it becomes the
 * instance's init and never returns: it drops every capability, keeps only
 * sync_fd, reaps zombies, forwards SIGTERM/SIGINT/SIGHUP sent from outside
 * the instance, and when the payload ends sends its struct child_exit on
 * sync_fd and exits (which kills whatever is left in the pid namespace).
 */
int child_init_start(const struct child_config *cfg, struct err_ctx *reterr)
	__attribute__((warn_unused_result));

/*
 * Whether init passes SIGNO from a sender it sees as SENDER_PID on to the
 * payload: only SIGTERM/SIGINT/SIGHUP, and only from outside the instance
 * (pid 0 = not in our pid namespace: the supervisor, the terminal).
 */
bool child_init_forwards(uint32_t signo, uint32_t sender_pid);

#endif
