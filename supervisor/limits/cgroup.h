/* SPDX-License-Identifier: MIT */
#ifndef VMSB_SUPERVISOR_LIMITS_CGROUP_H
#define VMSB_SUPERVISOR_LIMITS_CGROUP_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/err.h"

/*
 * cgroup mechanisms for per-instance limits and accounting: cgroup v2, cgroup
 * v1 (one hierarchy per controller, as on hybrid hosts), or both mixed per
 * controller. Nothing here mounts, remounts or reconfigures a hierarchy; every
 * cgroup we create sits directly below our own cgroup of that hierarchy and is
 * named vmsandbox-<supervisor pid>-<suffix>.
 *
 * Life cycle, driven by the supervisor:
 *
 *   cgroup_detect_self()          facts only: mounts, our cgroups, controllers
 *   cgroup_cleanup_stale()        leaves of dead supervisors
 *   cgroup_setup()                v2 delegation (see below); never fails for
 *                                 "v2 unusable", it records env->v2_reason
 *   per instance:
 *     cgroup_instance_create()    leaves + limits written
 *     clone3(CLONE_INTO_CGROUP, cgroup_instance_v2_fd()) when a v2 leaf exists
 *     cgroup_instance_attach()    v1 leaves (and v2 when clone3 was not usable)
 *     cgroup_instance_usage()     polled for CPU time, and once at the end
 *     cgroup_instance_kill()      v2 only; otherwise kill pid 1 of the instance
 *     cgroup_instance_destroy()   after pid 1 was reaped
 *   cgroup_teardown()             undoes cgroup_setup()
 *
 * cgroup v2 delegation. A v2 cgroup that has controllers enabled in its
 * cgroup.subtree_control cannot hold processes (the "no internal process"
 * rule; only the root cgroup is exempt), and controllers cannot be enabled
 * while it holds any. The supervisor sits in its own cgroup C, so:
 *  - C is the root: leaves get the controllers that are already enabled in the
 *    root's subtree_control; we never change the root.
 *  - otherwise, when the supervisor is the only process in C (what
 *    `systemd-run --scope -p Delegate=yes` or a container's init give), it
 *    moves itself into C/vmsandbox-<pid>-supervisor, enables memory, pids and
 *    cpu in C's subtree_control, and puts instance leaves next to that leaf.
 *    cgroup_teardown() disables what it enabled, moves back to C and removes
 *    the leaf. If other processes share C we cannot delegate without moving
 *    processes that are not ours, so v2 is not used (v2_reason says why, and
 *    the limits fall back to cgroup v1 or rlimits).
 */

enum cgroup_ctrl {
	CGROUP_CTRL_MEMORY,
	CGROUP_CTRL_PIDS,
	CGROUP_CTRL_CPU,     /* bandwidth: v2 cpu.max, v1 cpu.cfs_quota_us */
	CGROUP_CTRL_CPUACCT, /* accounting: v2 cpu.stat (core file), v1 cpuacct */
	_CGROUP_CTRL_MAX,
};
#define CGROUP_MASK(c) (1u << (c))

enum cgroup_version {
	CGROUP_NONE,
	CGROUP_V1,
	CGROUP_V2,
	_CGROUP_VERSION_MAX,
};

/*
 * Seam for unit tests on fake trees: a real cgroupfs creates the control files
 * together with a directory and removes them with it, plain directories do
 * not. Both return 0 or -errno. Production code leaves env->fake NULL and gets
 * mkdirat()/unlinkat(AT_REMOVEDIR).
 */
struct cgroup_fake_ops {
	int (*mkdir)(int parent_fd, const char *name, enum cgroup_version version, unsigned ctrls,
		     void *arg);
	int (*rmdir)(int parent_fd, const char *name, void *arg);
	void *arg;
};

struct cgroup_v1_info {
	bool found;    /* mounted, and our cgroup is visible in the mount */
	bool writable; /* we may create cgroups below ours */
	char dir[PATH_MAX];
};

struct cgroup_env {
	pid_t self;

	/* cgroup v2, from cgroup_detect() */
	bool v2_found;	       /* mounted, our cgroup visible in it */
	bool v2_root;	       /* our cgroup is the hierarchy's root (no cgroup.type) */
	bool v2_writable;      /* dir, cgroup.procs and (non-root) cgroup.subtree_control */
	unsigned v2_available; /* CGROUP_MASK bits listed in our cgroup.controllers */
	unsigned v2_enabled;   /* CGROUP_MASK bits in our cgroup.subtree_control */
	char v2_dir[PATH_MAX]; /* our own cgroup: instance leaves go below it */

	/* cgroup v2, from cgroup_setup() */
	unsigned v2_usable;	/* bits an instance leaf gets; 0 = v2 not used */
	unsigned v2_we_enabled; /* bits we enabled in subtree_control, undone at teardown */
	bool v2_moved;		/* we live in <v2_dir>/vmsandbox-<self>-supervisor */
	char v2_reason[192];	/* why v2 is not used, for the log; "" when used */

	/* cgroup v1, indexed by enum cgroup_ctrl */
	struct cgroup_v1_info v1[_CGROUP_CTRL_MAX];

	const struct cgroup_fake_ops *fake; /* tests only */
};

/*
 * Fills ret from the texts of /proc/self/mountinfo and /proc/self/cgroup.
 * prefix is prepended to every mount point ("" on a real system, a temporary
 * directory in tests) and the control files found there are read, never
 * written. Malformed text is an error; a missing hierarchy is not.
 */
