/* SPDX-License-Identifier: MIT */
#include "supervisor/broker/captable.h"

#include "common/cleanup.h"

#include <assert.h>
#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>

/*
 * Each entry lives in two places. Its slot in the open-addressing array (one
 * 64-byte cache line) holds the token and everything cap_check reads, with the
 * first SLOT_NAME_HEAD bytes of the name; the next SLOT_NAME_TAIL bytes sit in
 * a second array at the same index. The struct cap on the heap holds the rest
 * (links for revocation, listing and freeing, the full name) and does not move
 * when slots do. uses_left and the revoked flag change after creation:
 * uses_left lives in the slot only, revoked in both.
 *
 * Why the parallel array: the address of tails[i] depends only on the hash,
 * so the CPU fetches it together with slots[i] and a check costs one memory
 * latency for names up to 80 bytes. Reaching the heap entry instead would wait
 * for the slot to arrive first (its pointer is in it): a second, serial miss.
 * The array is touched only by names over 16 bytes.
 */
#define SLOT_NAME_HEAD 16
#define SLOT_NAME_TAIL 64

enum {
	SLOT_LIMITED = 1u << 0,
	SLOT_REVOKED = 1u << 1,
	SLOT_PATTERN = 1u << 2, /* register name ending in the segment "*" */
};

struct cap;

struct slot {
	struct cap_token token;
	struct cap *cap; /* NULL: empty */
	uint64_t holder;
	uint64_t expiry_ms;
	uint32_t uses_left;
	uint8_t rights;
	uint8_t kind;
	uint8_t name_len;
	uint8_t flags;
	char name_head[SLOT_NAME_HEAD];
};
_Static_assert(sizeof(struct slot) == 64, "one slot, one cache line");
_Static_assert(CAP_RIGHTS_ALL <= UINT8_MAX && CAP_NAME_MAX <= UINT8_MAX, "fit the slot");

struct name_tail {
	char bytes[SLOT_NAME_TAIL]; /* name[SLOT_NAME_HEAD ..] */
};

struct cap {
	struct cap_token token; /* to find the slot again */
	uint64_t holder;
	/* revocation tree: live entries only */
	struct cap *parent, *first_child, *next_sib, *prev_sib;
	/* the holder's entries, live and revoked, oldest first */
	struct holder *owner;
	struct cap *h_next, *h_prev;
	/* revoked entries kept for the log, oldest first */
	struct cap *r_next, *r_prev;
	uint64_t expiry_ms;
	uint32_t rights;
	uint8_t kind;
	uint8_t name_len;
	uint8_t flags; /* SLOT_LIMITED, SLOT_PATTERN, SLOT_REVOKED as in the slot */
	char name[];
};

struct holder {
	uint64_t id;
	struct cap *head, *tail;
	size_t count;
	bool pinned; /* being dropped: keep the record while its entries go */
};

struct captable {
	struct slot *slots;	 /* one allocation: mask + 1 slots, then as many tails */
	struct name_tail *tails; /* = (void *)(slots + mask + 1) */
	size_t mask;		 /* slots - 1, a power of two minus one */
	size_t entries;		 /* live + retained */
	size_t live, max;
	size_t retained;
	struct cap *rev_head, *rev_tail;
	struct holder **hslots;
	size_t hmask, nholders;
	uint8_t key[16];
};

#define SLOTS_MIN 64
#define HUGE_PAGE (2u << 20)
#define HSLOTS_MIN 16
#define TOKEN_TRIES 4

static const char *const reason_names[_CAP_REASON_MAX] = {
	[CAP_OK] = "ok",
	[CAP_DENY_NOT_FOUND] = "not_found",
	[CAP_DENY_WRONG_HOLDER] = "wrong_holder",
	[CAP_DENY_REVOKED] = "revoked",
	[CAP_DENY_EXPIRED] = "expired",
	[CAP_DENY_EXHAUSTED] = "exhausted",
	[CAP_DENY_RESOURCE] = "resource",
	[CAP_DENY_RIGHTS] = "rights",
};

static const char *const kind_names[_CAP_KIND_MAX] = {
	[CAP_KIND_REGISTER] = "register", [CAP_KIND_FS] = "fs",		[CAP_KIND_NET] = "net",
	[CAP_KIND_REGION] = "region",	  [CAP_KIND_DOMAIN] = "domain",
};

const char *cap_reason_name(enum cap_reason r)
{
	return (unsigned)r < _CAP_REASON_MAX ? reason_names[r] : "invalid";
}

const char *cap_kind_name(enum cap_kind k)
{
	return (unsigned)k < _CAP_KIND_MAX ? kind_names[k] : "invalid";
}

