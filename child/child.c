/* SPDX-License-Identifier: MIT */
#include "child/child.h"

#include "child/caps.h"
#include "child/exec.h"
#include "child/fds.h"
#include "child/init.h"
#include "child/landlock.h"
#include "child/mount.h"
#include "child/net.h"
#include "child/report.h"
#include "child/rlimits.h"
#include "child/seccomp.h"
#include "child/userns.h"

/* The first failing step sends its one record and exits; nothing else is said. */
static void step(const struct child_config *cfg, enum child_stage stage, int r,
		 const struct err_ctx *err)
{
	if (r < 0)
		child_report_fail(cfg->report_fd, stage, err);
}

/*
 * Everything between clone and execve, in order. No stdio and no logging:
 * the supervisor logs the record once. Steps up to INIT run in pid 1; the
 * rest run in the payload that init forks.
 */
void child_main(const struct child_config *cfg)
{
	const struct policy *p = cfg->policy;
	struct err_ctx err = {0};
	struct child_mount_sources src;
	struct child_view view;

	step(cfg, CHILD_STAGE_SYNC, child_sync_wait(cfg, &err), &err);
	/* Still the caller's host identity: a bind it names resolves as it would for it. */
	step(cfg, CHILD_STAGE_MOUNT, child_mount_open_sources(p, &src, &err), &err);
	step(cfg, CHILD_STAGE_USERNS, child_userns_setup(cfg, &err), &err);
	step(cfg, CHILD_STAGE_MOUNT, child_mount_setup(p, &src, &view, &err), &err);
	child_mount_close_sources(&src);
	step(cfg, CHILD_STAGE_HOSTNAME, child_hostname_setup(p, &err), &err);
	step(cfg, CHILD_STAGE_NETWORK, child_net_setup(p, &err), &err);
	step(cfg, CHILD_STAGE_SYNC, child_sync_joined(cfg, &err), &err);
	step(cfg, CHILD_STAGE_INIT, child_init_start(cfg, &err), &err);

	/* From here on: the payload. */
	step(cfg, CHILD_STAGE_RLIMITS, child_rlimits_apply(cfg->rlimits, cfg->n_rlimits, &err),
	     &err);
	step(cfg, CHILD_STAGE_FDS, child_fds_setup(cfg, &err), &err);
	step(cfg, CHILD_STAGE_IDENTITY, child_identity_setup(p, &err), &err);
	step(cfg, CHILD_STAGE_CAPS, child_caps_apply(p->caps_keep, &err), &err);
	step(cfg, CHILD_STAGE_LANDLOCK, child_landlock_apply(cfg, &view, &err), &err);
	/* Last: after the filter only execve and the failure report run. */
	step(cfg, CHILD_STAGE_SECCOMP, child_seccomp_install(cfg->bpf, &err), &err);
	step(cfg, CHILD_STAGE_EXEC, child_exec(cfg->argv, cfg->envp, &err), &err);
	child_report_fail(cfg->report_fd, CHILD_STAGE_EXEC, &err); /* not reached */
}
