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
	bool mounted[CHILD_MOUNT_MAX]; /* policy->mounts[i] is in place (optional binds may not be) */
};

enum child_dest_kind {
	CHILD_DEST_DIR,  /* a directory, created with the given mode when missing */
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

/*
 * Builds the policy's view on a fresh tmpfs and pivots into it; the working
 * directory is policy->cwd afterwards. Must run as the instance's inside ids
 * with full capabilities in its user namespace.
 */
int child_mount_setup(const struct policy *p, struct child_view *ret_view, struct err_ctx *reterr)
	__attribute__((warn_unused_result));

#endif