/* ---- SipHash-2-4, written from the paper (Aumasson, Bernstein 2012) ---- */

static inline uint64_t rotl64(uint64_t x, unsigned b)
{
	return (x << b) | (x >> (64 - b));
}

static inline uint64_t load_le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

#define SIPROUND(v0, v1, v2, v3)                                                                   \
	do {                                                                                       \
		v0 += v1;                                                                          \
		v1 = rotl64(v1, 13) ^ v0;                                                          \
		v0 = rotl64(v0, 32);                                                               \
		v2 += v3;                                                                          \
		v3 = rotl64(v3, 16) ^ v2;                                                          \
		v0 += v3;                                                                          \
		v3 = rotl64(v3, 21) ^ v0;                                                          \
		v2 += v1;                                                                          \
		v1 = rotl64(v1, 17) ^ v2;                                                          \
		v2 = rotl64(v2, 32);                                                               \
	} while (0)

/* Inlined into the token hash, where len is the constant 16 and the loops unroll. */
static inline __attribute__((always_inline)) uint64_t siphash24(const uint8_t key[16],
								const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);
	uint64_t v0 = k0 ^ 0x736f6d6570736575ull, v1 = k1 ^ 0x646f72616e646f6dull;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ull, v3 = k1 ^ 0x7465646279746573ull;
	uint64_t last = (uint64_t)len << 56;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		uint64_t m = load_le64(p + i);

		v3 ^= m;
		SIPROUND(v0, v1, v2, v3);
		SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	for (unsigned s = 0; i < len; i++, s += 8)
		last |= (uint64_t)p[i] << s;
	v3 ^= last;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	v0 ^= last;
	v2 ^= 0xff;
	for (int r = 0; r < 4; r++)
		SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t captable_siphash24(const uint8_t key[16], const void *data, size_t len)
{
	return siphash24(key, data, len);
}

/* ---- tokens ---- */

