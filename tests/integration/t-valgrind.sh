#!/bin/bash
# Valgrind (memcheck) on the supervisor: `vmsandbox check` of valid and bad
# policies, a policy error, and full runs; no definite or indirect leak and no
# invalid access may be reported for the supervisor process.
#
# Valgrind 3.19 (Debian 12) implements neither seccomp(2) nor clone3(2). A
# small LD_PRELOAD shim built here answers libseccomp's feature probes as this
# kernel would (so the supervisor can compile its filters) and, only where the
# supervisor does not fall back by itself, turns clone3 into clone. The
# instance's own setup runs in the valgrind-hosted copy of the process until
# execve, and valgrind 3.19 lacks openat2, the new mount API and Landlock, so
# under valgrind every instance ends in a setup error at its mount stage: the
# supervisor's path for a program that ran to the end is covered by `make
# asan`, not here.
. "$(dirname "$0")/lib.sh"
plan 7
export LC_ALL=C

if ! command -v valgrind >/dev/null || ! command -v cc >/dev/null; then
	for ((i = 0; i < 7; i++)); do skip "valgrind" "valgrind or cc is not installed"; done
	exit 0
fi

# Valid policies: policy/examples when the runner stages them, and the valid fixtures.
valid=()
for f in "$VMSB_STAGE"/examples/*.json "$FIXTURES"/seccomp/*.json "$FIXTURES"/cli/base.json \
	"$FIXTURES"/policies/limits-only.json; do
	[ -f "$f" ] && valid+=("$f")
done
[ -d "$VMSB_STAGE/examples" ] ||
	diag "policy/examples is not in the stage: checking the valid fixtures only"
# Bad ones: every 10th of the hostile corpus (the big ones are the corpus runner's business).
bad=()
n=0
for f in "$VMSB_STAGE"/tests/policies/bad/*.json "$FIXTURES"/policies/{duplicate-key,syntax-error,unknown-key}.json; do
	[ -f "$f" ] && [ "$(stat -c %s "$f")" -lt 65536 ] || continue
	[ $((n++ % 10)) = 0 ] || [[ "$f" == "$FIXTURES"/* ]] && bad+=("$f")
done

SHIM="$WORK/vgshim.so"
cat >"$WORK/vgshim.c" <<'EOF'
/* Stand-ins for the system calls valgrind 3.19 does not implement. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

typedef long (*syscall_fn)(long, ...);

static long fail(int e)
{
	errno = e;
	return -1;
}

/* libseccomp's probes get the answers of a current kernel; filters load through prctl. */
static long fake_seccomp(syscall_fn next, long op, long flags, void *arg)
{
	switch (op) {
	case SECCOMP_SET_MODE_STRICT:
		return fail(EINVAL);
	case SECCOMP_GET_ACTION_AVAIL:
		return 0;
	case SECCOMP_SET_MODE_FILTER:
		if (!arg)
			return fail(EFAULT);
		if (flags)
			return fail(EINVAL);
		return next(SYS_prctl, PR_SET_SECCOMP, SECCOMP_MODE_FILTER, arg, 0L, 0L);
	default:
		return fail(EINVAL);
	}
}

/* clone3 as clone, for the flags clone can carry; anything else stays ENOSYS. */
static long fake_clone3(syscall_fn next, const struct clone_args *a, size_t size)
{
	if (size < sizeof(*a) || (a->flags >> 32) || a->stack || a->set_tid_size || a->exit_signal > 64)
		return fail(ENOSYS);
	return next(SYS_clone, (long)(a->flags | a->exit_signal), 0L, (long)a->pidfd,
		    (long)a->child_tid, (long)a->tls);
}

