/* SPDX-License-Identifier: MIT */
#ifndef VMSB_SUPERVISOR_LIMITS_CGROUP_INTERNAL_H
#define VMSB_SUPERVISOR_LIMITS_CGROUP_INTERNAL_H

/* Shared by the files of supervisor/limits/ only. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/err.h"
#include "supervisor/limits/cgroup.h"

/* Control files we read are small; anything larger is not what we expect. */
#define CGFS_READ_MAX 4096

/*
 * Helpers on control files relative to a directory fd. dir is the directory's
 * path, only for messages. All return 0 (or a length) or -errno and fill
 * reterr, naming the file.
 */
int cgfs_write(int dirfd, const char *dir, const char *name, const char *text,
	       struct err_ctx *reterr);
int cgfs_write_u64(int dirfd, const char *dir, const char *name, uint64_t value,
		   struct err_ctx *reterr);
ssize_t cgfs_read(int dirfd, const char *dir, const char *name, char *buf, size_t size,
		  struct err_ctx *reterr);

/* A single decimal number (trailing newline allowed); -ENOENT when absent. */
int cgfs_read_u64(int dirfd, const char *dir, const char *name, uint64_t *ret,
		  struct err_ctx *reterr);

/* The value of "KEY N" in a flat-keyed file; -ENOENT when the file or key is absent. */
int cgfs_read_keyed(int dirfd, const char *dir, const char *name, const char *key, uint64_t *ret,
		    struct err_ctx *reterr);

bool cgfs_exists(int dirfd, const char *name);

/* pids.max: the kernel refuses numbers above its pid limit, where "max" means the same. */
#define CGFS_PIDS_LIMIT_MAX 4194304u
int cgfs_write_pids_max(int dirfd, const char *dir, uint64_t pids, struct err_ctx *reterr);

/*
 * For usage counters: reads the named keys of a flat-keyed file (key NULL: the
 * whole file is one number) into rets. A missing file or key leaves its ret
 * alone; any other failure is recorded in *first and reterr unless an earlier
 * one was.
 */
void cgfs_usage_read(int dirfd, const char *dir, const char *name, const char *const *keys,
		     uint64_t *const *rets, size_t n, int *first, struct err_ctx *reterr);

/* Strict: digits only, no sign, no overflow, at least one digit. */
int cgfs_parse_u64(const char *text, size_t len, uint64_t *ret);

/* In text of "KEY N" lines: -ENOENT without the key, -EINVAL when malformed. */
int cgfs_keyed_u64(const char *text, const char *key, uint64_t *ret);

/* mkdir/rmdir of one cgroup, through the test seam when there is one. */
int cgfs_mkdir(const struct cgroup_fake_ops *fake, int parent_fd, const char *name,
	       enum cgroup_version version, unsigned ctrls);

/*
 * Removes cgroup parent/name and the cgroups below it (an instance may have
 * made some). 0 when gone or absent, -EBUSY while populated.
 */
int cgfs_remove_tree(const struct cgroup_fake_ops *fake, int parent_fd, const char *name);

/* v2 and v1 specifics, on one instance leaf carrying ctrls. */
int cgroup_v2_apply(int fd, const char *path, unsigned ctrls, const struct cgroup_settings *set,
		    struct err_ctx *reterr);
int cgroup_v2_usage(int fd, const char *path, unsigned ctrls, struct cgroup_usage *u,
		    struct err_ctx *reterr);
int cgroup_v2_kill(int fd, const char *path, struct err_ctx *reterr);
int cgroup_v1_apply(int fd, const char *path, unsigned ctrls, const struct cgroup_settings *set,
		    struct err_ctx *reterr);
int cgroup_v1_usage(int fd, const char *path, unsigned ctrls, struct cgroup_usage *u,
		    struct err_ctx *reterr);

/* Formats vmsandbox-<pid>-<suffix>; -ENAMETOOLONG when it does not fit. */
int cgroup_leaf_name(char *buf, size_t size, pid_t pid, const char *suffix);

#endif
