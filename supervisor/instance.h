/* SPDX-License-Identifier: MIT */
#ifndef VMSB_SUPERVISOR_INSTANCE_H
#define VMSB_SUPERVISOR_INSTANCE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "common/err.h"
#include "policy/bpf.h"
#include "policy/policy.h"

/* One running instance as the supervisor sees it: fds it polls and ids it mapped. */
struct instance {
	char id[33];	    /* 128 random bits, hex */
	pid_t pid;	    /* pid 1 of the instance, in our pid namespace */
	int pidfd;	    /* readable when pid 1 exits */
	int sync_fd;	    /* supervisor end of the sync pair (go byte out, exit status in) */
	int report_fd;	    /* read end of the child's error pipe: EOF = exec happened */
	int out_fd, err_fd; /* read ends of the instance's stdout and stderr pipes */
	int broker_fd;	    /* supervisor end of the broker socket, or -1 without a broker */
	uint32_t host_uid, host_gid;
	bool privileged;
	struct timespec started; /* CLOCK_MONOTONIC at clone */
	bool in_cgroup_fd;	 /* cloned straight into spawn_request.cgroup_fd */
};

/* Everything instance_spawn needs besides the policy, prepared by the caller. */
struct spawn_request {
	const char *instance_id; /* from instance_make_id() */
	const struct policy *policy;
	const struct policy_bpf *bpf;
	char *const *argv;
	char *const *envp;
	int landlock_abi;
	const struct child_rlimit *rlimits;
	size_t n_rlimits;
	int cgroup_fd; /* v2 leaf for CLONE_INTO_CGROUP, or -1 */
	/* The broker's memory regions, in policy order (region_set_child_fd()):
	 * [i] becomes fd CHILD_REGION_FD_BASE + i in the payload, -1 for none.
	 * Still the caller's: close them once instance_spawn returned. */
	const int *region_fds;
	size_t n_region_fds; /* at most POLICY_MAX_REGIONS */
	/* Called after the go byte, while the child builds its view, to put it
	 * in its cgroups before it forks the payload; in_cgroup_fd: clone3
	 * already placed it in cgroup_fd's cgroup. May be NULL. */
	int (*attach)(void *ctx, pid_t pid, bool in_cgroup_fd, struct err_ctx *reterr);
	void *attach_ctx;
};

/* Clones pid 1 of a new instance and lets it run its setup; returns with the
 * child waiting on nothing (the go byte is sent). On failure nothing is left. */
int instance_spawn(const struct spawn_request *req, struct instance *ret, struct err_ctx *reterr)
	__attribute__((warn_unused_result));

/* Closes every fd of the instance; does not wait. */
void instance_close(struct instance *inst);

/* Fills a 32-hex-digit random id from getrandom(2). */
int instance_make_id(char ret_id[33]);

#endif
