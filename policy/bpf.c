/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "policy/bpf.h"

/*
 * struct policy to classic BPF, once per policy, in the supervisor; the
 * child only loads the result. Two filters because of libseccomp quirks we
 * verified: an unconditional ALLOW on a syscall swallows conditional rules
 * on the same syscall, and two comparisons of one argument in one rule fail
 * with -EINVAL. So filter 0 is the allow list (default = the policy's
 * default action), filter 1 the deny rules (default = allow). The kernel
 * runs both and the strictest result wins; between two ERRNO results the
 * later filter's wins, so a deny rule's EPERM beats filter 0's ENOSYS.
 *
 * The child loads filter 1 with seccomp(2) while filter 0 is already in
 * force, so filter 0 must let seccomp through. To keep the policy's meaning,
 * filter 1 then gives seccomp the policy's default action, unless the
 * policy allows it or has its own rule for it. (Extra filters from the
 * payload could only restrict it further; this is about the ABI it sees.)
 */

static void seccomp_releasep(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}
#define _cleanup_seccomp_ _cleanup_(seccomp_releasep)

static uint32_t scmp_action(enum policy_action a, int err)
{
	switch (a) {
	case POLICY_ACTION_ALLOW:
		return SCMP_ACT_ALLOW;
	case POLICY_ACTION_ERRNO:
		return SCMP_ACT_ERRNO((uint32_t)err);
	case POLICY_ACTION_ENOSYS:
		return SCMP_ACT_ERRNO(ENOSYS);
	case POLICY_ACTION_LOG:
		return SCMP_ACT_LOG;
	case POLICY_ACTION_KILL:
	case _POLICY_ACTION_MAX:
	default:
		return SCMP_ACT_KILL_PROCESS; /* anything unexpected fails closed */
	}
}

static enum scmp_compare scmp_op(enum policy_arg_op op)
{
	switch (op) {
	case POLICY_ARG_EQ:
		return SCMP_CMP_EQ;
	case POLICY_ARG_NE:
		return SCMP_CMP_NE;
	case POLICY_ARG_LT:
		return SCMP_CMP_LT;
	case POLICY_ARG_LE:
		return SCMP_CMP_LE;
	case POLICY_ARG_GT:
		return SCMP_CMP_GT;
	case POLICY_ARG_GE:
		return SCMP_CMP_GE;
	case POLICY_ARG_MASKED_EQ:
		return SCMP_CMP_MASKED_EQ;
	case _POLICY_ARG_OP_MAX:
	default:
		return _SCMP_CMP_MIN; /* invalid: libseccomp refuses the rule */
	}
}

/*
 * A native-arch-only context: any other architecture (i386 through int 0x80)
 * kills the process, and libseccomp sends x32 numbers (nr | 0x40000000) to the
 * bad-arch action on an x86_64-only filter. NO_NEW_PRIVS is the child's job.
 */
static scmp_filter_ctx new_ctx(uint32_t def_action)
{
	scmp_filter_ctx ctx = seccomp_init(def_action);

	if (!ctx)
		return NULL;
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) < 0 ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0) < 0 ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2) < 0) {
		seccomp_release(ctx);
		return NULL;
	}
	return ctx;
}

/*
 * libseccomp 2.5.4 exports only to an fd, so the program goes through a
 * memfd and is read back: the one OS call policy/ makes besides reading the
 * policy file and stat() of bind sources.
 */
