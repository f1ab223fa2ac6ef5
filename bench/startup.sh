#!/bin/bash
# Start-up benchmark: /bin/true under vmsandbox's default policy against bare
# posix_spawn and bubblewrap, plus cgroup limits on/off and the time from a
# limit hit to the instance being gone. Prints markdown on stdout.
#
#   bench/startup.sh [VMSANDBOX]          (make bench passes build/vmsandbox)
#   RUNS=300 WARMUP=30 ISO_RUNS=100 GAP_MS=50 AS=both|root|user bench/startup.sh build/vmsandbox
#
# The timing is done by bench/startup.c (compiled here next to VMSANDBOX), so
# no shell is in the measured path. See bench/README.md.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
VMSB=$(realpath "${1:-$REPO/build/vmsandbox}")
RUNS=${RUNS:-300}
WARMUP=${WARMUP:-30}
AS=${AS:-both}
HARNESS=$(dirname "$VMSB")/bench/startup
NOBODY=65534

die() { echo "startup.sh: $*" >&2; exit 1; }
note() { echo "startup.sh: $*" >&2; }

[ -x "$VMSB" ] || die "'$VMSB' is not an executable (run: make build/vmsandbox)"
command -v bwrap >/dev/null || die "bwrap not found (apt-get install bubblewrap)"

mkdir -p "$(dirname "$HARNESS")"
gcc -std=gnu11 -O2 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wswitch-enum -Wvla -D_GNU_SOURCE -I"$REPO" \
	"$REPO/bench/startup.c" -lm -o "$HARNESS"

# Binaries are staged in a world-readable directory so that the unprivileged
# run can reach them; payload/ is bound read-only into instances at /opt/bench.
STAGE=$(mktemp -d /tmp/vmsb-bench.XXXXXX)
trap 'rm -rf "$STAGE"' EXIT
mkdir "$STAGE/payload"
cp "$VMSB" "$STAGE/vmsandbox"
cp "$HARNESS" "$STAGE/startup"
cp "$HARNESS" "$STAGE/payload/startup"
# Limits that need a cgroup switched off; the wall and output limits stay
# (they are enforced by the supervisor and cost nothing at start).
cat >"$STAGE/nocgroup.json" <<'EOF'
{ "version": 1, "name": "bench-nocgroup",
  "limits": { "memory": 0, "pids": 0, "cpus": 0, "cpu_time": 0 } }
EOF
chmod -R a+rX "$STAGE"
cd "$STAGE"

SB="$STAGE/vmsandbox"
BWRAP=(bwrap --unshare-user --unshare-pid --unshare-net --unshare-ipc --unshare-uts
	--unshare-cgroup --ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/lib /lib
	--symlink usr/lib64 /lib64 --symlink usr/sbin /sbin --proc /proc --dev /dev
	--tmpfs /tmp --die-with-parent)
GAP_MS=${GAP_MS:-50}
ISO_RUNS=${ISO_RUNS:-100}
B2B="**Back to back**: each run starts as soon as the previous one has ended."
ISOLATED="**Isolated**: ${GAP_MS} ms idle before each run, as for a lone invocation."
CG_OFF="vmsandbox, no cgroup limits (-p nocgroup.json)"
CG_ON="vmsandbox, cgroup limits (same + --memory-limit 256M --pids-limit 64)"
HOG=(--ro-bind "$STAGE/payload:/opt/bench" -- /opt/bench/startup --hog 1024)

# as_user CMD...: runs CMD as root or as nobody, per $MODE.
as_user() {
	if [ "$MODE" = user ] && [ "$(id -u)" = 0 ]; then
		setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups \
			env -i PATH=/usr/bin:/bin HOME=/ "$@"
	else
		"$@"
	fi
}

# add NAME EXPECT [OPT...] -- CMD...: adds a variant if one probe run ends with
# status EXPECT ("nonzero" for any failure); otherwise says why it is left out,
# so that a supervisor still missing a feature does not stop the benchmark.
add() {
	local name=$1 expect=$2 rc=0 opts=()
	shift 2
	while [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	shift
	as_user "$@" >/dev/null 2>"$STAGE/probe.err" </dev/null || rc=$?
	if [ "$expect" = nonzero ] && [ "$rc" != 0 ] || [ "$rc" = "$expect" ]; then
		VARIANTS+=(::: "$name" "exit=$expect" "${opts[@]}" -- "$@")
	else
		note "$MODE: leaving out '$name': exit $rc, expected $expect: $(head -c 300 "$STAGE/probe.err")"
		SKIPPED+=("$name (exit $rc, expected $expect)")
	fi
}

# start_variants OPT...: bare, bwrap and vmsandbox (plus the cgroup pair as
# root), sharing the harness options OPT (a group, a gap).
start_variants() {
	add bare 0 "$@" -- /bin/true
	add bwrap 0 "$@" -- "${BWRAP[@]}" /bin/true
	add vmsandbox 0 "$@" -- "$SB" run -- /bin/true
	if [ "$MODE" = root ]; then
		add "$CG_OFF" 0 "$@" -- "$SB" run -p "$STAGE/nocgroup.json" -- /bin/true
		add "$CG_ON" 0 "$@" -- \
			"$SB" run -p "$STAGE/nocgroup.json" --memory-limit 256M --pids-limit 64 -- /bin/true
	fi
}

bench_mode() {
	VARIANTS=() SKIPPED=()
	start_variants "group=$B2B"
	start_variants "group=$ISOLATED" "gap=$GAP_MS" "runs=$ISO_RUNS"
	if [ "$MODE" = root ]; then
		add "memory: 1 GiB touched under --memory-limit 64M" 137 stamp runs=60 -- \
			"$SB" run -p "$STAGE/nocgroup.json" --memory-limit 64M "${HOG[@]}"
	else
		add "memory: 1 GiB touched under --memory-limit 64M" nonzero stamp runs=60 -- \
			"$SB" run --memory-limit 64M "${HOG[@]}"
	fi
	add "wall: sleep 100 under --time-limit 200ms" 124 minus=200 runs=30 -- \
		"$SB" run --time-limit 200ms -- /bin/sleep 100

	local cmp=()
	if [[ " ${VARIANTS[*]} " == *" $CG_ON "* && " ${VARIANTS[*]} " == *" $CG_OFF "* ]]; then
		cmp=(-c "$CG_OFF::$CG_ON")
	fi
	echo "### As $MODE$([ "$MODE" = user ] && echo " (uid $NOBODY via setpriv)")"
	as_user "$STAGE/startup" -n "$RUNS" -w "$WARMUP" -r bare -r bwrap "${cmp[@]}" "${VARIANTS[@]}"
	for s in "${SKIPPED[@]}"; do
		echo
		echo "Not measured: $s."
	done
	echo
}

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
echo "## vmsandbox start-up benchmark"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "- kernel: $(uname -r), $(uname -m)"
echo "- CPU: $cpu, $(nproc) cores online"
echo "- vmsandbox: $("$VMSB" --version 2>/dev/null | head -n1), bwrap: $(bwrap --version)"
echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- runs: $RUNS back to back and $ISO_RUNS isolated per start-up variant," \
	"after $WARMUP warm-up rounds, in shuffled rounds"
echo

if [ "$(id -u)" = 0 ] && [ "$AS" != user ]; then
	MODE=root
	bench_mode
fi
if [ "$AS" != root ]; then
	MODE=user
	bench_mode
fi
