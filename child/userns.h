/* SPDX-License-Identifier: MIT */
#ifndef VMSB_CHILD_USERNS_H
#define VMSB_CHILD_USERNS_H

#include "child/child.h"
#include "common/err.h"

/*
 * Arms the parent-death signal, closes every fd the supervisor did not mean
 * for us, and waits for CHILD_SYNC_GO: the id maps are written. EOF means the
 * supervisor is gone.
 */
int child_sync_wait(const struct child_config *cfg, struct err_ctx *reterr)
	__attribute__((warn_unused_result));

/*
 * First step inside the mapped user namespace: supplementary groups cleared
 * (privileged only), the instance's inside uid/gid taken, parent-death signal
 * re-armed.
 */
int child_userns_setup(const struct child_config *cfg, struct err_ctx *reterr)
	__attribute__((warn_unused_result));

/*
 * Waits for CHILD_SYNC_JOINED (the supervisor placed us in our cgroups while
 * we built the view), then enters a new cgroup namespace when the policy asks.
 * Must come before the payload is forked: it inherits our cgroup.
 */
int child_sync_joined(const struct child_config *cfg, struct err_ctx *reterr)
	__attribute__((warn_unused_result));

/* setresgid/setresuid to the policy's inside ids, keeping capabilities. */
int child_identity_setup(const struct policy *p, struct err_ctx *reterr)
	__attribute__((warn_unused_result));

#endif
