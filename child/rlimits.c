/* SPDX-License-Identifier: MIT */
#include "child/rlimits.h"

#include <errno.h>
#include <stdint.h>

static rlim_t at_most(rlim_t want, rlim_t ceiling)
{
	return want < ceiling ? want : ceiling;
}

int child_rlimits_apply(const struct child_rlimit *rl, size_t n, struct err_ctx *reterr)
{
	for (size_t i = 0; i < n; i++) {
		struct rlimit cur, lim;

		if (getrlimit(rl[i].resource, &cur) < 0)
			return err_set(reterr, errno, "cannot read rlimit %d", rl[i].resource);
		/* Raising a hard limit needs privilege we do not want to have. */
		lim.rlim_max = at_most(rl[i].max, cur.rlim_max);
		lim.rlim_cur = at_most(rl[i].cur, lim.rlim_max);
		if (setrlimit(rl[i].resource, &lim) < 0)
			return err_set(reterr, errno, "cannot set rlimit %d to %llu",
				       rl[i].resource, (unsigned long long)lim.rlim_max);
	}
	return 0;
}