static int export_prog(scmp_filter_ctx ctx, struct sock_fprog *ret, struct err_ctx *reterr)
{
	_cleanup_close_ int fd = memfd_create("vmsandbox-bpf", MFD_CLOEXEC);
	_cleanup_free_ struct sock_filter *prog = NULL;
	off_t size;
	size_t done = 0;
	int r;

	if (fd < 0)
		return err_set(reterr, errno, "seccomp: memfd_create: %s", strerror(errno));
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return err_set(reterr, -r, "seccomp: cannot export the filter: %s", strerror(-r));
	size = lseek(fd, 0, SEEK_END);
	if (size <= 0 || size % sizeof(struct sock_filter) != 0 ||
	    size / sizeof(struct sock_filter) > BPF_MAXINSNS)
		return err_set(reterr, E2BIG, "seccomp: filter has a bad size (%lld bytes)",
			       (long long)size);
	prog = malloc((size_t)size);
	if (!prog)
		return err_set(reterr, ENOMEM, "seccomp: out of memory");
	while (done < (size_t)size) {
		ssize_t n = pread(fd, (char *)prog + done, (size_t)size - done, (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return err_set(reterr, n < 0 ? errno : EIO,
				       "seccomp: cannot read back the filter");
		done += (size_t)n;
	}
	ret->len = (unsigned short)(size / sizeof(struct sock_filter));
	ret->filter = take_ptr(prog);
	return 0;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a < *(const int *)b ? -1 : *(const int *)a > *(const int *)b;
}

/* Counts deny rules on nr; with_args: only those with argument conditions. */
static size_t count_deny_rules(const struct policy_syscalls *s, int nr, bool with_args)
{
	size_t i, n = 0;

	for (i = 0; i < s->n_deny; i++)
		if (s->deny[i].nr == nr && (!with_args || s->deny[i].n_args > 0))
			n++;
	return n;
}

/*
 * True when loading filter 1 needs seccomp opened up in filter 0 (see the
 * top). Not when the policy has conditional deny rules for seccomp: filter 1
 * could not also carry the unconditional default for it (libseccomp lets an
 * unconditional rule swallow conditional ones), so the loader must get past
 * filter 0 on its own (child/seccomp.c guards the load for that).
 */
static bool loader_needs_seccomp(const struct policy_syscalls *s)
{
	int nr = SCMP_SYS(seccomp);

	return s->n_deny > 0 && s->default_action != POLICY_ACTION_ALLOW &&
	       !bsearch(&nr, s->allow, s->n_allow, sizeof(*s->allow), cmp_int) &&
	       count_deny_rules(s, nr, true) == 0;
}

static int build_allow(const struct policy_syscalls *s, struct sock_fprog *ret,
		       struct err_ctx *reterr)
{
	_cleanup_seccomp_ scmp_filter_ctx ctx =
		new_ctx(scmp_action(s->default_action, s->default_errno));
	size_t i;
	int r;

	if (!ctx)
		return err_set(reterr, ENOMEM, "seccomp: cannot create a filter");
	/* With a default of allow, ALLOW rules would only be refused as redundant. */
	for (i = 0; s->default_action != POLICY_ACTION_ALLOW && i < s->n_allow; i++) {
		r = seccomp_rule_add_exact(ctx, SCMP_ACT_ALLOW, s->allow[i], 0);
		if (r < 0)
			return err_set(reterr, -r, "seccomp: cannot allow syscall %d: %s",
				       s->allow[i], strerror(-r));
	}
	if (loader_needs_seccomp(s)) {
		r = seccomp_rule_add_exact(ctx, SCMP_ACT_ALLOW, SCMP_SYS(seccomp), 0);
		if (r < 0)
			return err_set(reterr, -r, "seccomp: cannot allow seccomp: %s",
				       strerror(-r));
	}
	return export_prog(ctx, ret, reterr);
}

static int add_deny_rule(scmp_filter_ctx ctx, const struct policy_syscall_rule *rule,
			 struct err_ctx *reterr)
{
	struct scmp_arg_cmp cmp[POLICY_MAX_ARGS];
	unsigned i;
	int r;

	if (rule->n_args > POLICY_MAX_ARGS)
		return err_set(reterr, E2BIG, "seccomp: rule for '%s' has too many conditions",
			       rule->name);
	for (i = 0; i < rule->n_args; i++) {
		const struct policy_arg *a = &rule->args[i];

		cmp[i] = (struct scmp_arg_cmp){
			.arg = a->index,
			.op = scmp_op(a->op),
			/* masked_eq: datum_a is the mask, datum_b the value */
			.datum_a = a->op == POLICY_ARG_MASKED_EQ ? a->mask : a->value,
			.datum_b = a->op == POLICY_ARG_MASKED_EQ ? a->value : 0,
		};
	}
	r = seccomp_rule_add_exact_array(ctx, scmp_action(rule->action, rule->err), rule->nr,
					 rule->n_args, cmp);
	if (r < 0)
		return err_set(reterr, -r, "seccomp: cannot add the deny rule for '%s': %s",
			       rule->name, strerror(-r));
	return 0;
}

static int build_deny(const struct policy_syscalls *s, struct sock_fprog *ret,
		      struct err_ctx *reterr)
{
	_cleanup_seccomp_ scmp_filter_ctx ctx = new_ctx(SCMP_ACT_ALLOW);
	size_t i;
	int r;

	if (!ctx)
		return err_set(reterr, ENOMEM, "seccomp: cannot create a filter");
	for (i = 0; i < s->n_deny; i++) {
		r = add_deny_rule(ctx, &s->deny[i], reterr);
		if (r < 0)
			return r;
	}
	if (loader_needs_seccomp(s) && count_deny_rules(s, SCMP_SYS(seccomp), false) == 0) {
		r = seccomp_rule_add_exact(ctx, scmp_action(s->default_action, s->default_errno),
					   SCMP_SYS(seccomp), 0);
		if (r < 0)
			return err_set(reterr, -r, "seccomp: cannot restrict seccomp: %s",
				       strerror(-r));
	}
	return export_prog(ctx, ret, reterr);
}

int policy_bpf_compile_fresh(const struct policy *p, struct policy_bpf *ret, struct err_ctx *reterr)
{
	struct policy_bpf bpf = {0};
	int r;

	if (!p || !ret)
		return err_set(reterr, EINVAL, "seccomp: invalid arguments");
	memset(ret, 0, sizeof(*ret));
	r = build_allow(&p->syscalls, &bpf.filters[0], reterr);
	if (r < 0)
		return r;
	bpf.n_filters = 1;
	if (p->syscalls.n_deny > 0) {
		r = build_deny(&p->syscalls, &bpf.filters[1], reterr);
		if (r < 0) {
			policy_bpf_release(&bpf);
			return r;
		}
		bpf.n_filters = 2;
	}
	*ret = bpf;
	return 0;
}

void policy_bpf_release(struct policy_bpf *bpf)
{
	unsigned i;

	if (!bpf)
		return;
	for (i = 0; i < ARRAY_SIZE(bpf->filters); i++)
		free(bpf->filters[i].filter);
	memset(bpf, 0, sizeof(*bpf));
}
