/* SPDX-License-Identifier: MIT */
#include "child/fds.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#define FDS_KEEP_MAX 32 /* the fds of child_sync_wait plus one per region */

static void sort_fds(int *fds, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		int v = fds[i];
		size_t j = i;

		for (; j > 0 && fds[j - 1] > v; j--)
			fds[j] = fds[j - 1];
		fds[j] = v;
	}
}

int child_fds_close_except(const int *keep, size_t n_keep, unsigned int flags,
			   struct err_ctx *reterr)
{
	int sorted[FDS_KEEP_MAX];
	size_t n = 0;
	unsigned int next = 0;

	if (n_keep > FDS_KEEP_MAX)
		return err_set(reterr, E2BIG, "too many descriptors to keep");
	for (size_t i = 0; i < n_keep; i++)
		if (keep[i] >= 0)
			sorted[n++] = keep[i];
	sort_fds(sorted, n);

	/* Close the gaps between kept fds; duplicates produce empty gaps. */
	for (size_t i = 0; i < n; i++) {
		unsigned int fd = (unsigned int)sorted[i];

		if (fd > next && close_range(next, fd - 1, flags) < 0)
			return err_set(reterr, errno, "cannot close descriptors %u-%u", next,
				       fd - 1);
		if (fd + 1 > next)
			next = fd + 1;
	}
	if (close_range(next, UINT_MAX, flags) < 0)
		return err_set(reterr, errno, "cannot close descriptors from %u", next);
	return 0;
}

/*
 * Moving every source above 2 first makes the dup2() calls order-independent:
 * stdout_fd may be 0, stdin_fd may already be 0, two may be the same fd.
 */
static int install_stdio(const struct child_config *cfg, struct err_ctx *reterr)
{
	const int src[3] = {cfg->stdin_fd, cfg->stdout_fd, cfg->stderr_fd};
	int tmp[3] = {-1, -1, -1};
	int r = 0;

	for (int i = 0; i < 3 && r == 0; i++) {
		if (src[i] < 0)
			r = err_set(reterr, EBADF, "no descriptor for fd %d", i);
		else if ((tmp[i] = fcntl(src[i], F_DUPFD_CLOEXEC, 3)) < 0)
			r = err_set(reterr, errno, "cannot duplicate descriptor %d", src[i]);
	}
	for (int i = 0; i < 3 && r == 0; i++)
		if (dup2(tmp[i], i) < 0)
			r = err_set(reterr, errno, "cannot install descriptor %d as %d", src[i], i);
	for (int i = 0; i < 3; i++)
		if (tmp[i] >= 0)
			close(tmp[i]);
	return r;
}

/*
 * Region i at CHILD_REGION_FD_BASE + i. A `none` region's slot stays empty:
 * whatever sat there was already marked close-on-exec.
 */
static int install_regions(const struct child_config *cfg, struct err_ctx *reterr)
{
	for (size_t i = 0; i < cfg->n_region_fds; i++) {
		int target = CHILD_REGION_FD_BASE + (int)i;

		if (cfg->region_fds[i] >= 0 && dup2(cfg->region_fds[i], target) < 0)
			return err_set(reterr, errno, "cannot install memory region %zu as fd %d",
				       i, target);
	}
	return 0;
}

int child_fds_setup(const struct child_config *cfg, struct err_ctx *reterr)
{
	int r = install_stdio(cfg, reterr);

	if (r < 0)
		return r;
	/*
	 * Mark, not close: the report pipe must stay open until execve so an
	 * exec failure can still be reported, and CLOEXEC closes it on success.
	 */
	if (close_range(3, UINT_MAX, CLOSE_RANGE_CLOEXEC) < 0)
		return err_set(reterr, errno, "cannot mark descriptors close-on-exec");
	/*
	 * The descriptors beyond 0-2 that survive exec; dup2 clears CLOEXEC.
	 * Every source sits at or above CHILD_FD_FLOOR, so no dup2 here can
	 * replace a descriptor another one still needs.
	 */
	if (cfg->broker_fd >= 0 && dup2(cfg->broker_fd, CHILD_BROKER_FD) < 0)
		return err_set(reterr, errno, "cannot install the broker socket as fd %d",
			       CHILD_BROKER_FD);
	r = install_regions(cfg, reterr);
	if (r < 0)
		return r;
	/* A new session has no controlling terminal: TIOCSTI has nothing to inject into. */
	if (setsid() < 0)
		return err_set(reterr, errno, "cannot start a new session");
	return 0;
}
