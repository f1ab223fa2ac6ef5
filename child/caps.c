/* SPDX-License-Identifier: MIT */
#include "child/caps.h"

#include <errno.h>
#include <linux/securebits.h>
#include <stdbool.h>
#include <sys/capability.h>
#include <sys/prctl.h>

static bool kept(uint64_t keep, cap_value_t cap)
{
	return cap < 64 && (keep & (UINT64_C(1) << cap));
}

/* "cannot VERB 'cap_name'TAIL" */
static int cap_err(struct err_ctx *reterr, int code, const char *verb, cap_value_t cap,
		   const char *tail)
{
	char *name = cap_to_name(cap);
	int r = err_set(reterr, code, "cannot %s '%s'%s", verb, name ? name : "?", tail);

	cap_free(name);
	return r;
}

unsigned int child_caps_securebits(void)
{
	/*
	 * NOROOT: uid 0 gets no capabilities from execve. NO_SETUID_FIXUP: a
	 * setuid by a kept CAP_SETUID neither grants nor strips anything.
	 * KEEP_CAPS stays off. All three locked so the payload cannot undo them.
	 */
	return SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
	       SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED;
}

/* The bounding set caps what any later execve can grant, file caps included. */
static int drop_bounding(uint64_t keep, cap_value_t max, struct err_ctx *reterr)
{
	for (cap_value_t cap = 0; cap < max; cap++) {
		if (kept(keep, cap))
			continue;
		if (cap_drop_bound(cap) < 0)
			return cap_err(reterr, errno, "drop", cap, " from the bounding set");
	}
	return 0;
}

static int set_process_caps(uint64_t keep, cap_value_t max, struct err_ctx *reterr)
{
	cap_t caps = cap_init();
	int r = 0;

	if (!caps)
		return err_set(reterr, ENOMEM, "cannot allocate a capability set");
	/* cap_init() starts empty: only kept capabilities are added, to all three sets. */
	for (cap_value_t cap = 0; cap < max && r == 0; cap++) {
		if (!kept(keep, cap))
			continue;
		if (cap_set_flag(caps, CAP_PERMITTED, 1, &cap, CAP_SET) < 0 ||
		    cap_set_flag(caps, CAP_EFFECTIVE, 1, &cap, CAP_SET) < 0 ||
		    cap_set_flag(caps, CAP_INHERITABLE, 1, &cap, CAP_SET) < 0)
			r = -errno;
	}
	if (r == 0 && cap_set_proc(caps) < 0)
		r = -errno;
	cap_free(caps);
	if (r < 0)
		return err_set(reterr, -r, "cannot set the process capabilities");
	return 0;
}

/* Ambient caps survive execve for a non-root uid; raise exactly the kept ones. */
static int set_ambient(uint64_t keep, cap_value_t max, struct err_ctx *reterr)
{
	if (cap_reset_ambient() < 0)
		return err_set(reterr, errno, "cannot clear the ambient capabilities");
	for (cap_value_t cap = 0; cap < max; cap++)
		if (kept(keep, cap) && cap_set_ambient(cap, CAP_SET) < 0)
			return cap_err(reterr, errno, "raise", cap, " as ambient");
	return 0;
}

int child_caps_apply(uint64_t keep, struct err_ctx *reterr)
{
	cap_value_t max = cap_max_bits();
	int r;

	if (max <= 0 || max > 64)
		return err_set(reterr, EINVAL, "unexpected capability count %d", (int)max);
	if (keep >> max)
		return err_set(reterr, EINVAL, "policy keeps capabilities this kernel lacks");
	/* Order: bounding set and securebits need CAP_SETPCAP, which the next step drops. */
	r = drop_bounding(keep, max, reterr);
	if (r < 0)
		return r;
	if (prctl(PR_SET_SECUREBITS, child_caps_securebits(), 0, 0, 0) < 0)
		return err_set(reterr, errno, "cannot lock the securebits");
	r = set_process_caps(keep, max, reterr);
	if (r < 0)
		return r;
	r = set_ambient(keep, max, reterr);
	if (r < 0)
		return r;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return err_set(reterr, errno, "cannot set no_new_privs");
	return 0;
}
