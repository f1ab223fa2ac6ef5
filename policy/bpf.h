/* SPDX-License-Identifier: MIT */
#ifndef VMSB_POLICY_BPF_H
#define VMSB_POLICY_BPF_H

#include <linux/filter.h>

#include "common/err.h"
#include "policy/policy.h"

/*
 * The policy's syscall rules compiled once, in the supervisor, to classic
 * BPF programs that the child loads with seccomp(2) in order. filters[0] is
 * the allow list (native arch only, bad arch kills the process; x32 numbers
 * are rejected); filters[1], present when there are deny rules, defaults to
 * allow and applies the deny rules. The kernel returns the strictest result.
 */
struct policy_bpf {
	struct sock_fprog filters[2];
	unsigned n_filters;
};

int policy_bpf_compile(const struct policy *p, struct policy_bpf *ret, struct err_ctx *reterr)
	__attribute__((warn_unused_result));

void policy_bpf_release(struct policy_bpf *bpf);

#endif
