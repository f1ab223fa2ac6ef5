/* SPDX-License-Identifier: MIT */
#ifndef VMSB_CHILD_CAPS_H
#define VMSB_CHILD_CAPS_H

#include <stdint.h>

#include "common/err.h"

/*
 * Leaves exactly the capabilities in keep (bit N = capability N) in the
 * bounding, permitted, effective, inheritable and ambient sets, locks the
 * securebits so uid 0 gains nothing on exec, and sets no_new_privs.
 * Needs CAP_SETPCAP on entry.
 */
int child_caps_apply(uint64_t keep, struct err_ctx *reterr) __attribute__((warn_unused_result));

/* Securebits child_caps_apply sets and locks, for tests. */
unsigned int child_caps_securebits(void);

#endif
