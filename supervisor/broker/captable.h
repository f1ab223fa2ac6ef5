/* SPDX-License-Identifier: MIT */
#ifndef VMSB_SUPERVISOR_BROKER_CAPTABLE_H
#define VMSB_SUPERVISOR_BROKER_CAPTABLE_H

/*
 * Capability table: the supervisor's map from unforgeable 128-bit tokens to
 * what they grant. A capability names one resource (kind + name), carries a
 * rights set, is bound to the instance that holds it, and may expire, run out
 * of uses, and be revoked together with everything attenuated from it.
 *
 * Holders are the supervisor's integer instance handles (nonzero; the table
 * never interprets them). Tokens come from getrandom(2), one call per token.
 *
 * Lookup: open addressing keyed by SipHash-2-4 of the token under a random key
 * drawn at table creation, so probe positions say nothing about other tokens;
 * tokens are compared without early exit. At most 1/2 of the slots are used,
 * so a lookup costs O(1) whatever the number of tokens: one 64-byte slot read,
 * plus one line fetched alongside it for names over 16 bytes. Memory: 2 to 4
 * slots of 128 bytes (slot and inline name tail) per entry, since the array
 * doubles at half load, and about 130 bytes plus the name on the heap; there
 * are at most 2 x max entries (live and retained revoked ones).
 *
 * Names (at most CAP_NAME_MAX bytes, NUL-terminated):
 *   register  '/'-separated segments of [A-Za-z0-9._-], none empty, "." or
 *             ".." (the register store's rule). A capability's name may end in
 *             the segment "*" (a pattern; written P/{*} here, since C comments
 *             cannot hold that pair): demo/{*} matches every name that starts
 *             with "demo/" and has at least one more segment ("demo/x",
 *             "demo/x/y"), but neither "demo" nor "demox"; "*" alone matches
 *             every register. '*' anywhere else is invalid. A request may
 *             itself be a pattern (a list): it matches when it starts with the
 *             capability's prefix and is longer, so demo/{*} covers demo/x/{*}
 *             and demo/{*}, and an exact name covers only itself.
 *   fs        an absolute path ("/" or "/a/b": no empty, "." or ".." segment,
 *             no control character); the capability names a root and the
 *             request the same root: the fs handler resolves paths beneath it.
 *   net, region, domain
 *             printable ASCII without space, '/' or '*' (net: "HOST:PORT").
 *   Every kind but register matches by exact equality.
 *
 * Live: minted and not yet revoked. An expired or used-up capability stays
 * live (and counts against the table's maximum) until revoked or its holder is
 * dropped. Revoked entries are kept, up to the maximum again, oldest purged
 * first, only so that a check can say "revoked" in the log; a purged one reads
 * as "not found".
 *
 * Attenuation delegates uses: a child given N uses takes them from a limited
 * parent's remaining count, so a tree never grants more uses than its root.
 * Revoking a child gives nothing back.
 *
 * Transfer moves the capability: the same entry (same place in the revocation
 * tree, same resource, rights, expiry and remaining uses) gets a fresh token
 * and the new holder; the old token stops working and everything attenuated
 * from it is revoked, so the sender keeps no authority through it.
 *
 * reterr messages are for the supervisor's log (they may say "held by another
 * instance"), never for the instance; they never contain token bytes.
 *
 * Not thread-safe; owned by the single-threaded supervisor. Callbacks must not
 * modify the table.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define CAP_TOKEN_SIZE 16
#define CAP_NAME_MAX 255
#define CAPTABLE_MAX_LIMIT (1u << 20) /* largest max accepted by captable_new */

struct cap_token {
	uint8_t bytes[CAP_TOKEN_SIZE];
};

enum cap_kind {
	CAP_KIND_REGISTER,
	CAP_KIND_FS,
	CAP_KIND_NET,
	CAP_KIND_REGION,
	CAP_KIND_DOMAIN,
	_CAP_KIND_MAX,
};

enum cap_right {
	CAP_RIGHT_READ = 1u << 0,
	CAP_RIGHT_WRITE = 1u << 1,
	CAP_RIGHT_CREATE = 1u << 2,
	CAP_RIGHT_CONSUME = 1u << 3,
	CAP_RIGHT_TRANSFER = 1u << 4,
	CAP_RIGHT_ATTENUATE = 1u << 5,
};
#define CAP_RIGHTS_ALL 0x3fu

/*
 * Outcome of cap_check, most basic failure first. WRONG_HOLDER exists for the
 * log only: the instance must be told exactly what it is told for NOT_FOUND
 * (see cap_reason_for_instance).
 */
enum cap_reason {
	CAP_OK,
	CAP_DENY_NOT_FOUND,
	CAP_DENY_WRONG_HOLDER,
	CAP_DENY_REVOKED,
	CAP_DENY_EXPIRED,
	CAP_DENY_EXHAUSTED, /* limited uses, none left */
	CAP_DENY_RESOURCE,  /* kind or name not covered, or an invalid request name */
	CAP_DENY_RIGHTS,
	_CAP_REASON_MAX,
};

