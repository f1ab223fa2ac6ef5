/* SPDX-License-Identifier: MIT */
#ifndef VMSB_CHILD_CHILD_H
#define VMSB_CHILD_CHILD_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/bpf.h"
#include "policy/policy.h"
#include "child/rlimits.h"

/*
 * Everything the child needs, prepared by the supervisor before clone so the
 * child only executes steps: no parsing, no compiling, no lookups by name
 * that could be done earlier.
 */
struct child_config {
	const struct policy *policy;
	const struct policy_bpf *bpf;
	char *const *argv;     /* argv[0] is the program, resolved inside the view */
	char *const *envp;     /* already filtered to the policy's environment */
	int report_fd;	       /* write end of the O_CLOEXEC error pipe */
	int sync_fd;	       /* init's end of the SOCK_SEQPACKET sync pair */
	int stdin_fd;	       /* becomes fd 0 of the payload */
	int stdout_fd;	       /* becomes fd 1 */
	int stderr_fd;	       /* becomes fd 2 */
	int broker_fd;	       /* becomes CHILD_BROKER_FD in the payload, or -1 without a broker */
	const int *region_fds; /* [i] becomes CHILD_REGION_FD_BASE + i in the payload; -1: none */
	size_t n_region_fds;   /* at most POLICY_MAX_REGIONS */
	bool privileged;       /* supervisor is root: setgroups(0) and switch to the mapped uid */
	const struct child_rlimit *rlimits; /* the limits plan's rlimits, set in the payload */
	size_t n_rlimits;
	int landlock_abi;     /* 0 = unavailable or disabled */
	char instance_id[33]; /* hex, for messages */
};

/* The payload's end of the broker socket, announced in VMSANDBOX_BROKER_FD. */
#define CHILD_BROKER_FD 3

/* Memory region i (policy order) of the broker section; a `none` region's slot stays closed. */
#define CHILD_REGION_FD_BASE 4

/* Every fd the supervisor hands the child sits at or above this, so the
 * payload's fixed numbers (0-2, CHILD_BROKER_FD, the region slots) are free
 * to take: the dup2() calls that install them can never hit a source. */
#define CHILD_FD_FLOOR 64

_Static_assert(CHILD_REGION_FD_BASE > CHILD_BROKER_FD &&
		       CHILD_REGION_FD_BASE + POLICY_MAX_REGIONS <= CHILD_FD_FLOOR,
	       "the payload's fixed descriptors must stay below the floor");

/* The instance's pid 1: never returns. */
__attribute__((noreturn)) void child_main(const struct child_config *cfg);

/*
 * Supervisor <-> init messages over the sync pair.
 * supervisor -> init: CHILD_SYNC_GO once the id maps are written, then
 * CHILD_SYNC_JOINED once the child is in its cgroups. Joining a cgroup v1
 * waits for an RCU grace period (several ms), so the child builds its view
 * meanwhile and waits for the second byte only before forking the payload.
 * init -> supervisor: one struct child_exit just before init exits.
 */
#define CHILD_SYNC_GO 'G'
#define CHILD_SYNC_JOINED 'J'

struct child_exit {
	int32_t wait_status; /* the payload's raw wait status */
};

#endif
