/* SPDX-License-Identifier: MIT */
#ifndef VMSB_SUPERVISOR_IDMAP_H
#define VMSB_SUPERVISOR_IDMAP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/err.h"
#include "policy/policy.h"

struct idmap {
	uint32_t inside_uid, inside_gid;
	uint32_t host_uid, host_gid;
	bool deny_setgroups; /* required when an unprivileged caller writes gid_map */
};

/* Root maps to the policy's host ids (auto: 65534); anyone else to themselves. */
void idmap_plan(const struct policy_user *user, uid_t caller_uid, gid_t caller_gid,
		struct idmap *ret);

/* Writes /proc/PID/{setgroups,uid_map,gid_map}. */
int idmap_write(pid_t pid, const struct idmap *map, struct err_ctx *reterr)
	__attribute__((warn_unused_result));

#endif
