#!/bin/bash
# Broker round trip: `vmsb ping -n N` in a real instance against a raw
# SOCK_SEQPACKET ping-pong between two processes (bench/ping.c), interleaved
# in one run. Prints markdown on stdout. See bench/README.md.
#
#   bench/ping.sh [VMSANDBOX]       (make bench passes build/vmsandbox; vmsb must be next to it)
#   N=20000 ROUNDS=7 WARMUP=1000 AS=both|root|user PLACES="free cpu0" bench/ping.sh build/vmsandbox
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
SB_SRC=$(realpath "${1:-$REPO/build/vmsandbox}")
N=${N:-20000}
ROUNDS=${ROUNDS:-7}
WARMUP=${WARMUP:-1000}
AS=${AS:-both}
PLACES=${PLACES:-free cpu0}
BUILD_DIR=$(dirname "$SB_SRC")
PING=$BUILD_DIR/bench/ping
NOBODY=65534

die() { echo "ping.sh: $*" >&2; exit 1; }

[ -x "$SB_SRC" ] || die "'$SB_SRC' is not an executable (run: make)"
[ -x "$BUILD_DIR/vmsb" ] || die "'$BUILD_DIR/vmsb' is missing (run: make)"
[ -x "$PING" ] || die "'$PING' is missing (run: make bench, or see bench/README.md)"

# World-readable copies, so that the unprivileged run can reach them; vmsandbox
# bind-mounts the vmsb found next to itself at /run/vmsandbox/vmsb.
STAGE=$(mktemp -d /tmp/vmsb-bench.XXXXXX)
trap 'rm -rf "$STAGE"' EXIT
cp "$SB_SRC" "$STAGE/vmsandbox"
cp "$BUILD_DIR/vmsb" "$STAGE/vmsb"
cp "$PING" "$STAGE/ping"
cp "$REPO/policy/examples/broker-demo.json" "$STAGE/broker-demo.json"
chmod -R a+rX "$STAGE"
cd "$STAGE"

as_user() {
	if [ "$MODE" = user ] && [ "$(id -u)" = 0 ]; then
		setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups \
			env -i PATH=/usr/bin:/bin HOME=/ "$@"
	else
		"$@"
	fi
}

# median_of FILE: the median of the numbers in FILE, one per line.
median_of() {
	sort -g "$1" | awk '{ v[NR] = $1 } END {
		if (NR == 0) exit 1
		if (NR % 2) printf "%.2f", v[(NR + 1) / 2]
		else printf "%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# measure raw|epoll|vmsb: one run; prints its median_us (and checks it ran).
measure() {
	local out pin=()
	[ "$PLACE" = cpu0 ] && pin=(taskset -c 0)
	case $1 in
	raw) out=$(as_user "${pin[@]}" "$STAGE/ping" -n "$N" -w "$WARMUP") ;;
	epoll) out=$(as_user "${pin[@]}" "$STAGE/ping" -e -n "$N" -w "$WARMUP") ;;
	vmsb) out=$(as_user "${pin[@]}" "$STAGE/vmsandbox" run -p "$STAGE/broker-demo.json" -- \
		/run/vmsandbox/vmsb ping -n "$N") ;;
	esac || die "$MODE: $1 failed: $out"
	grep -q "^count=$N\$" <<<"$out" || die "$MODE: $1: no count=$N in: $out"
	sed -n 's/^median_us=//p' <<<"$out" | tail -n1
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# One table: ROUNDS rounds of the three variants, the order rotating each round
# so that none always runs first or after the same neighbour.
bench_place() {
	local i k v order=(raw epoll vmsb) seq=() raw epoll vm
	declare -A got
	for v in raw epoll vmsb; do : >"$STAGE/$v.$MODE.$PLACE"; done
	echo "| round | order | raw µs | raw, broker's syscalls (-e) µs | vmsb ping µs | vmsb / raw |"
	echo "|--:|---|--:|--:|--:|--:|"
	for ((i = 0; i < ROUNDS; i++)); do
		seq=()
		for ((k = 0; k < 3; k++)); do seq+=("${order[(i + k) % 3]}"); done
		for v in "${seq[@]}"; do
			got[$v]=$(measure "$v")
			echo "${got[$v]}" >>"$STAGE/$v.$MODE.$PLACE"
		done
		echo "| $((i + 1)) | ${seq[*]} | ${got[raw]} | ${got[epoll]} | ${got[vmsb]} |" \
			"$(ratio "${got[vmsb]}" "${got[raw]}") |"
	done
	raw=$(median_of "$STAGE/raw.$MODE.$PLACE")
	epoll=$(median_of "$STAGE/epoll.$MODE.$PLACE")
	vm=$(median_of "$STAGE/vmsb.$MODE.$PLACE")
	echo "| **median of medians** | | **$raw** | **$epoll** ($(ratio "$epoll" "$raw")×)" \
		"| **$vm** | **$(ratio "$vm" "$raw")** |"
	echo
	awk -v a="$vm" -v b="$raw" 'BEGIN { r = a / b
		printf "Target (vmsb ping at most 1.5x the raw round trip): **%s** (%.2fx).\n",
			r <= 1.5 ? "met" : "missed", r }'
	echo
}

bench_mode() {
	echo "### As $MODE$([ "$MODE" = user ] && echo " (uid $NOBODY via setpriv)")"
	echo
	for PLACE in $PLACES; do
		case $PLACE in
		free) echo "**Placement free**: the scheduler places the processes." ;;
		cpu0) echo "**Placement cpu0**: everything pinned to CPU 0 (\`taskset -c 0\`)." ;;
		*) die "unknown placement '$PLACE' (free, cpu0)" ;;
		esac
		echo
		bench_place
	done
}

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
echo "## vmsandbox broker round trip"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "- kernel: $(uname -r), $(uname -m); CPU: $cpu, $(nproc) cores online"
echo "- vmsandbox: $("$STAGE/vmsandbox" --version 2>/dev/null | head -n1)"
echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- $ROUNDS rounds per table, each: \`ping -n $N -w $WARMUP\`, \`ping -e -n $N -w $WARMUP\`" \
	"and \`vmsandbox run -p broker-demo.json -- /run/vmsandbox/vmsb ping -n $N\`," \
	"in rotating order; each figure is the median of one run's per-round-trip times"
echo

if [ "$(id -u)" = 0 ] && [ "$AS" != user ]; then
	MODE=root
	bench_mode
fi
if [ "$AS" != root ]; then
	MODE=user
	bench_mode
fi
