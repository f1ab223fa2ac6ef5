#!/bin/bash
# Builds every libFuzzer target tests/fuzz/fuzz_*.c with clang, ASan and UBSan,
# and runs each for a bounded time:
#   fuzz_policy  the policy loader (JSON text to validated policy)
#   fuzz_wire    the broker frame decoder (one datagram to a message)
#   usage: scripts/fuzz.sh [SECONDS] [TARGET...]   (default 60 s each, all targets)
# Prints executions per second and the total for each target. Exits non-zero
# when a fuzzer finds a crash, leak, timeout or out-of-memory (the others still
# run); the input that caused it is kept in tests/fuzz/crashes/ so it can
# become a regression test:
#   build/fuzz/fuzz_policy tests/fuzz/crashes/crash-...
# New inputs go to build/fuzz/corpus-NAME/; the committed seeds
# (tests/fuzz/corpus/NAME/) and the bad-policy corpus are only read.
set -u
secs=${1:-60}
case "$secs" in
'' | *[!0-9]*) echo "fuzz.sh: SECONDS must be a whole number, got '$secs'" >&2; exit 2 ;;
esac
shift $(($# > 0 ? 1 : 0))
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
out=build/fuzz
crashes=tests/fuzz/crashes
CLANG=${CLANG:-clang}

command -v "$CLANG" >/dev/null || { echo "fuzz.sh: $CLANG not found (apt-get install clang)" >&2; exit 2; }
mkdir -p "$out" "$crashes" || exit 2
log=
trap 'rm -f "$log"' EXIT

# What each target links and how it runs. A target without an entry here is an
# error, so a new tests/fuzz/fuzz_*.c cannot be skipped silently.
#   srcs: only the code under test (the policy loader needs policy/ and
#   common/, the decoder common/wire*.c alone); extra: read-only inputs besides
#   the seeds; max_len: inputs larger than the code's own size bound only
#   exercise that bound, so they stay a little above it.
target_config() {
	case "$1" in
	fuzz_policy)
		# The embedded default policy is data assembled by the main build.
		make -s build/obj/policy/default_json.o || return 1
		srcs=(policy/*.c common/*.c build/obj/policy/default_json.o)
		libs=(-lseccomp -lcap -ljansson)
		extra=(tests/policies/bad)
		max_len=65536
		;;
	fuzz_wire)
		srcs=(common/wire*.c common/err.c)
		libs=()
		extra=()
		max_len=8192
		;;
	*)
		echo "fuzz.sh: no build recipe for tests/fuzz/$1.c; add one to target_config" >&2
		return 1
		;;
	esac
}

# -Werror is left out on purpose: clang warns about things gcc does not, and
# the main build already enforces warnings on these files.
build_target() {
	# shellcheck disable=SC2046
	"$CLANG" -std=gnu11 -g -O1 -fno-omit-frame-pointer \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-I. -Iinclude -D_GNU_SOURCE -DVMSB_VERSION='"fuzz"' -Wall -Wextra \
		-Wno-missing-field-initializers \
		$(pkg-config --cflags libseccomp libcap jansson 2>/dev/null) \
		"tests/fuzz/$1.c" "${srcs[@]}" "${libs[@]}" -o "$out/$1"
}

run_target() {
	local name=$1 short=${1#fuzz_} rc execs rate dict=()

	target_config "$name" || return 1
	build_target "$name" || {
		echo "fuzz.sh: building the fuzz target $name failed" >&2
		return 1
	}
	mkdir -p "$out/corpus-$short" || return 1
	[ -f "tests/fuzz/$short.dict" ] && dict=(-dict="tests/fuzz/$short.dict")
	log=$(mktemp /tmp/vmsb-fuzz.XXXXXX)
	# -timeout: one input taking over 10 s is a hang; -rss_limit_mb: an input
	# that makes the code allocate gigabytes is a bug too.
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
		"$out/$name" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-max_len="$max_len" -print_final_stats=1 -artifact_prefix="$crashes/" "${dict[@]}" \
		"$out/corpus-$short" "tests/fuzz/corpus/$short" "${extra[@]}" >"$log" 2>&1
	rc=$?

	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	if [ "$rc" -ne 0 ]; then
		# The sanitizer's verdict, the frames in our own code, and where the input went.
		grep -E "ERROR|SUMMARY|^$name: |runtime error|#[0-9]+ .*/(policy|common|tests/fuzz)/|Test unit written" \
			"$log" | head -30 >&2
		echo "fuzz.sh: $name FAILED (exit $rc) after ${execs:-?} executions; input saved under $crashes/" >&2
		rm -f "$log"
		return 1
	fi
	rm -f "$log"
	echo "$name: ${execs:-?} executions in ${secs} s, ${rate:-?} exec/s, no crash"
}

targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
	for f in tests/fuzz/fuzz_*.c; do
		targets+=("$(basename "$f" .c)")
	done
fi
failed=0
for t in "${targets[@]}"; do
	run_target "$t" || failed=1
done
exit "$failed"
