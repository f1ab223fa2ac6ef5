/* SPDX-License-Identifier: MIT */
#ifndef VMSB_SUPERVISOR_LIMITS_PROCTREE_H
#define VMSB_SUPERVISOR_LIMITS_PROCTREE_H

#include <stdint.h>
#include <sys/types.h>

/*
 * CPU time of a whole process tree from /proc, for hosts without a usable
 * cgroup: the sum over live processes below (and including) root of
 * utime + stime + cutime + cstime. Each reaped process is counted exactly
 * once, in the cutime/cstime of whoever reaped it, and pid 1 of an instance
 * reaps every orphan. The walk is bounded; a tree larger than the bound is
 * undercounted, which the pids limit prevents. proc_root is "/proc".
 */
int proctree_cpu_usec(const char *proc_root, pid_t root, uint64_t *ret_usec)
	__attribute__((warn_unused_result));

#endif