/* What cap_list shows of one capability; name lives until the callback returns. */
struct cap_info {
	struct cap_token token;
	uint64_t id; /* for logs in place of the secret token: see cap_check */
	enum cap_kind kind;
	const char *name;
	uint32_t rights;
	uint64_t expiry_ms; /* CLOCK_MONOTONIC ms, 0: none */
	bool limited;	    /* uses_left counts down; otherwise unlimited */
	uint32_t uses_left;
};

/* Returns 0 to go on; anything else stops cap_list, which returns it. */
typedef int (*cap_list_fn)(const struct cap_info *info, void *userdata);

struct captable;

/* max: live capabilities, 1..CAPTABLE_MAX_LIMIT. -EINVAL, -ENOMEM or getrandom's error. */
int captable_new(size_t max, struct captable **ret_table, struct err_ctx *reterr)
	__attribute__((warn_unused_result));

/* Accepts NULL; returns NULL. */
struct captable *captable_free(struct captable *t);

static inline void captable_freep(struct captable **t)
{
	*t = captable_free(*t);
}
#define _cleanup_captable_ __attribute__((cleanup(captable_freep)))

size_t captable_live(const struct captable *t);

/*
 * New capability for holder. Supervisor-only, so no rights are checked against
 * parent (NULL: a root); parent only places it in the revocation tree and must
 * be live. uses: 0 = unlimited. Errors: -EINVAL (holder 0, kind, name, rights
 * 0 or unknown bits), -ENOENT (parent), -ENOSPC (table full), -ENOMEM.
 */
int cap_mint(struct captable *t, uint64_t holder, enum cap_kind kind, const char *name,
	     uint32_t rights, uint64_t expiry_ms, uint32_t uses, const struct cap_token *parent,
	     struct cap_token *ret_token, struct err_ctx *reterr)
	__attribute__((warn_unused_result));

/*
 * The check made on every brokered request. CAP_OK consumes one use of a
 * limited capability; a denial changes nothing. ret_id (may be NULL) gets,
 * when the token was found, an id for the log: the table's keyed hash of the
 * token, stable while the token lives and telling nothing about it; else 0.
 */
enum cap_reason cap_check(struct captable *t, const struct cap_token *token, uint64_t holder,
			  enum cap_kind kind, const char *name, uint32_t needed_rights,
			  uint64_t now_ms, uint64_t *ret_id) __attribute__((warn_unused_result));

/*
 * A child of token for the same holder and resource: rights a nonempty subset
 * (token needs CAP_RIGHT_ATTENUATE), expiry_ms no later than the parent's (0:
 * the parent's), uses at most the parent's remaining ones (0: unlimited, only
 * under an unlimited parent). Errors for the token itself, shared with
 * cap_revoke and cap_transfer: -ENOENT (not found, not held by holder, or
 * revoked), -EKEYEXPIRED, -EDQUOT (no uses left), -EPERM (right missing). Then
 * -EPERM (rights not a subset), -EINVAL (bad bound), -ENOSPC, -ENOMEM.
 */
int cap_attenuate(struct captable *t, const struct cap_token *token, uint64_t holder,
		  uint32_t rights, uint64_t expiry_ms, uint32_t uses, uint64_t now_ms,
		  struct cap_token *ret_token, struct err_ctx *reterr)
	__attribute__((warn_unused_result));

/* Revokes token (held by holder, live) and all its descendants, whoever holds them. */
int cap_revoke(struct captable *t, const struct cap_token *token, uint64_t holder,
	       struct err_ctx *reterr) __attribute__((warn_unused_result));

/*
 * Moves token from one holder to another (see above; needs CAP_RIGHT_TRANSFER,
 * not expired or used up); ret_token gets the new token, for the new holder.
 */
int cap_transfer(struct captable *t, const struct cap_token *token, uint64_t from, uint64_t to,
		 uint64_t now_ms, struct cap_token *ret_token, struct err_ctx *reterr)
	__attribute__((warn_unused_result));

/* Calls fn for each live capability of holder, oldest first. */
int cap_list(const struct captable *t, uint64_t holder, cap_list_fn fn, void *userdata);

/*
 * The instance holder ended: frees every entry it holds (live or revoked) and
 * revokes their descendants held by others. Returns how many it freed.
 */
size_t cap_drop_holder(struct captable *t, uint64_t holder);

/* Short stable names for logs: "ok", "not_found", "wrong_holder", ... */
const char *cap_reason_name(enum cap_reason r);
const char *cap_kind_name(enum cap_kind k);

/* What the instance may learn: a token it does not hold does not exist. */
static inline enum cap_reason cap_reason_for_instance(enum cap_reason r)
{
	return r == CAP_DENY_WRONG_HOLDER ? CAP_DENY_NOT_FOUND : r;
}

/* SipHash-2-4 (the table's keyed hash), exported for its known-answer test. */
uint64_t captable_siphash24(const uint8_t key[16], const void *data, size_t len);

#endif
