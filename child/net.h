/* SPDX-License-Identifier: MIT */
#ifndef VMSB_CHILD_NET_H
#define VMSB_CHILD_NET_H

#include "common/err.h"
#include "policy/policy.h"

/* Sets the instance's hostname; only with its own uts namespace. */
int child_hostname_setup(const struct policy *p, struct err_ctx *reterr)
	__attribute__((warn_unused_result));

/* Brings the loopback interface up for POLICY_NET_LOOPBACK; nothing otherwise. */
int child_net_setup(const struct policy *p, struct err_ctx *reterr)
	__attribute__((warn_unused_result));

#endif