int cgroup_detect(const char *mountinfo, const char *self_cgroup, const char *prefix, pid_t self,
		  struct cgroup_env *ret, struct err_ctx *reterr)
	__attribute__((warn_unused_result));

/* Same for this process and the real /proc. */
int cgroup_detect_self(struct cgroup_env *ret, struct err_ctx *reterr)
	__attribute__((warn_unused_result));

/* v2 delegation as described above; errors only for unexpected failures. */
int cgroup_setup(struct cgroup_env *env, struct err_ctx *reterr);

/* Undoes cgroup_setup(); call after every instance was destroyed. */
int cgroup_teardown(struct cgroup_env *env, struct err_ctx *reterr);

/* Where a controller would be used: v2 when a v2 leaf gets it, else v1, else none. */
enum cgroup_version cgroup_where(const struct cgroup_env *env, enum cgroup_ctrl ctrl);

const char *cgroup_ctrl_name(enum cgroup_ctrl ctrl);

/*
 * Removes vmsandbox-<pid>-* cgroups below our own cgroup of every hierarchy
 * when <pid> is not a live process whose comm (read under proc_root, "/proc"
 * normally) is "vmsandbox", and the cgroup holds no process. Best effort: a
 * cgroup that cannot be removed is logged and kept. ret_removed may be NULL.
 */
int cgroup_cleanup_stale(const struct cgroup_env *env, const char *proc_root, unsigned *ret_removed,
			 struct err_ctx *reterr);

/* What an instance's cgroups enforce. Filled by limits_plan_make(). */
struct cgroup_settings {
	/* Per controller: CGROUP_NONE, or what cgroup_where() says. */
	enum cgroup_version use[_CGROUP_CTRL_MAX];
	uint64_t memory_bytes;	/* 0 = no limit, accounting only */
	uint64_t pids;		/* 0 = no limit; above the kernel's pid limit = "max" */
	uint64_t cpu_quota_us;	/* 0 = no limit */
	uint64_t cpu_period_us; /* used with cpu_quota_us */
};

/* Any usage field the kernel does not provide here is CGROUP_UNKNOWN. */
#define CGROUP_UNKNOWN UINT64_MAX

struct cgroup_usage {
	uint64_t cpu_usec;	    /* v2 cpu.stat usage_usec, v1 cpuacct.usage / 1000 */
	uint64_t cpu_user_usec;	    /* v2 user_usec, v1 cpuacct.stat user (USER_HZ ticks) */
	uint64_t cpu_system_usec;   /* v2 system_usec, v1 cpuacct.stat system */
	uint64_t memory_peak_bytes; /* v2 memory.peak (kernel >= 5.19), v1 max_usage_in_bytes */
	uint64_t oom_kills;	    /* v2 memory.events oom_kill, v1 memory.oom_control oom_kill */
	uint64_t memory_max_hits;   /* v2 memory.events max, v1 memory(.memsw).failcnt: times
				     * the limit was reached, not by itself an OOM kill; v1
				     * kernels do not always count it (use oom_kills) */
	uint64_t pids_peak;	    /* pids.peak where the kernel has it (6.1+ v2, 6.x v1) */
	uint64_t pids_max_hits;	    /* pids.events max: forks refused */
};

struct cgroup_instance;

/*
 * Creates vmsandbox-<env->self>-<instance_id> in every hierarchy set->use names
 * and writes the limits. instance_id: 1..32 lowercase hex digits. On error
 * nothing is left behind.
 */
int cgroup_instance_create(const struct cgroup_env *env, const char *instance_id,
			   const struct cgroup_settings *set, struct cgroup_instance **ret,
			   struct err_ctx *reterr) __attribute__((warn_unused_result));

/* The v2 leaf's directory fd for clone3(CLONE_INTO_CGROUP), or -1 without one. */
int cgroup_instance_v2_fd(const struct cgroup_instance *cg);

/* The leaf's path in that hierarchy (for messages and tests), or NULL. */
const char *cgroup_instance_path(const struct cgroup_instance *cg, enum cgroup_ctrl ctrl);

/*
 * Moves pid into every leaf (writes cgroup.procs). v2_joined: the child was
 * cloned into the v2 leaf already, skip it. Must happen before the child
 * execs: the supervisor holds the child on its sync socket until then.
 */
int cgroup_instance_attach(struct cgroup_instance *cg, pid_t pid, bool v2_joined,
			   struct err_ctx *reterr) __attribute__((warn_unused_result));

/*
 * Reads the counters. ret is filled as far as the files allow even when an
 * error (malformed or unreadable file) is returned.
 */
int cgroup_instance_usage(const struct cgroup_instance *cg, struct cgroup_usage *ret,
			  struct err_ctx *reterr);

/* v2 cgroup.kill; -EOPNOTSUPP without it (the caller kills pid 1 instead). */
int cgroup_instance_kill(struct cgroup_instance *cg, struct err_ctx *reterr);

/*
 * Removes every leaf (and any cgroup the instance made below it), retrying
 * for up to about 250 ms while the kernel still counts exiting tasks, then
 * frees cg. Accepts NULL. Returns the first failure; the rest is still tried.
 */
int cgroup_instance_destroy(struct cgroup_instance *cg, struct err_ctx *reterr);

static inline void cgroup_instance_destroyp(struct cgroup_instance **cg)
{
	cgroup_instance_destroy(*cg, NULL);
}
#define _cleanup_cgroup_instance_ __attribute__((cleanup(cgroup_instance_destroyp)))

#endif
