/* SPDX-License-Identifier: MIT */
/* Precompiled filters: the key over the rules, and the blob that carries them. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/sha256.h"
#include "policy/bpf.h"

#define BLOB_MAGIC "VMSBBPF1"

struct blob_header {
	char magic[8];
	uint8_t key[POLICY_BPF_KEY_SIZE];
	uint32_t n_filters;
	uint32_t len[2]; /* instructions per filter */
};

static void hash_u64(struct sha256_ctx *ctx, uint64_t v)
{
	sha256_update(ctx, &v, sizeof(v));
}

void policy_bpf_key(const struct policy_syscalls *s, uint8_t ret_key[POLICY_BPF_KEY_SIZE])
{
	struct sha256_ctx ctx;

	/* Field by field, never whole structs: padding bytes are not data. */
	sha256_init(&ctx);
	sha256_update(&ctx, BLOB_MAGIC, 8);
	hash_u64(&ctx, (uint64_t)s->default_action);
	hash_u64(&ctx, (uint64_t)s->default_errno);
	hash_u64(&ctx, s->n_allow);
	for (size_t i = 0; i < s->n_allow; i++)
		hash_u64(&ctx, (uint64_t)s->allow[i]);
	hash_u64(&ctx, s->n_deny);
	for (size_t i = 0; i < s->n_deny; i++) {
		const struct policy_syscall_rule *r = &s->deny[i];

		hash_u64(&ctx, (uint64_t)r->nr);
		hash_u64(&ctx, (uint64_t)r->action);
		hash_u64(&ctx, (uint64_t)r->err);
		hash_u64(&ctx, r->n_args);
		for (unsigned a = 0; a < r->n_args && a < POLICY_MAX_ARGS; a++) {
			hash_u64(&ctx, r->args[a].index);
			hash_u64(&ctx, (uint64_t)r->args[a].op);
			hash_u64(&ctx, r->args[a].value);
			hash_u64(&ctx, r->args[a].mask);
		}
	}
	sha256_final(&ctx, ret_key);
}

int policy_bpf_blob_make(const struct policy_bpf *bpf, const uint8_t key[POLICY_BPF_KEY_SIZE],
			 uint8_t **ret_blob, size_t *ret_len)
{
	struct blob_header h = {.n_filters = bpf->n_filters};
	size_t len = sizeof(h);
	uint8_t *blob, *at;

	if (bpf->n_filters == 0 || bpf->n_filters > 2)
		return -EINVAL;
	memcpy(h.magic, BLOB_MAGIC, 8);
	memcpy(h.key, key, POLICY_BPF_KEY_SIZE);
	for (unsigned i = 0; i < bpf->n_filters; i++) {
		h.len[i] = bpf->filters[i].len;
		len += (size_t)h.len[i] * sizeof(struct sock_filter);
	}
	blob = at = malloc(len);
	if (!blob)
		return -ENOMEM;
	memcpy(at, &h, sizeof(h));
	at += sizeof(h);
	for (unsigned i = 0; i < bpf->n_filters; i++) {
		memcpy(at, bpf->filters[i].filter, h.len[i] * sizeof(struct sock_filter));
		at += h.len[i] * sizeof(struct sock_filter);
	}
	*ret_blob = blob;
	*ret_len = len;
	return 0;
}

int policy_bpf_blob_load(const uint8_t *blob, size_t len, const uint8_t key[POLICY_BPF_KEY_SIZE],
			 struct policy_bpf *ret)
{
	struct policy_bpf bpf = {0};
	struct blob_header h;
	size_t off = sizeof(h);

	if (!blob || len < sizeof(h))
		return -ENOENT;
	memcpy(&h, blob, sizeof(h));
	if (memcmp(h.magic, BLOB_MAGIC, 8) != 0 || memcmp(h.key, key, POLICY_BPF_KEY_SIZE) != 0)
		return -ENOENT;
	if (h.n_filters == 0 || h.n_filters > 2)
		return -EINVAL;
	for (unsigned i = 0; i < h.n_filters; i++) {
		size_t bytes = (size_t)h.len[i] * sizeof(struct sock_filter);

		if (h.len[i] == 0 || h.len[i] > BPF_MAXINSNS || bytes > len - off)
			goto invalid;
		bpf.filters[i].filter = malloc(bytes);
		if (!bpf.filters[i].filter) {
			policy_bpf_release(&bpf);
			return -ENOMEM;
		}
		memcpy(bpf.filters[i].filter, blob + off, bytes);
		bpf.filters[i].len = (unsigned short)h.len[i];
		bpf.n_filters = i + 1;
		off += bytes;
	}
	if (off != len)
		goto invalid;
	*ret = bpf;
	return 0;
invalid:
	policy_bpf_release(&bpf);
	return -EINVAL;
}

/* Linked into the vmsandbox binary only (policy/default_bpf.S); NULL elsewhere. */
extern const uint8_t policy_default_bpf[] __attribute__((weak));
extern const uint8_t policy_default_bpf_end[] __attribute__((weak));

int policy_bpf_compile(const struct policy *p, struct policy_bpf *ret, struct err_ctx *reterr)
{
	uint8_t key[POLICY_BPF_KEY_SIZE];

	if (p && ret && policy_default_bpf && policy_default_bpf_end) {
		policy_bpf_key(&p->syscalls, key);
		if (policy_bpf_blob_load(policy_default_bpf,
					 (size_t)(policy_default_bpf_end - policy_default_bpf), key,
					 ret) == 0)
			return 0;
	}
	return policy_bpf_compile_fresh(p, ret, reterr);
}
