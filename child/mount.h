/* SPDX-License-Identifier: MIT */
#ifndef VMSB_CHILD_MOUNT_H
#define VMSB_CHILD_MOUNT_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/err.h"
#include "policy/policy.h"

#define CHILD_MOUNT_MAX 256

/* What the mount step built, for the steps that mirror the view (Landlock). */
struct child_view {
	bool mounted[CHILD_MOUNT_MAX]; /* policy->mounts[i] is in place (optional binds may not be)
					*/
};

enum child_dest_kind {
	CHILD_DEST_DIR,	 /* a directory, created with the given mode when missing */
	CHILD_DEST_FILE, /* a non-directory, created as an empty file when missing */
	_CHILD_DEST_KIND_MAX,
};

/*
 * Opens (O_PATH) the absolute PATH below root_fd, creating missing components
 * as directories (0755) and refusing symlinks, "." and ".." anywhere, so the
 * result can never lie outside root_fd's tree.
 */
int child_mount_open_dest(int root_fd, const char *path, enum child_dest_kind kind, mode_t mode,
			  struct err_ctx *reterr) __attribute__((warn_unused_result));

#define CHILD_DEV_NODES 6

/* Host paths of a policy, opened before anything is built from them. */
struct child_mount_sources {
	int bind[CHILD_MOUNT_MAX]; /* mounts[i]'s detached tree, or -1 */
	int dev[CHILD_DEV_NODES];  /* host device nodes, when a dev mount is asked */
};

/*
 * Makes our mount tree private and resolves every host path of the policy
 * exactly once, into detached trees (open_tree). Runs with the caller's host
 * identity, before the switch to the instance's ids: a bind the caller names
 * is resolved with the caller's permissions, also as root.
 */
int child_mount_open_sources(const struct policy *p, struct child_mount_sources *ret,
			     struct err_ctx *reterr) __attribute__((warn_unused_result));

void child_mount_close_sources(struct child_mount_sources *s);

/*
 * Builds the policy's view on a fresh tmpfs from the opened sources and
 * pivots into it; the working directory is policy->cwd afterwards. Must run
 * as the instance's inside ids with full capabilities in its user namespace.
 */
int child_mount_setup(const struct policy *p, const struct child_mount_sources *src,
		      struct child_view *ret_view, struct err_ctx *reterr)
	__attribute__((warn_unused_result));

#endif
