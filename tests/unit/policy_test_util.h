/* SPDX-License-Identifier: MIT */
#ifndef VMSB_TESTS_POLICY_TEST_UTIL_H
#define VMSB_TESTS_POLICY_TEST_UTIL_H

/* Helpers shared by the policy unit tests (static inline: each test file is standalone). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "policy/policy.h"

/*
 * The syscalls the default policy denies outright with EPERM: no allow-side
 * group may contain them either (test_syscalls.c adds the rest of its list).
 */
#define DEFAULT_EPERM_DENIED                                                                       \
	"unshare", "setns", "mount", "umount2", "pivot_root", "fsopen", "fsmount", "fsconfig",     \
		"fspick", "move_mount", "open_tree", "mount_setattr", "bpf", "perf_event_open",    \
		"userfaultfd", "keyctl", "add_key", "request_key", "ptrace", "process_vm_readv",   \
		"process_vm_writev", "kexec_load", "kexec_file_load", "init_module",               \
		"finit_module", "delete_module", "open_by_handle_at", "name_to_handle_at",         \
		"io_uring_setup", "io_uring_enter", "io_uring_register", "reboot", "swapon",       \
		"swapoff", "acct", "quotactl", "syslog", "iopl", "ioperm", "lookup_dcookie",       \
		"chroot", "setdomainname", "sethostname", "clock_settime", "settimeofday",         \
		"adjtimex", "vhangup", "nfsservctl", "uselib", "kcmp"

/* tests/fixtures, from VMSB_FIXTURES (set by `make check-unit`) or relative to cwd. */
static inline const char *fixtures_dir(void)
{
	const char *d = getenv("VMSB_FIXTURES");

	return d && d[0] ? d : "tests/fixtures";
}

/* A path under tests/fixtures/policies, in a static buffer. */
static inline const char *policy_fixture(const char *name)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/policies/%s", fixtures_dir(), name);
	return path;
}

/* Loads JSON text as if from a file called "test.json". */
static inline int load_text(const char *json, struct policy **ret, struct err_ctx *e)
{
	return policy_load_buffer("test.json", json, strlen(json), ret, e);
}

/* The text must fail to load, with a message containing want. */
static inline void expect_load_error(const char *json, const char *want)
{
	struct err_ctx e = {0};
	struct policy *p = NULL;
	int r = load_text(json, &p, &e);

	cr_expect_lt(r, 0, "loaded, expected an error containing \"%s\"", want);
	cr_expect_null(p);
	cr_expect_not_null(strstr(e.msg, want), "message \"%s\" lacks \"%s\"", e.msg, want);
	policy_free(p);
}

/* The text must load; the policy is returned (cleanup with _cleanup_policy_). */
static inline struct policy *must_load(const char *json)
{
	struct err_ctx e = {0};
	struct policy *p = NULL;
	int r = load_text(json, &p, &e);

	cr_assert_geq(r, 0, "load failed: %s", e.msg);
	cr_assert_not_null(p);
	return p;
}

#endif