static int fill_random(void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Equality without an early exit: the time taken does not depend on how many
 * leading bytes match. The empty asm keeps the compiler from turning the
 * accumulated difference back into a chain of branches.
 */
static inline bool token_eq(const struct cap_token *a, const struct cap_token *b)
{
	uint64_t a0, a1, b0, b1, diff;

	memcpy(&a0, a->bytes, 8);
	memcpy(&a1, a->bytes + 8, 8);
	memcpy(&b0, b->bytes, 8);
	memcpy(&b1, b->bytes + 8, 8);
	diff = (a0 ^ b0) | (a1 ^ b1);
	__asm__("" : "+r"(diff));
	return diff == 0;
}

static inline uint64_t token_hash(const struct captable *t, const struct cap_token *tok)
{
	return siphash24(t->key, tok->bytes, CAP_TOKEN_SIZE);
}

/* ---- token -> entry: linear probing, backward-shift deletion ---- */

/* Index of the token's slot (whose hash is h) or SIZE_MAX. */
static size_t slot_probe(const struct captable *t, const struct cap_token *tok, uint64_t h)
{
	/* load <= 1/2, so an empty slot always ends the probe */
	for (size_t i = h & t->mask;; i = (i + 1) & t->mask) {
		const struct slot *s = &t->slots[i];

		if (!s->cap)
			return SIZE_MAX;
		if (token_eq(&s->token, tok))
			return i;
	}
}

static size_t slot_find(const struct captable *t, const struct cap_token *tok)
{
	return slot_probe(t, tok, token_hash(t, tok));
}

static struct slot *slot_lookup(const struct captable *t, const struct cap_token *tok)
{
	size_t i = slot_find(t, tok);

	return i == SIZE_MAX ? NULL : &t->slots[i];
}

/* The slot of an entry known to be in the table. */
static struct slot *slot_of(const struct captable *t, const struct cap *c)
{
	struct slot *s = slot_lookup(t, &c->token);

	assert(s && s->cap == c);
	return s;
}

static void slot_put(const struct captable *t, struct slot *slots, struct name_tail *tails,
		     size_t mask, const struct slot *s, const struct name_tail *tail)
{
	size_t i = token_hash(t, &s->token) & mask;

	while (slots[i].cap)
		i = (i + 1) & mask;
	slots[i] = *s;
	tails[i] = *tail;
}

static void slot_remove(struct captable *t, size_t i)
{
	size_t j = i;

	/* pull back every later entry of the run whose home is not in (i, j] */
	for (;;) {
		j = (j + 1) & t->mask;
		if (!t->slots[j].cap)
			break;
		size_t home = token_hash(t, &t->slots[j].token) & t->mask;

		if (((j - home) & t->mask) >= ((j - i) & t->mask)) {
			t->slots[i] = t->slots[j];
			t->tails[i] = t->tails[j];
			i = j;
		}
	}
	explicit_bzero(&t->slots[i], sizeof(t->slots[i]));
	explicit_bzero(&t->tails[i], sizeof(t->tails[i]));
	t->entries--;
}

/*
 * Random probes into tens of MiB miss the TLB as well as the caches: from
 * 2 MiB on, ask for transparent huge pages (an advice; without them the table
 * works the same, only slower).
 */
static struct slot *slots_alloc(size_t n, struct name_tail **ret_tails)
{
	size_t size = n * (sizeof(struct slot) + sizeof(struct name_tail));
	size_t align = size >= HUGE_PAGE ? HUGE_PAGE : sizeof(struct slot);
	struct slot *s = aligned_alloc(align, size);

	if (!s)
		return NULL;
	if (align == HUGE_PAGE)
		(void)madvise(s, size, MADV_HUGEPAGE);
	memset(s, 0, size);
	*ret_tails = (struct name_tail *)(s + n);
	return s;
}

static void slots_free(struct slot *s, size_t n)
{
	if (s)
		explicit_bzero(s, n * (sizeof(struct slot) + sizeof(struct name_tail)));
	free(s);
}

/* Room for one more entry at load <= 1/2. */
static int slots_reserve(struct captable *t)
{
	size_t n = t->mask + 1, nn = n * 2;
	struct name_tail *ntails;
	struct slot *ns;

	if ((t->entries + 1) * 2 <= n)
		return 0;
	ns = slots_alloc(nn, &ntails);
	if (!ns)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (t->slots[i].cap)
			slot_put(t, ns, ntails, nn - 1, &t->slots[i], &t->tails[i]);
	slots_free(t->slots, n);
	t->slots = ns;
	t->tails = ntails;
	t->mask = nn - 1;
	return 0;
}

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

static void slot_add(struct captable *t, struct cap *c, uint32_t uses_left)
{
	struct slot s = {
		.token = c->token,
		.cap = c,
		.holder = c->holder,
		.expiry_ms = c->expiry_ms,
		.rights = (uint8_t)c->rights,
		.uses_left = uses_left,
		.kind = c->kind,
		.name_len = c->name_len,
		.flags = c->flags,
	};
	struct name_tail tail = {0};

	memcpy(s.name_head, c->name, min_size(c->name_len, SLOT_NAME_HEAD));
	if (c->name_len > SLOT_NAME_HEAD)
		memcpy(tail.bytes, c->name + SLOT_NAME_HEAD,
		       min_size(c->name_len - SLOT_NAME_HEAD, SLOT_NAME_TAIL));
	slot_put(t, t->slots, t->tails, t->mask, &s, &tail);
	explicit_bzero(&s, sizeof(s));
	t->entries++;
}

/* ---- holder id -> record ---- */

static size_t holder_home(const struct captable *t, uint64_t id)
{
	return captable_siphash24(t->key, &id, sizeof(id)) & t->hmask;
}

static size_t holder_slot(const struct captable *t, uint64_t id)
{
	size_t i = holder_home(t, id);

	for (; t->hslots[i]; i = (i + 1) & t->hmask)
		if (t->hslots[i]->id == id)
			return i;
	return SIZE_MAX;
}

static struct holder *holder_find(const struct captable *t, uint64_t id)
{
	size_t i = holder_slot(t, id);

	return i == SIZE_MAX ? NULL : t->hslots[i];
}

static void holder_put(struct holder **hs, size_t mask, struct holder *h, size_t home)
{
	size_t i = home;

	while (hs[i])
		i = (i + 1) & mask;
	hs[i] = h;
}

static int holder_reserve(struct captable *t)
{
	size_t n = t->hmask + 1, nn = n * 2;
	struct holder **ns;
	size_t omask = t->hmask;

	if ((t->nholders + 1) * 2 <= n)
		return 0;
	ns = calloc(nn, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	t->hmask = nn - 1;
	for (size_t i = 0; i <= omask; i++)
		if (t->hslots[i])
			holder_put(ns, t->hmask, t->hslots[i], holder_home(t, t->hslots[i]->id));
	free(t->hslots);
	t->hslots = ns;
	return 0;
}

static struct holder *holder_get(struct captable *t, uint64_t id)
{
	struct holder *h = holder_find(t, id);

	if (h)
		return h;
	if (holder_reserve(t) < 0)
		return NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->id = id;
	holder_put(t->hslots, t->hmask, h, holder_home(t, id));
	t->nholders++;
	return h;
}

static void holder_remove(struct captable *t, struct holder *h)
{
	size_t i = holder_slot(t, h->id), j = i;

	assert(i != SIZE_MAX);
	for (;;) {
		j = (j + 1) & t->hmask;
		if (!t->hslots[j])
			break;
		size_t home = holder_home(t, t->hslots[j]->id);

		if (((j - home) & t->hmask) >= ((j - i) & t->hmask)) {
			t->hslots[i] = t->hslots[j];
			i = j;
		}
	}
	t->hslots[i] = NULL;
	t->nholders--;
	free(h);
}

static void holder_link(struct holder *h, struct cap *c)
{
	c->owner = h;
	c->h_prev = h->tail;
	c->h_next = NULL;
	if (h->tail)
		h->tail->h_next = c;
	else
		h->head = c;
	h->tail = c;
	h->count++;
}

/* Frees the record once empty, unless it is being dropped. */
static void holder_unlink(struct captable *t, struct cap *c)
{
	struct holder *h = c->owner;

	if (c->h_prev)
		c->h_prev->h_next = c->h_next;
	else
		h->head = c->h_next;
	if (c->h_next)
		c->h_next->h_prev = c->h_prev;
	else
		h->tail = c->h_prev;
	c->owner = NULL;
	if (--h->count == 0 && !h->pinned)
		holder_remove(t, h);
}

/* ---- names ---- */

static bool seg_char_ok(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '.' || ch == '_' || ch == '-';
}

static bool seg_dots(const char *s, size_t n)
{
	return (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.');
}

/* Segments of [A-Za-z0-9._-]; the last one may be "*". */
static bool register_name_ok(const char *name, size_t len)
{
	size_t start = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i < len && name[i] != '/') {
			if (!seg_char_ok(name[i]) && !(name[i] == '*' && i + 1 == len))
				return false;
			continue;
		}
		size_t n = i - start;

		if (n == 0 || seg_dots(name + start, n))
			return false;
		if (name[i - 1] == '*' && n != 1) /* "*" is a whole segment or nothing */
			return false;
		start = i + 1;
	}
	return true;
}

static bool fs_name_ok(const char *name, size_t len)
{
	size_t start = 1;

	if (name[0] != '/')
		return false;
	if (len == 1)
		return true;
	for (size_t i = 1; i <= len; i++) {
		if (i < len && name[i] != '/') {
			if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
				return false;
			continue;
		}
		if (i == start || seg_dots(name + start, i - start))
			return false;
		start = i + 1;
	}
	return true;
}

static bool plain_name_ok(const char *name, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (name[i] <= 0x20 || name[i] >= 0x7f || name[i] == '/' || name[i] == '*')
			return false;
	return true;
}

/* Returns the length of a valid name of that kind, or -1. */
static int name_check(enum cap_kind kind, const char *name)
{
	size_t len;
	bool ok = false;

	if (!name)
		return -1;
	len = strnlen(name, CAP_NAME_MAX + 1);
	if (len == 0 || len > CAP_NAME_MAX)
		return -1;
	switch (kind) {
	case CAP_KIND_REGISTER:
		ok = register_name_ok(name, len);
		break;
	case CAP_KIND_FS:
		ok = fs_name_ok(name, len);
		break;
	case CAP_KIND_NET:
	case CAP_KIND_REGION:
	case CAP_KIND_DOMAIN:
		ok = plain_name_ok(name, len);
		break;
	case _CAP_KIND_MAX:
	default:
		break;
	}
	return ok ? (int)len : -1;
}

/* The first n bytes (n <= name_len) of the name of the entry at index i equal name's. */
static bool stored_prefix_eq(const struct captable *t, size_t i, const char *name, size_t n)
{
	const size_t tail_end = SLOT_NAME_HEAD + SLOT_NAME_TAIL;

	if (memcmp(name, t->slots[i].name_head, min_size(n, SLOT_NAME_HEAD)) != 0)
		return false;
	if (n <= SLOT_NAME_HEAD)
		return true;
	if (memcmp(name + SLOT_NAME_HEAD, t->tails[i].bytes,
		   min_size(n, tail_end) - SLOT_NAME_HEAD) != 0)
		return false;
	/* only names over 80 bytes wait for the heap entry: a second, serial miss */
	return n <= tail_end ||
	       memcmp(name + tail_end, t->slots[i].cap->name + tail_end, n - tail_end) == 0;
}

/*
 * The request is inside what the capability names. An exact name needs no
 * validation of the request: equal to a valid name means valid. A pattern
 * does, since "demo/" + anything would otherwise pass.
 */
static bool name_covers(const struct captable *t, size_t i, enum cap_kind kind, const char *name)
{
	const struct slot *s = &t->slots[i];
	size_t n = s->name_len;
	int len;

	if (s->kind != kind || !name)
		return false;
	if (!(s->flags & SLOT_PATTERN))
		return strnlen(name, n + 1) == n && stored_prefix_eq(t, i, name, n);
	len = name_check(kind, name);
	return len > 0 && (size_t)len > n - 1 && stored_prefix_eq(t, i, name, n - 1);
}

/* ---- entries and the revocation tree ---- */

static void tree_link(struct cap *parent, struct cap *c)
{
	c->parent = parent;
	c->prev_sib = NULL;
	c->next_sib = parent->first_child;
	if (parent->first_child)
		parent->first_child->prev_sib = c;
	parent->first_child = c;
}

static void tree_unlink(struct cap *c)
{
	if (!c->parent)
		return;
	if (c->prev_sib)
		c->prev_sib->next_sib = c->next_sib;
	else
		c->parent->first_child = c->next_sib;
	if (c->next_sib)
		c->next_sib->prev_sib = c->prev_sib;
	c->parent = c->next_sib = c->prev_sib = NULL;
}

static void retained_unlink(struct captable *t, struct cap *c)
{
	if (c->r_prev)
		c->r_prev->r_next = c->r_next;
	else
		t->rev_head = c->r_next;
	if (c->r_next)
		c->r_next->r_prev = c->r_prev;
	else
		t->rev_tail = c->r_prev;
	c->r_next = c->r_prev = NULL;
	t->retained--;
}

static void cap_free(struct cap *c)
{
	explicit_bzero(c, sizeof(*c) + c->name_len);
	free(c);
}

/* Removes an entry from every structure and frees it; a live one must be a leaf. */
static void cap_destroy(struct captable *t, struct cap *c)
{
	size_t i = slot_find(t, &c->token);

	assert(i != SIZE_MAX && !c->first_child);
	if (c->flags & SLOT_REVOKED) {
		retained_unlink(t, c);
	} else {
		tree_unlink(c);
		t->live--;
	}
	slot_remove(t, i);
	holder_unlink(t, c);
	cap_free(c);
}

/* A live leaf becomes a retained revoked entry; the oldest one goes past the bound. */
static void revoke_leaf(struct captable *t, struct cap *c)
{
	tree_unlink(c);
	c->flags |= SLOT_REVOKED;
	slot_of(t, c)->flags |= SLOT_REVOKED;
	t->live--;
	c->r_next = NULL;
	c->r_prev = t->rev_tail;
	if (t->rev_tail)
		t->rev_tail->r_next = c;
	else
		t->rev_head = c;
	t->rev_tail = c;
	if (++t->retained > t->max)
		cap_destroy(t, t->rev_head);
}

/*
 * Post-order walk without a stack (attenuation chains may be long): go down to
 * a leaf, revoke it, which unlinks it, and carry on from its parent.
 * O(size of the subtree).
 */
static void revoke_subtree(struct captable *t, struct cap *root)
{
	struct cap *node = root;

	for (;;) {
		struct cap *parent;

		while (node->first_child)
			node = node->first_child;
		parent = node->parent;
		revoke_leaf(t, node);
		if (node == root)
			return;
		node = parent;
	}
}

static void revoke_descendants(struct captable *t, struct cap *c)
{
	while (c->first_child)
		revoke_subtree(t, c->first_child);
}

/* A fresh token no entry has; getrandom failing is the only likely error. */
static int token_new(const struct captable *t, struct cap_token *ret)
{
	for (int i = 0; i < TOKEN_TRIES; i++) {
		int r = fill_random(ret->bytes, sizeof(ret->bytes));

		if (r < 0)
			return r;
		if (slot_find(t, ret) == SIZE_MAX)
			return 0;
	}
	return -EIO; /* repeated 128-bit collisions: the generator is broken */
}

struct cap_spec {
	uint64_t holder;
	enum cap_kind kind;
	const char *name;
	size_t name_len;
	uint32_t rights;
	uint64_t expiry_ms;
	uint32_t uses; /* 0: unlimited */
};

/* Creates and links an entry; nothing changes on failure. */
static int cap_insert(struct captable *t, const struct cap_spec *sp, struct cap *parent,
		      struct cap **ret)
{
	_cleanup_free_ struct cap *c = NULL;
	struct holder *h;
	int r;

	if (t->live >= t->max)
		return -ENOSPC;
	c = calloc(1, sizeof(*c) + sp->name_len + 1);
	if (!c)
		return -ENOMEM;
	r = token_new(t, &c->token);
	if (r < 0)
		return r;
	r = slots_reserve(t);
	if (r < 0)
		return r;
	h = holder_get(t, sp->holder);
	if (!h)
		return -ENOMEM;
	c->holder = sp->holder;
	c->kind = (uint8_t)sp->kind;
	c->rights = sp->rights;
	c->expiry_ms = sp->expiry_ms;
	c->name_len = (uint8_t)sp->name_len;
	memcpy(c->name, sp->name, sp->name_len);
	if (sp->uses)
		c->flags |= SLOT_LIMITED;
	if (sp->kind == CAP_KIND_REGISTER && sp->name[sp->name_len - 1] == '*')
		c->flags |= SLOT_PATTERN;
	if (parent)
		tree_link(parent, c);
	holder_link(h, c);
	slot_add(t, c, sp->uses);
	t->live++;
	*ret = take_ptr(c);
	return 0;
}

/* ---- checks shared by every operation ---- */

/* Present, held by holder, not revoked. */
static enum cap_reason slot_held(const struct slot *s, uint64_t holder)
{
	if (!s)
		return CAP_DENY_NOT_FOUND;
	if (s->holder != holder)
		return CAP_DENY_WRONG_HOLDER;
	if (s->flags & SLOT_REVOKED)
		return CAP_DENY_REVOKED;
	return CAP_OK;
}

/* Held and still usable at now_ms. */
static enum cap_reason slot_usable(const struct slot *s, uint64_t holder, uint64_t now_ms)
{
	enum cap_reason r = slot_held(s, holder);

	if (r != CAP_OK)
		return r;
	if (s->expiry_ms && now_ms >= s->expiry_ms)
		return CAP_DENY_EXPIRED;
	if ((s->flags & SLOT_LIMITED) && s->uses_left == 0)
		return CAP_DENY_EXHAUSTED;
	return CAP_OK;
}

/* The errno the management calls return for a denial of the token itself. */
static int reason_err(enum cap_reason r, struct err_ctx *reterr)
{
	switch (r) {
	case CAP_DENY_NOT_FOUND:
		return err_set(reterr, ENOENT, "capability not found");
	case CAP_DENY_WRONG_HOLDER:
		return err_set(reterr, ENOENT, "capability held by another instance");
	case CAP_DENY_REVOKED:
		return err_set(reterr, ENOENT, "capability revoked");
	case CAP_DENY_EXPIRED:
		return err_set(reterr, EKEYEXPIRED, "capability expired");
	case CAP_DENY_EXHAUSTED:
		return err_set(reterr, EDQUOT, "capability has no uses left");
	case CAP_DENY_RIGHTS:
		return err_set(reterr, EPERM, "capability lacks the right");
	case CAP_DENY_RESOURCE:
		return err_set(reterr, EPERM, "capability names another resource");
	case CAP_OK:
	case _CAP_REASON_MAX:
	default:
		break;
	}
	return err_set(reterr, EINVAL, "invalid capability reason %d", (int)r);
}

/* ---- public API ---- */

int captable_new(size_t max, struct captable **ret_table, struct err_ctx *reterr)
{
	_cleanup_captable_ struct captable *t = NULL;
	int r;

	if (max == 0 || max > CAPTABLE_MAX_LIMIT)
		return err_set(reterr, EINVAL, "capability table size %zu not in 1..%u", max,
			       CAPTABLE_MAX_LIMIT);
	t = calloc(1, sizeof(*t));
	if (!t)
		return err_set(reterr, ENOMEM, "cannot allocate the capability table");
	t->max = max;
	t->mask = SLOTS_MIN - 1;
	t->hmask = HSLOTS_MIN - 1;
	t->slots = slots_alloc(SLOTS_MIN, &t->tails);
	t->hslots = calloc(HSLOTS_MIN, sizeof(*t->hslots));
	if (!t->slots || !t->hslots)
		return err_set(reterr, ENOMEM, "cannot allocate the capability table");
	r = fill_random(t->key, sizeof(t->key));
	if (r < 0)
		return err_set(reterr, -r, "getrandom for the capability table key failed");
	*ret_table = take_ptr(t);
	return 0;
}

struct captable *captable_free(struct captable *t)
{
	if (!t)
		return NULL;
	for (size_t i = 0; t->slots && i <= t->mask; i++)
		if (t->slots[i].cap)
			cap_free(t->slots[i].cap);
	for (size_t i = 0; t->hslots && i <= t->hmask; i++)
		free(t->hslots[i]);
	slots_free(t->slots, t->mask + 1);
	free(t->hslots);
	explicit_bzero(t, sizeof(*t));
	free(t);
	return NULL;
}

size_t captable_live(const struct captable *t)
{
	return t->live;
}

int cap_mint(struct captable *t, uint64_t holder, enum cap_kind kind, const char *name,
	     uint32_t rights, uint64_t expiry_ms, uint32_t uses, const struct cap_token *parent,
	     struct cap_token *ret_token, struct err_ctx *reterr)
{
	struct cap_spec sp = {.holder = holder,
			      .kind = kind,
			      .name = name,
			      .rights = rights,
			      .expiry_ms = expiry_ms,
			      .uses = uses};
	struct cap *p = NULL, *c;
	int len, r;

	if (holder == 0)
		return err_set(reterr, EINVAL, "capability holder 0 is reserved");
	if ((unsigned)kind >= _CAP_KIND_MAX)
		return err_set(reterr, EINVAL, "unknown capability kind %d", (int)kind);
	len = name_check(kind, name);
	if (len < 0)
		return err_set(reterr, EINVAL, "invalid %s name '%.64s'", cap_kind_name(kind),
			       name ? name : "(null)");
	if (rights == 0 || (rights & ~CAP_RIGHTS_ALL))
		return err_set(reterr, EINVAL, "invalid capability rights 0x%x", rights);
	if (parent) {
		struct slot *ps = slot_lookup(t, parent);

		if (!ps || (ps->flags & SLOT_REVOKED))
			return err_set(reterr, ENOENT, "parent capability not found");
		p = ps->cap;
	}
	sp.name_len = (size_t)len;
	r = cap_insert(t, &sp, p, &c);
	if (r < 0)
		return err_set(reterr, -r, "cannot mint a capability for '%.64s'", name);
	*ret_token = c->token;
	return 0;
}

enum cap_reason cap_check(struct captable *t, const struct cap_token *token, uint64_t holder,
			  enum cap_kind kind, const char *name, uint32_t needed_rights,
			  uint64_t now_ms, uint64_t *ret_id)
{
	uint64_t hash = token_hash(t, token);
	struct slot *s;
	enum cap_reason r;
	size_t i;

	/*
	 * A long request name will be compared with the tail array too: start
	 * that fetch now, so that it overlaps the slot's instead of following it.
	 */
	if (name && strnlen(name, SLOT_NAME_HEAD + 1) > SLOT_NAME_HEAD)
		__builtin_prefetch(&t->tails[hash & t->mask]);
	i = slot_probe(t, token, hash);
	s = i == SIZE_MAX ? NULL : &t->slots[i];
	r = slot_usable(s, holder, now_ms);

	if (ret_id)
		*ret_id = s ? hash : 0;
	if (r != CAP_OK)
		return r;
	if (!name_covers(t, i, kind, name))
		return CAP_DENY_RESOURCE;
	if ((needed_rights & s->rights) != needed_rights)
		return CAP_DENY_RIGHTS;
	if (s->flags & SLOT_LIMITED)
		s->uses_left--;
	return CAP_OK;
}

/* Bounds of an attenuated child against its parent's slot; 0 or -errno. */
static int child_bounds(const struct slot *p, uint32_t rights, uint64_t *expiry_ms, uint32_t uses,
			struct err_ctx *reterr)
{
	bool limited = p->flags & SLOT_LIMITED;

	if (rights == 0 || (rights & ~CAP_RIGHTS_ALL))
		return err_set(reterr, EINVAL, "invalid capability rights 0x%x", rights);
	if (rights & ~p->rights)
		return err_set(reterr, EPERM, "rights 0x%x are not a subset of 0x%x", rights,
			       p->rights);
	if (p->expiry_ms && *expiry_ms == 0)
		*expiry_ms = p->expiry_ms;
	if (p->expiry_ms && *expiry_ms > p->expiry_ms)
		return err_set(reterr, EINVAL, "expiry %llu ms is later than the parent's %llu ms",
			       (unsigned long long)*expiry_ms, (unsigned long long)p->expiry_ms);
	if (limited && uses == 0)
		return err_set(reterr, EINVAL, "a child of a limited capability needs a use count");
	if (limited && uses > p->uses_left)
		return err_set(reterr, EINVAL, "%u uses asked, the parent has %u left", uses,
			       p->uses_left);
	return 0;
}

int cap_attenuate(struct captable *t, const struct cap_token *token, uint64_t holder,
		  uint32_t rights, uint64_t expiry_ms, uint32_t uses, uint64_t now_ms,
		  struct cap_token *ret_token, struct err_ctx *reterr)
{
	struct slot *ps = slot_lookup(t, token);
	enum cap_reason why = slot_usable(ps, holder, now_ms);
	struct cap *p, *c;
	struct cap_spec sp;
	int r;

	if (why == CAP_OK && !(ps->rights & CAP_RIGHT_ATTENUATE))
		why = CAP_DENY_RIGHTS;
	if (why != CAP_OK)
		return reason_err(why, reterr);
	r = child_bounds(ps, rights, &expiry_ms, uses, reterr);
	if (r < 0)
		return r;
	p = ps->cap;
	sp = (struct cap_spec){.holder = holder,
			       .kind = p->kind,
			       .name = p->name,
			       .name_len = p->name_len,
			       .rights = rights,
			       .expiry_ms = expiry_ms,
			       .uses = uses};
	r = cap_insert(t, &sp, p, &c);
	if (r < 0)
		return err_set(reterr, -r, "cannot attenuate a capability for '%.64s'", p->name);
	/*
	 * Delegated, not copied: the tree never grants more uses than its root.
	 * The insertion may have moved the parent's slot, so look it up again.
	 */
	if (p->flags & SLOT_LIMITED)
		slot_of(t, p)->uses_left -= uses;
	*ret_token = c->token;
	return 0;
}

int cap_revoke(struct captable *t, const struct cap_token *token, uint64_t holder,
	       struct err_ctx *reterr)
{
	struct slot *s = slot_lookup(t, token);
	enum cap_reason why = slot_held(s, holder);

	if (why != CAP_OK)
		return reason_err(why, reterr);
	revoke_subtree(t, s->cap);
	return 0;
}

int cap_transfer(struct captable *t, const struct cap_token *token, uint64_t from, uint64_t to,
		 uint64_t now_ms, struct cap_token *ret_token, struct err_ctx *reterr)
{
	struct slot *s = slot_lookup(t, token);
	enum cap_reason why = slot_usable(s, from, now_ms);
	struct cap_token fresh;
	struct holder *h;
	struct cap *c;
	size_t i;
	uint32_t uses;
	int r;

	if (why == CAP_OK && !(s->rights & CAP_RIGHT_TRANSFER))
		why = CAP_DENY_RIGHTS;
	if (why != CAP_OK)
		return reason_err(why, reterr);
	if (to == 0 || to == from)
		return err_set(reterr, EINVAL, "cannot transfer a capability to holder %llu",
			       (unsigned long long)to);
	c = s->cap;
	/* everything that can fail comes before the first change */
	r = token_new(t, &fresh);
	if (r < 0)
		return err_set(reterr, -r, "cannot make a token for '%.64s'", c->name);
	h = holder_get(t, to);
	if (!h)
		return err_set(reterr, ENOMEM, "cannot record holder %llu", (unsigned long long)to);
	/* revoking may purge retained entries of "to": keep its record meanwhile */
	h->pinned = true;
	revoke_descendants(t, c);
	h->pinned = false;
	/* slots may have moved meanwhile */
	i = slot_find(t, &c->token);
	uses = t->slots[i].uses_left;
	slot_remove(t, i);
	c->token = fresh;
	c->holder = to;
	slot_add(t, c, uses);
	holder_unlink(t, c);
	holder_link(h, c);
	*ret_token = fresh;
	explicit_bzero(&fresh, sizeof(fresh));
	return 0;
}

int cap_list(const struct captable *t, uint64_t holder, cap_list_fn fn, void *userdata)
{
	const struct holder *h = holder_find(t, holder);

	for (const struct cap *c = h ? h->head : NULL; c; c = c->h_next) {
		const struct slot *s = slot_of(t, c);
		struct cap_info info = {
			.token = c->token,
			.id = token_hash(t, &c->token),
			.kind = (enum cap_kind)c->kind,
			.name = c->name,
			.rights = c->rights,
			.expiry_ms = c->expiry_ms,
			.limited = c->flags & SLOT_LIMITED,
			.uses_left = s->uses_left,
		};
		int r;

		if (c->flags & SLOT_REVOKED)
			continue;
		r = fn(&info, userdata);
		explicit_bzero(&info.token, sizeof(info.token));
		if (r != 0)
			return r;
	}
	return 0;
}

size_t cap_drop_holder(struct captable *t, uint64_t holder)
{
	struct holder *h = holder_find(t, holder);
	struct cap *c;
	size_t n;

	if (!h)
		return 0;
	n = h->count;
	/* revoking descendants may purge retained entries of h: keep h meanwhile */
	h->pinned = true;
	while ((c = h->head)) {
		if (!(c->flags & SLOT_REVOKED))
			revoke_descendants(t, c);
		cap_destroy(t, c);
	}
	holder_remove(t, h);
	return n;
}
