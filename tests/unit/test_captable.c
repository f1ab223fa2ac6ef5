/* SPDX-License-Identifier: MIT */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "supervisor/broker/captable.h"

#define A 11u /* holder handles */
#define B 22u
#define C 33u
#define RW (CAP_RIGHT_READ | CAP_RIGHT_WRITE)

static struct captable *new_table(size_t max)
{
	struct captable *t = NULL;
	struct err_ctx e = {0};

	cr_assert_eq(captable_new(max, &t, &e), 0, "%s", e.msg);
	return t;
}

static struct cap_token mint(struct captable *t, uint64_t holder, const char *name, uint32_t rights,
			     uint64_t expiry, uint32_t uses, const struct cap_token *parent)
{
	struct cap_token tok;
	struct err_ctx e = {0};

	cr_assert_eq(cap_mint(t, holder, CAP_KIND_REGISTER, name, rights, expiry, uses, parent,
			      &tok, &e),
		     0, "mint '%s': %s", name, e.msg);
	return tok;
}

static enum cap_reason check(struct captable *t, const struct cap_token *tok, uint64_t holder,
			     const char *name, uint32_t rights, uint64_t now)
{
	return cap_check(t, tok, holder, CAP_KIND_REGISTER, name, rights, now, NULL);
}

static struct cap_token attenuate(struct captable *t, const struct cap_token *tok, uint64_t holder,
				  uint32_t rights, uint64_t expiry, uint32_t uses)
{
	struct cap_token out;
	struct err_ctx e = {0};

	cr_assert_eq(cap_attenuate(t, tok, holder, rights, expiry, uses, 0, &out, &e), 0, "%s",
		     e.msg);
	return out;
}

Test(captable, minted_token_passes_the_check)
{
	_cleanup_captable_ struct captable *t = new_table(16);
	struct cap_token tok = mint(t, A, "demo/counter", RW, 0, 0, NULL);
	uint64_t id = 0;

	cr_expect_eq(
		cap_check(t, &tok, A, CAP_KIND_REGISTER, "demo/counter", CAP_RIGHT_READ, 5, &id),
		CAP_OK);
	cr_expect_neq(id, 0);
	cr_expect_eq(captable_live(t), 1);
}

Test(captable, right_bytes_from_another_holder_are_rejected)
{
	_cleanup_captable_ struct captable *t = new_table(16);
	struct cap_token tok = mint(t, A, "demo/counter", RW, 0, 0, NULL);
	enum cap_reason r = check(t, &tok, B, "demo/counter", CAP_RIGHT_READ, 0);

	cr_expect_eq(r, CAP_DENY_WRONG_HOLDER);
	cr_expect_eq(cap_reason_for_instance(r), CAP_DENY_NOT_FOUND);
	cr_expect_str_eq(cap_reason_name(r), "wrong_holder");
	/* the attempt must not have disturbed the real holder */
	cr_expect_eq(check(t, &tok, A, "demo/counter", CAP_RIGHT_READ, 0), CAP_OK);
}

