/* SPDX-License-Identifier: MIT */
#include "child/seccomp.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"

#if defined(__x86_64__)
#define NATIVE_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_AUDIT_ARCH AUDIT_ARCH_AARCH64
#else
#error "unsupported architecture: define NATIVE_AUDIT_ARCH"
#endif

/* Low 32 bits of a syscall argument (little-endian). */
#define ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i))

/*
 * The filters must be loaded in order (between two ERRNO results the most
 * recently loaded filter's errno wins, and policy/bpf.c relies on the deny
 * filter's), but the allow list need not allow seccomp(2), so it would block
 * loading the next filter. Every filter but the last is therefore loaded
 * behind this guard, which allows exactly seccomp(SECCOMP_SET_MODE_FILTER,
 * 0, ...) on the native ABI: the power prctl(PR_SET_SECCOMP) gives anyway.
 * Filters only ever restrict; flags 0 excludes listeners, TSYNC and
 * SPEC_ALLOW. Anything else falls through to the policy's own program.
 */
static const struct sock_filter load_guard[] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_AUDIT_ARCH, 0, 7),
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_seccomp, 0, 5),
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SECCOMP_SET_MODE_FILTER, 0, 3),
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	/* Every fall-through lands here: the policy's program starts with A = 0, as unguarded. */
	BPF_STMT(BPF_LD | BPF_IMM, 0),
};

static int load(const struct sock_fprog *prog)
{
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog) < 0 ? -errno : 0;
}

/* Jumps in classic BPF are relative and forward only: prepending keeps them valid. */
static int load_guarded(const struct sock_fprog *prog)
{
	struct sock_filter insns[BPF_MAXINSNS];
	struct sock_fprog guarded = {.filter = insns};
	size_t n = ARRAY_SIZE(load_guard);

	if (prog->len > BPF_MAXINSNS - n)
		return -E2BIG;
	for (size_t i = 0; i < n; i++)
		insns[i] = load_guard[i];
	for (size_t i = 0; i < prog->len; i++)
		insns[n + i] = prog->filter[i];
	guarded.len = (unsigned short)(n + prog->len);
	return load(&guarded);
}

int child_seccomp_install(const struct policy_bpf *bpf, struct err_ctx *reterr)
{
	/* Fail closed: an instance never runs without its filter. */
	if (!bpf || bpf->n_filters == 0 || bpf->n_filters > ARRAY_SIZE(bpf->filters))
		return err_set(reterr, EINVAL, "no seccomp filter was prepared");
	for (unsigned i = 0; i < bpf->n_filters; i++) {
		const struct sock_fprog *prog = &bpf->filters[i];
		bool last = i + 1 == bpf->n_filters;
		int r;

		if (!prog->filter || prog->len == 0)
			return err_set(reterr, EINVAL, "seccomp filter %u is empty", i + 1);
		/* The raw syscall: no libseccomp state, nothing allocated. */
		r = last ? load(prog) : load_guarded(prog);
		if (r < 0)
			return err_set(reterr, -r, "cannot load seccomp filter %u of %u", i + 1,
				       bpf->n_filters);
	}
	return 0;
}
