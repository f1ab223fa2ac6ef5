# TAP helpers for integration tests; sourced by each t-*.sh.
# VMSB_AS is "root" or "user"; VMSB_STAGE holds bin/, helpers/, tests/.
set -u
VMSB="$VMSB_STAGE/bin/vmsandbox"
HELPERS="$VMSB_STAGE/helpers"
FIXTURES="$VMSB_STAGE/tests/fixtures"
HB="--ro-bind $HELPERS:/opt/helpers"
_t=0
WORK=$(mktemp -d /tmp/vmsb-t.XXXXXX)
chmod 0755 "$WORK"
trap 'rm -rf "$WORK"' EXIT

plan() { echo "1..$1"; }
ok() { _t=$((_t + 1)); echo "ok $_t - $*"; }
not_ok() { _t=$((_t + 1)); echo "not ok $_t - $*"; }
skip() { _t=$((_t + 1)); echo "ok $_t - $1 # SKIP $2"; }
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }

# check DESC CONDITION-COMMAND...: ok when the command succeeds.
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# vrun ARGS...: runs vmsandbox, leaving stdout in $OUT, stderr in $ERR, status in $RC.
vrun() {
	local o e
	o=$(mktemp "$WORK/out.XXXXXX")
	e=$(mktemp "$WORK/err.XXXXXX")
	"$VMSB" "$@" >"$o" 2>"$e" </dev/null
	RC=$?
	OUT=$(cat "$o")
	ERR=$(cat "$e")
	rm -f "$o" "$e"
}

# expect DESC CODE [GREP-IN-STDERR]: checks the last vrun.
expect() {
	local desc=$1 code=$2 pattern=${3:-}
	if [ "$RC" != "$code" ]; then
		not_ok "$desc (exit $RC, want $code)"
		diag "stdout: $OUT" "stderr: $ERR"
		return
	fi
	if [ -n "$pattern" ] && ! grep -qE -- "$pattern" <<<"$ERR"; then
		not_ok "$desc (stderr lacks /$pattern/)"
		diag "stderr: $ERR"
		return
	fi
	ok "$desc"
}

# expect_out DESC EXPECTED: stdout of the last vrun equals EXPECTED.
expect_out() {
	if [ "$OUT" = "$2" ] && [ "$RC" = 0 ]; then ok "$1"; else
		not_ok "$1"
		diag "want: $2" "got (exit $RC): $OUT" "stderr: $ERR"
	fi
}

# json FILE EXPR: prints a field of a JSON report with python3 (jq may be absent).
json() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {"d": d}))' "$1" "$2"
}

# checkv DESC COMMAND...: check, showing the last vrun when it fails.
checkv() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else
		not_ok "$desc"
		diag "exit $RC" "stdout: $OUT" "stderr: $ERR"
	fi
}

# has ERE: the last vrun's stdout matches.
has() { grep -qE -- "$1" <<<"$OUT"; }

# broker_store: this suite's own register store, as STORE=(--store FILE) for
# vrun, with XDG_STATE_HOME in $WORK so the default store is private too.
broker_store() {
	export XDG_STATE_HOME="$WORK/state"
	mkdir -p "$XDG_STATE_HOME"
	STORE=(--store "$WORK/registers.db")
}
