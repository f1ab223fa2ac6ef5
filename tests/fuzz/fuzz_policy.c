/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the policy loader: bytes in, validated policy (or a
 * one-line error) out. Built and run by scripts/fuzz.sh with ASan, UBSan and
 * LeakSanitizer, so a leak on any path is a crash too.
 *
 * Besides "does not crash", it checks the loader's contract, because these
 * are the properties a hostile policy file would try to break:
 *  - failure returns -code with code > 0 and a non-empty message that is one
 *    line without control characters (a message is printed to a terminal);
 *  - success returns a policy, and its dump loads again to the same dump
 *    (what `check --print` shows is what runs).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "policy/policy.h"

#define FUZZ_ORIGIN "fuzz.json"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_policy: %s: %s\n", what, detail ? detail : "");
	abort();
}

static void check_error(int r, const struct err_ctx *err)
{
	size_t len = strnlen(err->msg, sizeof(err->msg));
	size_t i;

	if (err->code <= 0 || r != -err->code)
		fuzz_fail("error code does not match the return value", err->msg);
	if (len == 0 || len == sizeof(err->msg))
		fuzz_fail("error message empty or not terminated", NULL);
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)err->msg[i];

		if (ch < 0x20 || ch == 0x7f)
			fuzz_fail("control character in the error message", err->msg);
	}
}

/* The effective policy, printed and parsed again, must print the same. */
static void check_round_trip(const struct policy *p)
{
	struct policy *again = NULL;
	struct err_ctx err = {0};
	char *text = NULL, *text2 = NULL;

	if (policy_dump(p, &text) < 0 || !text)
		fuzz_fail("policy_dump failed on a loaded policy", NULL);
	if (policy_load_buffer(FUZZ_ORIGIN, text, strlen(text), &again, &err) < 0)
		fuzz_fail("the dump of a loaded policy does not load", err.msg);
	if (policy_dump(again, &text2) < 0 || !text2)
		fuzz_fail("policy_dump failed on a reloaded policy", NULL);
	if (strcmp(text, text2) != 0)
		fuzz_fail("dump, load, dump is not stable", NULL);
	free(text2);
	free(text);
	policy_free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy *p = NULL;
	struct err_ctx err = {0};
	int r;

	r = policy_load_buffer(FUZZ_ORIGIN, (const char *)data, size, &p, &err);
	if (r < 0) {
		check_error(r, &err);
		if (p)
			fuzz_fail("a policy was returned with an error", err.msg);
		return 0;
	}
	if (!p)
		fuzz_fail("success without a policy", NULL);
	check_round_trip(p);
	policy_free(p);
	return 0;
}
