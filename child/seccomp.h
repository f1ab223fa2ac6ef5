/* SPDX-License-Identifier: MIT */
#ifndef VMSB_CHILD_SECCOMP_H
#define VMSB_CHILD_SECCOMP_H

#include "common/err.h"
#include "policy/bpf.h"

/*
 * Loads the precompiled filters in order. Must be the last setup step: after
 * it only execve (and the failure report) may run. Needs no_new_privs or
 * CAP_SYS_ADMIN.
 */
int child_seccomp_install(const struct policy_bpf *bpf, struct err_ctx *reterr)
	__attribute__((warn_unused_result));

#endif
