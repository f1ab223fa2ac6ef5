/* SPDX-License-Identifier: MIT */
#ifndef VMSB_POLICY_BPF_H
#define VMSB_POLICY_BPF_H

#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "policy/policy.h"

/*
 * The policy's syscall rules compiled once, in the supervisor, to classic
 * BPF programs that the child loads with seccomp(2) in order. filters[0] is
 * the allow list (native arch only, bad arch kills the process; x32 numbers
 * are rejected); filters[1], present when there are deny rules, defaults to
 * allow and applies the deny rules. The kernel returns the strictest result.
 */
struct policy_bpf {
	struct sock_fprog filters[2];
	unsigned n_filters;
};

int policy_bpf_compile(const struct policy *p, struct policy_bpf *ret, struct err_ctx *reterr)
	__attribute__((warn_unused_result));

/* The same, always through libseccomp (what policy_bpf_compile falls back to). */
int policy_bpf_compile_fresh(const struct policy *p, struct policy_bpf *ret, struct err_ctx *reterr)
	__attribute__((warn_unused_result));

/*
 * Compiling with libseccomp costs about 1 ms per start. The build compiles
 * the embedded default's filters once (policy/gen/bpfgen.c) and links them
 * in as a blob keyed by the SHA-256 of the syscall rules; a policy whose
 * rules hash to the same key reuses them. Binaries without the blob (unit
 * tests) simply compile.
 */
#define POLICY_BPF_KEY_SIZE 32

/* The key: a hash over every field of the syscall rules, in a fixed layout. */
void policy_bpf_key(const struct policy_syscalls *s, uint8_t ret_key[POLICY_BPF_KEY_SIZE]);

/* Serialises bpf with its key for embedding; caller frees *ret_blob. */
int policy_bpf_blob_make(const struct policy_bpf *bpf, const uint8_t key[POLICY_BPF_KEY_SIZE],
			 uint8_t **ret_blob, size_t *ret_len);

/* Copies the filters out of a blob when its key matches; -ENOENT otherwise. */
int policy_bpf_blob_load(const uint8_t *blob, size_t len, const uint8_t key[POLICY_BPF_KEY_SIZE],
			 struct policy_bpf *ret) __attribute__((warn_unused_result));

void policy_bpf_release(struct policy_bpf *bpf);

#endif
