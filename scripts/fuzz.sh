#!/bin/bash
# Builds the policy-loader fuzzer (tests/fuzz/fuzz_policy.c) with clang's
# libFuzzer, ASan and UBSan, and runs it for a bounded time.
#   usage: scripts/fuzz.sh [SECONDS]      (default 60)
# Prints executions per second and the total. Exits non-zero when the fuzzer
# finds a crash, leak, timeout or out-of-memory; the input that caused it is
# kept in tests/fuzz/crashes/ so it can become a regression test:
#   build/fuzz/fuzz_policy tests/fuzz/crashes/crash-...
# New inputs go to build/fuzz/corpus-policy/; the committed seeds and the
# bad-policy corpus (tests/policies/bad/) are only read.
set -u
secs=${1:-60}
case "$secs" in
'' | *[!0-9]*) echo "fuzz.sh: SECONDS must be a whole number, got '$secs'" >&2; exit 2 ;;
esac
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
out=build/fuzz
crashes=tests/fuzz/crashes
seeds=tests/fuzz/corpus/policy
CLANG=${CLANG:-clang}

command -v "$CLANG" >/dev/null || { echo "fuzz.sh: $CLANG not found (apt-get install clang)" >&2; exit 2; }
mkdir -p "$out/corpus-policy" "$crashes" || exit 2

# The embedded default policy is data assembled by the main build.
make -s build/obj/policy/default_json.o || exit 2

# Only policy/ and common/ are linked: the loader must not need anything else.
# -Werror is left out on purpose: clang warns about things gcc does not, and
# the main build already enforces warnings on these files.
# shellcheck disable=SC2046
"$CLANG" -std=gnu11 -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-I. -Iinclude -D_GNU_SOURCE -DVMSB_VERSION='"fuzz"' -Wall -Wextra -Wno-missing-field-initializers \
	$(pkg-config --cflags libseccomp libcap jansson 2>/dev/null) \
	tests/fuzz/fuzz_policy.c policy/*.c common/*.c build/obj/policy/default_json.o \
	-lseccomp -lcap -ljansson -o "$out/fuzz_policy" || {
	echo "fuzz.sh: building the fuzz target failed" >&2
	exit 2
}

log=$(mktemp /tmp/vmsb-fuzz.XXXXXX)
trap 'rm -f "$log"' EXIT
dict=()
[ -f tests/fuzz/policy.dict ] && dict=(-dict=tests/fuzz/policy.dict)

# -timeout: one input taking over 10 s is a hang; -rss_limit_mb: a policy that
# makes the loader allocate gigabytes is a bug too. Inputs larger than the
# loader's 1 MiB bound only exercise the size check, so they stay smaller.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	"$out/fuzz_policy" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	-max_len=65536 -print_final_stats=1 -artifact_prefix="$crashes/" "${dict[@]}" \
	"$out/corpus-policy" "$seeds" tests/policies/bad >"$log" 2>&1
rc=$?

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
if [ "$rc" -ne 0 ]; then
	# The sanitizer's verdict, the frames in our own code, and where the input went.
	grep -E 'ERROR|SUMMARY|^fuzz_policy: |runtime error|#[0-9]+ .*/(policy|common|tests/fuzz)/|Test unit written' \
		"$log" | head -30 >&2
	echo "fuzz.sh: fuzz_policy FAILED (exit $rc) after ${execs:-?} executions; input saved under $crashes/" >&2
	exit 1
fi
echo "fuzz_policy: ${execs:-?} executions in ${secs} s, ${rate:-?} exec/s, no crash"
