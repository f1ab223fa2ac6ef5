/* SPDX-License-Identifier: MIT */
#ifndef VMSB_CHILD_LANDLOCK_H
#define VMSB_CHILD_LANDLOCK_H

#include <stdint.h>

#include "child/child.h"
#include "child/mount.h"
#include "common/err.h"

/* The running kernel's Landlock ABI version, 0 when unavailable or disabled. */
int child_landlock_abi(void);

/* What a ruleset handles at a given ABI: every filesystem right, TCP rights, scopes. */
uint64_t child_landlock_fs_rights(int abi);
uint64_t child_landlock_net_rights(int abi);
uint64_t child_landlock_scopes(int abi);

/*
 * Restricts the calling process to a mirror of the view: read and execute
 * everywhere, full access beneath writable binds and tmpfs mounts, device
 * access in /dev; at ABI 6 no signals or abstract sockets outside its domain.
 * No-op when cfg->landlock_abi is 0 or the policy disables Landlock.
 */
int child_landlock_apply(const struct child_config *cfg, const struct child_view *view,
			 struct err_ctx *reterr) __attribute__((warn_unused_result));

#endif