Test(captable, every_single_flipped_bit_is_not_found)
{
	_cleanup_captable_ struct captable *t = new_table(16);
	struct cap_token tok = mint(t, A, "demo/counter", RW, 0, 0, NULL);

	for (unsigned bit = 0; bit < 8 * CAP_TOKEN_SIZE; bit++) {
		struct cap_token bad = tok;

		bad.bytes[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		cr_expect_eq(check(t, &bad, A, "demo/counter", CAP_RIGHT_READ, 0),
			     CAP_DENY_NOT_FOUND, "bit %u", bit);
	}
}

Test(captable, missing_right_is_denied_without_consuming_a_use)
{
	_cleanup_captable_ struct captable *t = new_table(16);
	struct cap_token tok = mint(t, A, "demo/c", CAP_RIGHT_READ, 0, 1, NULL);

	cr_expect_eq(check(t, &tok, A, "demo/c", CAP_RIGHT_WRITE, 0), CAP_DENY_RIGHTS);
	cr_expect_eq(check(t, &tok, A, "demo/c", RW, 0), CAP_DENY_RIGHTS);
	cr_expect_eq(check(t, &tok, A, "demo/c", CAP_RIGHT_READ, 0), CAP_OK);
}

Test(captable, other_kind_is_a_resource_mismatch)
{
	_cleanup_captable_ struct captable *t = new_table(16);
	struct cap_token tok = mint(t, A, "demo", RW, 0, 0, NULL);

	cr_expect_eq(cap_check(t, &tok, A, CAP_KIND_REGION, "demo", CAP_RIGHT_READ, 0, NULL),
		     CAP_DENY_RESOURCE);
}

Test(captable, pattern_matches_whole_segments_only)
{
	_cleanup_captable_ struct captable *t = new_table(16);
	struct cap_token pat = mint(t, A, "demo/*", RW, 0, 0, NULL);
	struct cap_token exact = mint(t, A, "demo/x", RW, 0, 0, NULL);
	struct cap_token all = mint(t, A, "*", CAP_RIGHT_READ, 0, 0, NULL);

	cr_expect_eq(check(t, &pat, A, "demo/x", CAP_RIGHT_READ, 0), CAP_OK);
	cr_expect_eq(check(t, &pat, A, "demo/x/y", CAP_RIGHT_READ, 0), CAP_OK);
	cr_expect_eq(check(t, &pat, A, "demo/x/*", CAP_RIGHT_READ, 0), CAP_OK);
	cr_expect_eq(check(t, &pat, A, "demo/*", CAP_RIGHT_READ, 0), CAP_OK);
	cr_expect_eq(check(t, &pat, A, "demox", CAP_RIGHT_READ, 0), CAP_DENY_RESOURCE);
	cr_expect_eq(check(t, &pat, A, "demo", CAP_RIGHT_READ, 0), CAP_DENY_RESOURCE);
	cr_expect_eq(check(t, &pat, A, "demox/y", CAP_RIGHT_READ, 0), CAP_DENY_RESOURCE);
	cr_expect_eq(check(t, &pat, A, "*", CAP_RIGHT_READ, 0), CAP_DENY_RESOURCE);
	/* invalid request names never match, even under a covering prefix */
	cr_expect_eq(check(t, &pat, A, "demo/x*", CAP_RIGHT_READ, 0), CAP_DENY_RESOURCE);
	cr_expect_eq(check(t, &pat, A, "demo//x", CAP_RIGHT_READ, 0), CAP_DENY_RESOURCE);
	cr_expect_eq(check(t, &pat, A, "demo/../x", CAP_RIGHT_READ, 0), CAP_DENY_RESOURCE);
	cr_expect_eq(check(t, &pat, A, "demo/", CAP_RIGHT_READ, 0), CAP_DENY_RESOURCE);
	cr_expect_eq(check(t, &exact, A, "demo/x", CAP_RIGHT_READ, 0), CAP_OK);
	cr_expect_eq(check(t, &exact, A, "demo/x/y", CAP_RIGHT_READ, 0), CAP_DENY_RESOURCE);
	cr_expect_eq(check(t, &exact, A, "demo/*", CAP_RIGHT_READ, 0), CAP_DENY_RESOURCE);
	cr_expect_eq(check(t, &all, A, "anything/at/all", CAP_RIGHT_READ, 0), CAP_OK);
}

/* Names longer than what a slot keeps inline are compared in full, past the head too. */
Test(captable, long_names_are_compared_to_the_last_byte)
{
	_cleanup_captable_ struct captable *t = new_table(16);
	const char *exact = "projects/alpha/builds/2024-01-01/artifacts/report-final.txt";
	struct cap_token ex = mint(t, A, exact, RW, 0, 0, NULL);
	struct cap_token pat =
		mint(t, A, "projects/alpha/builds/2024-01-01/artifacts/*", RW, 0, 0, NULL);
	char name[CAP_NAME_MAX + 1];

	cr_expect_eq(check(t, &ex, A, exact, CAP_RIGHT_READ, 0), CAP_OK);
	snprintf(name, sizeof(name), "%s", exact);
	for (size_t i = 0; i < strlen(exact); i++) {
		if (name[i] == '/')
			continue;
		name[i] = name[i] == 'z' ? 'y' : 'z';
		cr_expect_eq(check(t, &ex, A, name, CAP_RIGHT_READ, 0), CAP_DENY_RESOURCE,
			     "byte %zu", i);
		cr_expect_eq(check(t, &pat, A, name, CAP_RIGHT_READ, 0),
			     i < strlen("projects/alpha/builds/2024-01-01/artifacts/")
				     ? CAP_DENY_RESOURCE
				     : CAP_OK,
			     "byte %zu", i);
		name[i] = exact[i];
	}
	cr_expect_eq(check(t, &ex, A, "projects/alpha/builds/2024-01-01/artifacts/report-final.tx",
			   CAP_RIGHT_READ, 0),
		     CAP_DENY_RESOURCE);
	cr_expect_eq(check(t, &pat, A, exact, CAP_RIGHT_READ, 0), CAP_OK);
	cr_expect_eq(check(t, &pat, A, "projects/alpha/builds/2024-01-01/artifactsX/a",
			   CAP_RIGHT_READ, 0),
		     CAP_DENY_RESOURCE);
}

/* A name of exactly CAP_NAME_MAX bytes is accepted and matched byte for byte. */
Test(captable, longest_name_is_accepted_and_matched_in_full)
{
	_cleanup_captable_ struct captable *t = new_table(16);
	char name[CAP_NAME_MAX + 2];
	struct cap_token tok;

	memset(name, 'n', CAP_NAME_MAX);
	name[CAP_NAME_MAX] = '\0';
	tok = mint(t, A, name, RW, 0, 0, NULL);
	cr_expect_eq(check(t, &tok, A, name, CAP_RIGHT_READ, 0), CAP_OK);
	/* a difference in the head, the inline tail, or past both */
	for (size_t at = 0; at < CAP_NAME_MAX; at += 7) {
		name[at] = 'm';
		cr_expect_eq(check(t, &tok, A, name, CAP_RIGHT_READ, 0), CAP_DENY_RESOURCE,
			     "byte %zu", at);
		name[at] = 'n';
	}
	name[CAP_NAME_MAX] = 'n';
	name[CAP_NAME_MAX + 1] = '\0';
	cr_expect_eq(check(t, &tok, A, name, CAP_RIGHT_READ, 0), CAP_DENY_RESOURCE);
}

Test(captable, mint_rejects_invalid_names)
{
	_cleanup_captable_ struct captable *t = new_table(16);
	static const char *const bad[] = {"",	     "demo/*/x", "demo/x*", "de*mo",
					  "demo//x", "/demo",	 "demo/",   "demo/..",
					  "./demo",  "demo x",	 "demo\n"};
	char longname[CAP_NAME_MAX + 2];
	struct cap_token tok;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(cap_mint(t, A, CAP_KIND_REGISTER, bad[i], RW, 0, 0, NULL, &tok, NULL),
			     -EINVAL, "'%s'", bad[i]);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	cr_expect_eq(cap_mint(t, A, CAP_KIND_REGISTER, longname, RW, 0, 0, NULL, &tok, NULL),
		     -EINVAL);
	cr_expect_eq(cap_mint(t, A, CAP_KIND_FS, "srv/data", RW, 0, 0, NULL, &tok, NULL), -EINVAL);
	cr_expect_eq(cap_mint(t, A, CAP_KIND_FS, "/srv/../etc", RW, 0, 0, NULL, &tok, NULL),
		     -EINVAL);
	cr_expect_eq(cap_mint(t, A, CAP_KIND_NET, "host/x:80", RW, 0, 0, NULL, &tok, NULL),
		     -EINVAL);
	cr_expect_eq(captable_live(t), 0);
}

Test(captable, mint_rejects_holder_zero_and_bad_rights)
{
	_cleanup_captable_ struct captable *t = new_table(16);
	struct cap_token tok;

	cr_expect_eq(cap_mint(t, 0, CAP_KIND_REGISTER, "x", RW, 0, 0, NULL, &tok, NULL), -EINVAL);
	cr_expect_eq(cap_mint(t, A, CAP_KIND_REGISTER, "x", 0, 0, 0, NULL, &tok, NULL), -EINVAL);
	cr_expect_eq(cap_mint(t, A, CAP_KIND_REGISTER, "x", 0x40, 0, 0, NULL, &tok, NULL), -EINVAL);
	cr_expect_eq(cap_mint(t, A, _CAP_KIND_MAX, "x", RW, 0, 0, NULL, &tok, NULL), -EINVAL);
}

Test(captable, other_kinds_match_exactly)
{
	_cleanup_captable_ struct captable *t = new_table(16);
	struct cap_token fs, net;

	cr_assert_eq(
		cap_mint(t, A, CAP_KIND_FS, "/srv/data", CAP_RIGHT_READ, 0, 0, NULL, &fs, NULL), 0);
	cr_assert_eq(cap_mint(t, A, CAP_KIND_NET, "example.org:443", CAP_RIGHT_READ, 0, 0, NULL,
			      &net, NULL),
		     0);
	cr_expect_eq(cap_check(t, &fs, A, CAP_KIND_FS, "/srv/data", CAP_RIGHT_READ, 0, NULL),
		     CAP_OK);
	cr_expect_eq(cap_check(t, &fs, A, CAP_KIND_FS, "/srv/data/x", CAP_RIGHT_READ, 0, NULL),
		     CAP_DENY_RESOURCE);
	cr_expect_eq(
		cap_check(t, &net, A, CAP_KIND_NET, "example.org:443", CAP_RIGHT_READ, 0, NULL),
		CAP_OK);
	cr_expect_eq(cap_check(t, &net, A, CAP_KIND_NET, "example.org:80", CAP_RIGHT_READ, 0, NULL),
		     CAP_DENY_RESOURCE);
}

Test(captable, attenuated_child_has_only_the_subset)
{
	_cleanup_captable_ struct captable *t = new_table(16);
	struct cap_token root = mint(t, A, "demo/*", RW | CAP_RIGHT_ATTENUATE, 0, 0, NULL);
	struct cap_token ro = attenuate(t, &root, A, CAP_RIGHT_READ, 0, 0);

	cr_expect_eq(check(t, &ro, A, "demo/x", CAP_RIGHT_READ, 0), CAP_OK);
	cr_expect_eq(check(t, &ro, A, "demo/x", CAP_RIGHT_WRITE, 0), CAP_DENY_RIGHTS);
	cr_expect_eq(check(t, &ro, A, "other", CAP_RIGHT_READ, 0), CAP_DENY_RESOURCE);
}

Test(captable, attenuate_refuses_rights_beyond_the_parent)
{
	_cleanup_captable_ struct captable *t = new_table(16);
	struct cap_token root =
		mint(t, A, "demo/x", CAP_RIGHT_READ | CAP_RIGHT_ATTENUATE, 0, 0, NULL);
	struct cap_token out;

	cr_expect_eq(cap_attenuate(t, &root, A, RW, 0, 0, 0, &out, NULL), -EPERM);
	cr_expect_eq(cap_attenuate(t, &root, A, 0, 0, 0, 0, &out, NULL), -EINVAL);
	cr_expect_eq(captable_live(t), 1);
}

Test(captable, attenuate_needs_the_attenuate_right_and_the_holder)
{
	_cleanup_captable_ struct captable *t = new_table(16);
	struct cap_token plain = mint(t, A, "demo/x", RW, 0, 0, NULL);
	struct cap_token att = mint(t, A, "demo/y", RW | CAP_RIGHT_ATTENUATE, 0, 0, NULL);
	struct cap_token out;

	cr_expect_eq(cap_attenuate(t, &plain, A, CAP_RIGHT_READ, 0, 0, 0, &out, NULL), -EPERM);
	cr_expect_eq(cap_attenuate(t, &att, B, CAP_RIGHT_READ, 0, 0, 0, &out, NULL), -ENOENT);
}

Test(captable, attenuate_bounds_expiry_by_the_parent)
{
	_cleanup_captable_ struct captable *t = new_table(16);
	struct cap_token root = mint(t, A, "demo/x", RW | CAP_RIGHT_ATTENUATE, 1000, 0, NULL);
	struct cap_token out, inherit, shorter;

	cr_expect_eq(cap_attenuate(t, &root, A, CAP_RIGHT_READ, 1001, 0, 0, &out, NULL), -EINVAL);
	inherit = attenuate(t, &root, A, CAP_RIGHT_READ, 0, 0);
	shorter = attenuate(t, &root, A, CAP_RIGHT_READ, 500, 0);
	cr_expect_eq(check(t, &inherit, A, "demo/x", CAP_RIGHT_READ, 999), CAP_OK);
	cr_expect_eq(check(t, &inherit, A, "demo/x", CAP_RIGHT_READ, 1000), CAP_DENY_EXPIRED);
	cr_expect_eq(check(t, &shorter, A, "demo/x", CAP_RIGHT_READ, 499), CAP_OK);
	cr_expect_eq(check(t, &shorter, A, "demo/x", CAP_RIGHT_READ, 500), CAP_DENY_EXPIRED);
	/* an expired parent cannot be attenuated at all */
	cr_expect_eq(cap_attenuate(t, &root, A, CAP_RIGHT_READ, 0, 0, 1000, &out, NULL),
		     -EKEYEXPIRED);
}

Test(captable, attenuate_delegates_uses_from_a_limited_parent)
{
	_cleanup_captable_ struct captable *t = new_table(16);
	struct cap_token root = mint(t, A, "demo/x", RW | CAP_RIGHT_ATTENUATE, 0, 5, NULL);
	struct cap_token out, child;

	cr_expect_eq(cap_attenuate(t, &root, A, CAP_RIGHT_READ, 0, 6, 0, &out, NULL), -EINVAL);
	cr_expect_eq(cap_attenuate(t, &root, A, CAP_RIGHT_READ, 0, 0, 0, &out, NULL), -EINVAL);
	child = attenuate(t, &root, A, CAP_RIGHT_READ, 0, 3);
	/* 2 left on the parent: the tree grants 5 uses in all, never more */
	cr_expect_eq(cap_attenuate(t, &root, A, CAP_RIGHT_READ, 0, 3, 0, &out, NULL), -EINVAL);
	for (int i = 0; i < 3; i++)
		cr_expect_eq(check(t, &child, A, "demo/x", CAP_RIGHT_READ, 0), CAP_OK);
	cr_expect_eq(check(t, &child, A, "demo/x", CAP_RIGHT_READ, 0), CAP_DENY_EXHAUSTED);
	for (int i = 0; i < 2; i++)
		cr_expect_eq(check(t, &root, A, "demo/x", CAP_RIGHT_READ, 0), CAP_OK);
	cr_expect_eq(check(t, &root, A, "demo/x", CAP_RIGHT_READ, 0), CAP_DENY_EXHAUSTED);
	cr_expect_eq(cap_attenuate(t, &root, A, CAP_RIGHT_READ, 0, 1, 0, &out, NULL), -EDQUOT);
}

Test(captable, revoke_cascades_over_three_generations)
{
	_cleanup_captable_ struct captable *t = new_table(16);
	uint32_t all = RW | CAP_RIGHT_ATTENUATE;
	struct cap_token root = mint(t, A, "demo/*", all, 0, 0, NULL);
	struct cap_token child = attenuate(t, &root, A, all, 0, 0);
	struct cap_token grandchild = attenuate(t, &child, A, all, 0, 0);
	struct cap_token great = attenuate(t, &grandchild, A, CAP_RIGHT_READ, 0, 0);
	struct cap_token elsewhere = mint(t, B, "demo/*", all, 0, 0, &root); /* other holder */
	struct cap_token unrelated = mint(t, A, "demo/*", all, 0, 0, NULL);

	cr_assert_eq(cap_revoke(t, &root, A, NULL), 0);
	cr_expect_eq(check(t, &root, A, "demo/x", CAP_RIGHT_READ, 0), CAP_DENY_REVOKED);
	cr_expect_eq(check(t, &child, A, "demo/x", CAP_RIGHT_READ, 0), CAP_DENY_REVOKED);
	cr_expect_eq(check(t, &grandchild, A, "demo/x", CAP_RIGHT_READ, 0), CAP_DENY_REVOKED);
	cr_expect_eq(check(t, &great, A, "demo/x", CAP_RIGHT_READ, 0), CAP_DENY_REVOKED);
	cr_expect_eq(check(t, &elsewhere, B, "demo/x", CAP_RIGHT_READ, 0), CAP_DENY_REVOKED);
	cr_expect_eq(check(t, &unrelated, A, "demo/x", CAP_RIGHT_READ, 0), CAP_OK);
	cr_expect_eq(captable_live(t), 1);
	cr_expect_eq(cap_revoke(t, &root, A, NULL), -ENOENT, "revoked twice");
}

Test(captable, revoking_a_middle_generation_spares_its_ancestors)
{
	_cleanup_captable_ struct captable *t = new_table(16);
	uint32_t all = RW | CAP_RIGHT_ATTENUATE;
	struct cap_token root = mint(t, A, "demo/*", all, 0, 0, NULL);
	struct cap_token child = attenuate(t, &root, A, all, 0, 0);
	struct cap_token sibling = attenuate(t, &root, A, all, 0, 0);
	struct cap_token grandchild = attenuate(t, &child, A, all, 0, 0);

	cr_expect_eq(cap_revoke(t, &child, B, NULL), -ENOENT, "only the holder revokes");
	cr_assert_eq(cap_revoke(t, &child, A, NULL), 0);
	cr_expect_eq(check(t, &grandchild, A, "demo/x", CAP_RIGHT_READ, 0), CAP_DENY_REVOKED);
	cr_expect_eq(check(t, &root, A, "demo/x", CAP_RIGHT_READ, 0), CAP_OK);
	cr_expect_eq(check(t, &sibling, A, "demo/x", CAP_RIGHT_READ, 0), CAP_OK);
}

Test(captable, revoking_a_long_chain_needs_no_recursion)
{
	_cleanup_captable_ struct captable *t = new_table(200000);
	uint32_t all = RW | CAP_RIGHT_ATTENUATE;
	struct cap_token root = mint(t, A, "demo/x", all, 0, 0, NULL);
	struct cap_token tok = root;

	for (int i = 0; i < 150000; i++)
		tok = attenuate(t, &tok, A, all, 0, 0);
	cr_assert_eq(cap_revoke(t, &root, A, NULL), 0);
	cr_expect_eq(check(t, &tok, A, "demo/x", CAP_RIGHT_READ, 0), CAP_DENY_REVOKED);
	cr_expect_eq(captable_live(t), 0);
}

Test(captable, expiry_is_inclusive_of_the_deadline)
{
	_cleanup_captable_ struct captable *t = new_table(16);
	struct cap_token tok = mint(t, A, "demo/x", RW, 2000, 0, NULL);

	cr_expect_eq(check(t, &tok, A, "demo/x", CAP_RIGHT_READ, 0), CAP_OK);
	cr_expect_eq(check(t, &tok, A, "demo/x", CAP_RIGHT_READ, 1999), CAP_OK);
	cr_expect_eq(check(t, &tok, A, "demo/x", CAP_RIGHT_READ, 2000), CAP_DENY_EXPIRED);
	cr_expect_eq(check(t, &tok, A, "demo/x", CAP_RIGHT_READ, UINT64_MAX), CAP_DENY_EXPIRED);
}

Test(captable, limited_uses_run_out)
{
	_cleanup_captable_ struct captable *t = new_table(16);
	struct cap_token tok = mint(t, A, "demo/x", RW, 0, 3, NULL);
	struct cap_token forever = mint(t, A, "demo/y", RW, 0, 0, NULL);

	for (int i = 0; i < 3; i++)
		cr_expect_eq(check(t, &tok, A, "demo/x", CAP_RIGHT_READ, 0), CAP_OK);
	cr_expect_eq(check(t, &tok, A, "demo/x", CAP_RIGHT_READ, 0), CAP_DENY_EXHAUSTED);
	for (int i = 0; i < 1000; i++)
		cr_assert_eq(check(t, &forever, A, "demo/y", CAP_RIGHT_READ, 0), CAP_OK);
}

Test(captable, capacity_is_enforced_and_freed_by_revocation)
{
	_cleanup_captable_ struct captable *t = new_table(4);
	struct cap_token toks[4], extra;

	for (int i = 0; i < 4; i++)
		toks[i] = mint(t, A, "demo/x", RW, 0, 0, NULL);
	cr_expect_eq(cap_mint(t, B, CAP_KIND_REGISTER, "demo/x", RW, 0, 0, NULL, &extra, NULL),
		     -ENOSPC);
	cr_assert_eq(cap_revoke(t, &toks[0], A, NULL), 0);
	cr_expect_eq(cap_mint(t, B, CAP_KIND_REGISTER, "demo/x", RW, 0, 0, NULL, &extra, NULL), 0);
	cr_expect_eq(captable_new(0, &(struct captable *){NULL}, NULL), -EINVAL);
	cr_expect_eq(captable_new(CAPTABLE_MAX_LIMIT + 1, &(struct captable *){NULL}, NULL),
		     -EINVAL);
}

Test(captable, revoked_entries_past_the_bound_read_as_not_found)
{
	_cleanup_captable_ struct captable *t = new_table(2);
	struct cap_token first = mint(t, A, "demo/x", RW, 0, 0, NULL);
	struct cap_token second = mint(t, A, "demo/x", RW, 0, 0, NULL);
	struct cap_token third;

	cr_assert_eq(cap_revoke(t, &first, A, NULL), 0);
	cr_assert_eq(cap_revoke(t, &second, A, NULL), 0);
	cr_expect_eq(check(t, &first, A, "demo/x", CAP_RIGHT_READ, 0), CAP_DENY_REVOKED);
	third = mint(t, A, "demo/x", RW, 0, 0, NULL);
	cr_assert_eq(cap_revoke(t, &third, A, NULL), 0);
	cr_expect_eq(check(t, &first, A, "demo/x", CAP_RIGHT_READ, 0), CAP_DENY_NOT_FOUND);
	cr_expect_eq(check(t, &third, A, "demo/x", CAP_RIGHT_READ, 0), CAP_DENY_REVOKED);
}

Test(captable, drop_holder_frees_its_entries_and_revokes_others_descendants)
{
	_cleanup_captable_ struct captable *t = new_table(16);
	uint32_t all = RW | CAP_RIGHT_ATTENUATE;
	struct cap_token a1 = mint(t, A, "demo/*", all, 0, 0, NULL);
	struct cap_token a2 = attenuate(t, &a1, A, CAP_RIGHT_READ, 0, 0);
	struct cap_token gone = mint(t, A, "demo/z", all, 0, 0, NULL);
	struct cap_token b1 = mint(t, B, "demo/*", CAP_RIGHT_READ, 0, 0, &a1);
	struct cap_token b2 = mint(t, B, "demo/y", CAP_RIGHT_READ, 0, 0, NULL);

	cr_assert_eq(cap_revoke(t, &gone, A, NULL), 0);
	cr_expect_eq(cap_drop_holder(t, A), 3);
	cr_expect_eq(check(t, &a1, A, "demo/x", CAP_RIGHT_READ, 0), CAP_DENY_NOT_FOUND);
	cr_expect_eq(check(t, &a2, A, "demo/x", CAP_RIGHT_READ, 0), CAP_DENY_NOT_FOUND);
	cr_expect_eq(check(t, &gone, A, "demo/z", CAP_RIGHT_READ, 0), CAP_DENY_NOT_FOUND);
	cr_expect_eq(check(t, &b1, B, "demo/x", CAP_RIGHT_READ, 0), CAP_DENY_REVOKED);
	cr_expect_eq(check(t, &b2, B, "demo/y", CAP_RIGHT_READ, 0), CAP_OK);
	cr_expect_eq(captable_live(t), 1);
	cr_expect_eq(cap_drop_holder(t, A), 0);
}

Test(captable, transfer_moves_the_capability_under_a_new_token)
{
	_cleanup_captable_ struct captable *t = new_table(16);
	uint32_t all = RW | CAP_RIGHT_ATTENUATE | CAP_RIGHT_TRANSFER;
	struct cap_token tok = mint(t, A, "demo/*", all, 0, 4, NULL);
	struct cap_token kept = attenuate(t, &tok, A, CAP_RIGHT_READ, 0, 1);
	struct cap_token moved;

	cr_assert_eq(cap_transfer(t, &tok, A, B, 0, &moved, NULL), 0);
	cr_expect_neq(memcmp(&moved, &tok, sizeof(tok)), 0);
	cr_expect_eq(check(t, &moved, B, "demo/x", CAP_RIGHT_WRITE, 0), CAP_OK);
	cr_expect_eq(check(t, &moved, A, "demo/x", CAP_RIGHT_WRITE, 0), CAP_DENY_WRONG_HOLDER);
	cr_expect_eq(check(t, &tok, A, "demo/x", CAP_RIGHT_WRITE, 0), CAP_DENY_NOT_FOUND);
	cr_expect_eq(check(t, &tok, B, "demo/x", CAP_RIGHT_WRITE, 0), CAP_DENY_NOT_FOUND);
	/* the sender keeps nothing derived from it */
	cr_expect_eq(check(t, &kept, A, "demo/x", CAP_RIGHT_READ, 0), CAP_DENY_REVOKED);
	/* remaining uses travel with it: 4 - 1 delegated - 1 used above */
	cr_expect_eq(check(t, &moved, B, "demo/x", CAP_RIGHT_READ, 0), CAP_OK);
	cr_expect_eq(check(t, &moved, B, "demo/x", CAP_RIGHT_READ, 0), CAP_OK);
	cr_expect_eq(check(t, &moved, B, "demo/x", CAP_RIGHT_READ, 0), CAP_DENY_EXHAUSTED);
}

Test(captable, transfer_needs_the_transfer_right_and_a_real_recipient)
{
	_cleanup_captable_ struct captable *t = new_table(16);
	struct cap_token plain = mint(t, A, "demo/x", RW, 0, 0, NULL);
	struct cap_token tr = mint(t, A, "demo/x", RW | CAP_RIGHT_TRANSFER, 0, 0, NULL);
	struct cap_token out;

	cr_expect_eq(cap_transfer(t, &plain, A, B, 0, &out, NULL), -EPERM);
	cr_expect_eq(cap_transfer(t, &tr, B, C, 0, &out, NULL), -ENOENT);
	cr_expect_eq(cap_transfer(t, &tr, A, 0, 0, &out, NULL), -EINVAL);
	cr_expect_eq(cap_transfer(t, &tr, A, A, 0, &out, NULL), -EINVAL);
	cr_expect_eq(check(t, &tr, A, "demo/x", CAP_RIGHT_READ, 0), CAP_OK);
}

Test(captable, transferred_capability_still_falls_with_its_parent)
{
	_cleanup_captable_ struct captable *t = new_table(16);
	uint32_t all = RW | CAP_RIGHT_ATTENUATE | CAP_RIGHT_TRANSFER;
	struct cap_token root = mint(t, A, "demo/*", all, 0, 0, NULL);
	struct cap_token child = attenuate(t, &root, A, all, 0, 0);
	struct cap_token moved;

	cr_assert_eq(cap_transfer(t, &child, A, B, 0, &moved, NULL), 0);
	cr_assert_eq(cap_revoke(t, &root, A, NULL), 0);
	cr_expect_eq(check(t, &moved, B, "demo/x", CAP_RIGHT_READ, 0), CAP_DENY_REVOKED);
}

struct list_seen {
	int n;
	uint64_t ids[8];
	char names[8][32];
};

static int collect(const struct cap_info *info, void *userdata)
{
	struct list_seen *s = userdata;

	cr_assert_lt(s->n, 8);
	s->ids[s->n] = info->id;
	snprintf(s->names[s->n], sizeof(s->names[0]), "%s", info->name);
	s->n++;
	return 0;
}

Test(captable, list_shows_only_the_holders_live_tokens_in_mint_order)
{
	_cleanup_captable_ struct captable *t = new_table(16);
	struct cap_token one = mint(t, A, "demo/one", RW, 0, 0, NULL);
	struct cap_token two = mint(t, A, "demo/two", RW, 0, 0, NULL);
	struct list_seen seen = {0};

	(void)one;
	mint(t, B, "demo/other", RW, 0, 0, NULL);
	mint(t, A, "demo/three", RW, 0, 0, NULL);
	cr_assert_eq(cap_revoke(t, &two, A, NULL), 0);
	cr_expect_eq(cap_list(t, A, collect, &seen), 0);
	cr_assert_eq(seen.n, 2);
	cr_expect_str_eq(seen.names[0], "demo/one");
	cr_expect_str_eq(seen.names[1], "demo/three");
	cr_expect_eq(cap_list(t, C, collect, &seen), 0);
	cr_expect_eq(seen.n, 2);
}

static int stop_at_first(const struct cap_info *info, void *userdata)
{
	(void)info;
	(*(int *)userdata)++;
	return 7;
}

Test(captable, list_stops_when_the_callback_says_so)
{
	_cleanup_captable_ struct captable *t = new_table(16);
	int calls = 0;

	mint(t, A, "demo/one", RW, 0, 0, NULL);
	mint(t, A, "demo/two", RW, 0, 0, NULL);
	cr_expect_eq(cap_list(t, A, stop_at_first, &calls), 7);
	cr_expect_eq(calls, 1);
}

static const char *entry_name(int i)
{
	static char buf[64];

	/* past the slot's 16-byte head, so the inline tail must move with its slot */
	snprintf(buf, sizeof(buf), "demo/long-name-for-entry-%05d", i);
	return buf;
}

/* Every token's check, expecting CAP_OK for the live ones and want_gone for the rest. */
static void expect_all(struct captable *t, const struct cap_token *toks, int n, bool (*gone)(int i),
		       enum cap_reason want_gone)
{
	for (int i = 0; i < n; i++) {
		enum cap_reason want = gone(i) ? want_gone : CAP_OK;

		cr_assert_eq(
			check(t, &toks[i], 1 + (uint64_t)(i % 3), entry_name(i), CAP_RIGHT_READ, 0),
			want, "token %d", i);
	}
}

static bool third_revoked(int i)
{
	return i % 3 == 0;
}

static bool not_holder3(int i)
{
	return i % 3 != 2;
}

/*
 * Many entries, growth, and removals in between: backward-shift deletion and
 * rehashing keep every probe run and every inline name intact.
 */
Test(captable, thousands_of_tokens_survive_interleaved_revocations)
{
	enum { N = 20000 };
	_cleanup_captable_ struct captable *t = new_table(N);
	static struct cap_token toks[N];

	for (int i = 0; i < N; i++)
		toks[i] = mint(t, 1 + (uint64_t)(i % 3), entry_name(i), RW, 0, 0, NULL);
	for (int i = 0; i < N; i += 3)
		cr_assert_eq(cap_revoke(t, &toks[i], 1 + (uint64_t)(i % 3), NULL), 0);
	cr_expect_eq(captable_live(t), N - (N + 2) / 3);
	expect_all(t, toks, N, third_revoked, CAP_DENY_REVOKED);
	cr_expect_eq(cap_drop_holder(t, 2), (size_t)((N + 1) / 3)); /* i % 3 == 1 */
	cr_expect_eq(cap_drop_holder(t, 1), (size_t)((N + 2) / 3)); /* revoked ones too */
	expect_all(t, toks, N, not_holder3, CAP_DENY_NOT_FOUND);
	cr_expect_eq(captable_live(t), (size_t)(N / 3));
}

/* Reference vectors of the SipHash paper: key 00..0f, messages 00, 01, 02, ... */
Test(captable, siphash_matches_the_reference_vectors)
{
	uint8_t key[16], msg[15];

	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 15; i++)
		msg[i] = (uint8_t)i;
	cr_expect_eq(captable_siphash24(key, msg, 0), 0x726fdb47dd0e0e31ull);
	cr_expect_eq(captable_siphash24(key, msg, 15), 0xa129ca6149be45e5ull);
}
