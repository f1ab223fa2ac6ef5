/* SPDX-License-Identifier: MIT */
#include "child/userns.h"

#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "child/fds.h"
#include "common/cleanup.h"

#ifndef SECBIT_NO_SETUID_FIXUP
#define SECBIT_NO_SETUID_FIXUP (1 << 2)
#endif

static int read_sync_byte(int fd, char want, const char *what, struct err_ctx *reterr)
{
	char got;
	ssize_t n;

	do
		n = read(fd, &got, 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return err_set(reterr, errno, "cannot read the %s", what);
	if (n == 0)
		return err_set(reterr, EPIPE, "supervisor went away before the %s", what);
	if (got != want)
		return err_set(reterr, EPROTO, "unexpected %s 0x%02x", what, (unsigned char)got);
	return 0;
}

/* 0-2 and the config's descriptors, before the region ones. */
#define SYNC_KEEP_FIXED 9

int child_sync_wait(const struct child_config *cfg, struct err_ctx *reterr)
{
	int keep[SYNC_KEEP_FIXED + POLICY_MAX_REGIONS] = {0,
							  1,
							  2,
							  cfg->report_fd,
							  cfg->sync_fd,
							  cfg->stdin_fd,
							  cfg->stdout_fd,
							  cfg->stderr_fd,
							  cfg->broker_fd};
	size_t n_keep = SYNC_KEEP_FIXED;
	int r;

	/*
	 * getppid() cannot detect an early supervisor death here: across the
	 * pid namespace boundary it is always 0. EOF on sync_fd does, but only
	 * once no copy of the supervisor's end (or any other fd it had open,
	 * such as another instance's pipes) survives in this process.
	 */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		return err_set(reterr, errno, "cannot set the parent-death signal");
	if (cfg->n_region_fds > POLICY_MAX_REGIONS)
		return err_set(reterr, E2BIG, "too many region descriptors: %zu",
			       cfg->n_region_fds);
	for (size_t i = 0; i < cfg->n_region_fds; i++)
		keep[n_keep++] = cfg->region_fds[i];
	r = child_fds_close_except(keep, n_keep, 0, reterr);
	if (r < 0)
		return r;
	return read_sync_byte(cfg->sync_fd, CHILD_SYNC_GO, "start signal", reterr);
}

int child_identity_setup(const struct policy *p, struct err_ctx *reterr)
{
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;

	/*
	 * Without this bit, leaving uid 0 would clear our capabilities before
	 * the caps step had the chance to drop them deliberately (and the
	 * bounding set with them). The caps step locks the final bits.
	 */
	if (prctl(PR_SET_SECUREBITS, SECBIT_NO_SETUID_FIXUP, 0, 0, 0) < 0)
		return err_set(reterr, errno, "cannot set securebits");
	if (setresgid(p->user.gid, p->user.gid, p->user.gid) < 0)
		return err_set(reterr, errno, "cannot switch to gid %u", p->user.gid);
	if (setresuid(p->user.uid, p->user.uid, p->user.uid) < 0)
		return err_set(reterr, errno, "cannot switch to uid %u", p->user.uid);
	/* Fail closed: trust what the kernel reports, not the return codes alone. */
	if (getresuid(&ruid, &euid, &suid) < 0 || getresgid(&rgid, &egid, &sgid) < 0)
		return err_set(reterr, errno, "cannot read back the process ids");
	if (ruid != p->user.uid || euid != p->user.uid || suid != p->user.uid ||
	    rgid != p->user.gid || egid != p->user.gid || sgid != p->user.gid)
		return err_set(reterr, EPERM, "ids did not switch to %u:%u", p->user.uid,
			       p->user.gid);
	return 0;
}

int child_userns_setup(const struct child_config *cfg, struct err_ctx *reterr)
{
	const struct policy *p = cfg->policy;
	int r;

	/* As root the supervisor wrote gid_map without "deny": drop host root's groups. */
	if (cfg->privileged && setgroups(0, NULL) < 0)
		return err_set(reterr, errno, "cannot clear supplementary groups");
	/*
	 * As root we still run as the host's uid 0, which is not mapped: take
	 * the mapped inside ids now, so every inode the mount step creates has
	 * a valid owner and host paths are resolved with the instance's own
	 * host identity rather than root's.
	 */
	r = child_identity_setup(p, reterr);
	if (r < 0)
		return r;
	/* Any credential change resets the parent-death signal: arm it again. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		return err_set(reterr, errno, "cannot set the parent-death signal");
	return 0;
}

int child_sync_joined(const struct child_config *cfg, struct err_ctx *reterr)
{
	int r = read_sync_byte(cfg->sync_fd, CHILD_SYNC_JOINED, "cgroup signal", reterr);

	if (r < 0)
		return r;
	/* Only now is our cgroup the one the namespace should be rooted at. */
	if (cfg->policy->ns.cgroup && unshare(CLONE_NEWCGROUP) < 0)
		return err_set(reterr, errno, "cannot create the cgroup namespace");
	return 0;
}
