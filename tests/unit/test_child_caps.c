/* SPDX-License-Identifier: MIT */
#include "test_child_util.h"

#include <linux/capability.h>
#include <sys/prctl.h>

#include "child/caps.h"

/* A hex field of /proc/self/status, or ~0 when missing. */
static unsigned long long status_field(const char *name)
{
	char line[256];
	unsigned long long v = ~0ULL;
	size_t len = strlen(name);
	FILE *f = fopen("/proc/self/status", "re");

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, name, len) == 0 && line[len] == ':')
			v = strtoull(line + len + 1, NULL, 16);
	if (f)
		fclose(f);
	return v;
}

/* In a fresh user namespace we hold every capability there: the child's situation. */
static int apply_in_userns(uint64_t keep)
{
	pid_t pid;

	if (!child_test_can_unshare(0))
		child_test_skip("user namespaces are unavailable");
	pid = fork();
	if (pid < 0) /* only the parent may assert: Criterion's IPC is not fork-safe */
		cr_assert_fail("fork failed");
	if (pid == 0) {
		CHECK_OR_EXIT(1, child_test_unshare(0) == 0);
		CHECK_OR_EXIT(2, child_caps_apply(keep, NULL) == 0);
		CHECK_OR_EXIT(3, status_field("CapEff") == keep && status_field("CapPrm") == keep);
		CHECK_OR_EXIT(4, status_field("CapInh") == keep && status_field("CapAmb") == keep);
		CHECK_OR_EXIT(5, status_field("CapBnd") == keep);
		CHECK_OR_EXIT(6, prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1);
		CHECK_OR_EXIT(7, (unsigned)prctl(PR_GET_SECUREBITS, 0, 0, 0, 0) ==
					 child_caps_securebits());
		/* Locked: even a kept CAP_SETPCAP could not undo them. */
		CHECK_OR_EXIT(8, prctl(PR_SET_SECUREBITS, 0, 0, 0, 0) < 0);
		_exit(0);
	}
	return child_test_verdict(pid);
}

Test(child_caps, nothing_kept_leaves_every_set_empty)
{
	cr_expect_eq(apply_in_userns(0), 0);
}

Test(child_caps, a_kept_capability_is_in_every_set_including_ambient)
{
	cr_expect_eq(apply_in_userns(1ULL << CAP_NET_BIND_SERVICE), 0);
}

Test(child_caps, a_capability_the_kernel_lacks_is_refused)
{
	struct err_ctx err = {0};

	/* Fails before touching anything, so no fork is needed. */
	cr_expect_eq(child_caps_apply(1ULL << 63, &err), -EINVAL);
}

Test(child_caps, securebits_make_root_gain_nothing)
{
	unsigned int bits = child_caps_securebits();

	cr_expect(bits & (1u << 0), "SECBIT_NOROOT");
	cr_expect(bits & (1u << 1), "SECBIT_NOROOT_LOCKED");
	cr_expect(bits & (1u << 3), "SECBIT_NO_SETUID_FIXUP_LOCKED");
	cr_expect(bits & (1u << 5), "SECBIT_KEEP_CAPS_LOCKED");
	cr_expect_not(bits & (1u << 4), "SECBIT_KEEP_CAPS must stay off");
}

Test(child_caps, securebits_stay_locked_even_with_cap_setpcap_kept)
{
	/* Check 8 inside can only pass through the locks: CAP_SETPCAP is kept. */
	cr_expect_eq(apply_in_userns(1ULL << CAP_SETPCAP), 0);
}