long syscall(long nr, ...)
{
	static syscall_fn next;
	long a[6];
	va_list ap;

	va_start(ap, nr);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (!next)
		next = (syscall_fn)dlsym(RTLD_NEXT, "syscall");
	if (nr == SYS_seccomp)
		return fake_seccomp(next, a[0], a[1], (void *)a[2]);
	if (nr == SYS_clone3 && getenv("VG_SHIM_CLONE3"))
		return fake_clone3(next, (const struct clone_args *)a[0], (size_t)a[1]);
	return next(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}
EOF
if ! cc -shared -fPIC -O1 -Wall -o "$SHIM" "$WORK/vgshim.c" -ldl 2>"$WORK/cc.err"; then
	for ((i = 0; i < 7; i++)); do skip "valgrind" "cannot build the syscall shim: $(head -1 "$WORK/cc.err")"; done
	exit 0
fi

# vg ARGS...: vmsandbox ARGS under memcheck; RC, OUT, ERR as vrun, the supervisor's log in LOG.
vg() {
	local pid
	LD_PRELOAD="$SHIM" valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect \
		--error-exitcode=99 --trace-children=no --child-silent-after-fork=yes \
		--log-file="$WORK/vg.%p.log" "$VMSB" "$@" >"$WORK/vg.out" 2>"$WORK/vg.err" </dev/null &
	pid=$!
	wait "$pid"
	RC=$?
	OUT=$(cat "$WORK/vg.out")
	ERR=$(cat "$WORK/vg.err")
	LOG="$WORK/vg.$pid.log"
}

# clean: the last vg's supervisor had no memcheck error and no definite or
# indirect leak; otherwise prints why.
clean() {
	local summary
	if [ ! -s "$LOG" ]; then
		echo "no valgrind log (exit $RC): $(head -c 300 <<<"$ERR")"
		return 1
	fi
	summary=$(grep -E 'ERROR SUMMARY|definitely lost|indirectly lost|All heap blocks' "$LOG" |
		sed 's/^==[0-9]*== *//')
	if [ "$RC" = 99 ] || ! grep -q 'ERROR SUMMARY: 0 errors' <<<"$summary" ||
		grep -qE '(definitely|indirectly) lost: [1-9]' <<<"$summary"; then
		echo "exit $RC, $(tr '\n' ';' <<<"$summary")"
		grep -E '^==[0-9]+== +(Invalid|Conditional|Use of|Syscall param|[0-9,]+ bytes in)|^==[0-9]+== +(at|by) ' "$LOG" | head -20
		return 1
	fi
}

# check_all DESC WANT FILES...: `check` of each file exits WANT and is clean;
# valid ones are also printed back (--print), which walks the whole policy.
check_all() {
	local desc=$1 want=$2 f opt why="" w
	shift 2
	for f in "$@"; do
		for opt in "" $([ "$want" = 0 ] && echo --print); do
			vg check $opt "$f"
			if ! w=$(clean); then
				why+="${f##*/} $opt: $w"$'\n'
			elif [ "$RC" != "$want" ]; then
				why+="${f##*/} $opt: exit $RC, want $want: $(head -c 200 <<<"$ERR")"$'\n'
			fi
		done
	done
	check "$desc" test -z "$why"
	[ -n "$why" ] && diag "$why"
}

check_all "check: ${#valid[@]} valid policies exit 0, no leak, no invalid access" 0 "${valid[@]}"
check_all "check: ${#bad[@]} bad policies exit 125, no leak, no invalid access" 125 "${bad[@]}"

# Without clone3 emulation first: does the supervisor get by on its own?
vg run -- /bin/true
why=$(clean)
check "run, clone3 ENOSYS: the supervisor's failure path is clean (exit $RC)" test -z "$why"
[ -n "$why" ] && diag "$why"
if grep -q "cannot create the instance's namespaces: Function not implemented" <<<"$ERR"; then
	skip "run, clone3 ENOSYS: the supervisor falls back to clone()" \
		"it has no fallback yet; the shim turns clone3 into clone for the runs below"
	export VG_SHIM_CLONE3=1
else
	# Under valgrind the instance then stops at its mount stage, or runs through.
	check "run, clone3 ENOSYS: the supervisor falls back to clone() (exit $RC)" \
		grep -qE '^0$|setup failed at' <<<"$RC"$'\n'"$ERR"
fi

R="$WORK/report.json"
# run_clean DESC WANT-EXITS WANT-STATUSES ARGS...: a full run is clean and its report agrees
# ("any": the report is only shown; whether one is written whatever the timing is t-faults' part).
run_clean() {
	local desc=$1 exits=$2 statuses=$3 why status
	shift 3
	rm -f "$R"
	vg run --report "$R" "$@"
	why=$(clean)
	status=$(json "$R" 'd["status"]' 2>/dev/null)
	if [ -z "$why" ] && ! grep -qw -- "$RC" <<<"$exits"; then
		why="exit $RC, want one of $exits: $(head -c 300 <<<"$ERR")"
	elif [ -z "$why" ] && [ "$statuses" != any ] && ! grep -qw -- "${status:-none}" <<<"$statuses"; then
		why="report status ${status:-missing}, want one of $statuses; stderr: $(head -c 300 <<<"$ERR")"
	fi
	check "$desc (exit $RC, ${status:-no report})" test -z "$why"
	[ -n "$why" ] && diag "$why"
	if [ "$status" = setup_error ]; then
		diag "under valgrind: $(json "$R" 'd["error"]["stage"] + ": " + d["error"]["message"]')"
	elif [ -z "$status" ]; then
		diag "no report written: $(head -c 200 <<<"$ERR")"
	fi
}

run_clean "run -- /bin/true: clean" "0 125" any -- /bin/true
run_clean "run -- sh -c 'exit 3': clean" "3 125" any -- /bin/sh -c 'exit 3'
run_clean "run with a policy error: clean" "125" "policy_error" \
	-p "$FIXTURES/policies/unknown-key.json" -- /bin/true
exit 0
