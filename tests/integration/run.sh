#!/bin/bash
# Runs every tests/integration/t-*.sh against the real binary, as root and
# again as an unprivileged user, and prints one closing line:
#   integration: N passed, N failed, N skipped
# CI clones into a folder an unprivileged user may not enter, so everything
# the tests need is copied to a world-readable temporary directory first.
set -u
here=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-$here/../../build}
only=${1:-}

stage=$(mktemp -d /tmp/vmsb-it.XXXXXX)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/tests"
cp "$BUILD/vmsandbox" "$BUILD/vmsb" "$stage/bin/"
cp -r "$BUILD/helpers" "$stage/helpers"
cp -r "$BUILD/escape" "$stage/escape"
cp -r "$here" "$stage/tests/integration"
cp -r "$here/../fixtures" "$stage/tests/fixtures"
cp -r "$here/../policies" "$stage/tests/policies"
cp -r "$here/../../policy/examples" "$stage/examples"
chmod -R a+rX "$stage"
chmod 0755 "$stage"

pass=0 fail=0 skip=0
failed_names=()

run_one() { # MODE FILE
	local mode=$1 file=$2 name out line
	name="$(basename "$file" .sh) [$mode]"
	out=$(mktemp /tmp/vmsb-it-out.XXXXXX)
	chmod 0666 "$out"
	if [ "$mode" = root ]; then
		(cd "$stage" && VMSB_AS=root VMSB_STAGE="$stage" bash "$stage/tests/integration/$(basename "$file")") >"$out" 2>&1
	else
		(cd "$stage" && setpriv --reuid=65534 --regid=65534 --clear-groups --reset-env \
			env VMSB_AS=user VMSB_STAGE="$stage" PATH=/usr/bin:/bin \
			bash "$stage/tests/integration/$(basename "$file")") >"$out" 2>&1
	fi
	while IFS= read -r line; do
		case "$line" in
		"not ok"*) fail=$((fail + 1)); failed_names+=("$name: ${line#not ok }"); echo "$name: $line" ;;
		"ok "*"# SKIP"*)
			if [ "${VMSB_MUST_WORK:-0}" = 1 ]; then
				fail=$((fail + 1)); failed_names+=("$name: skipped under VMSB_MUST_WORK: $line")
			else skip=$((skip + 1)); fi
			echo "$name: $line" ;;
		"ok "*) pass=$((pass + 1)); echo "$name: $line" ;;
		"#"*) echo "$name: $line" ;;
		esac
	done <"$out"
	local planned ran
	planned=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$out" | head -1)
	ran=$(grep -cE '^(not )?ok ' "$out")
	if [ -z "$planned" ] || [ "$planned" != "$ran" ]; then
		fail=$((fail + 1)); failed_names+=("$name: planned ${planned:-no plan}, ran $ran (script crashed?)")
		sed 's/^/    /' "$out" | tail -20
	fi
	rm -f "$out"
}

# VMSB_EXCLUDE: names of suites that do not apply to this build, e.g. valgrind
# over an AddressSanitizer binary (make asan); they are not run at all.
excluded() {
	local word
	for word in ${VMSB_EXCLUDE:-}; do
		[[ "$(basename "$1")" == "t-$word.sh" ]] && return 0
	done
	return 1
}

for file in "$here"/t-*.sh; do
	[ -n "$only" ] && [[ "$(basename "$file")" != *"$only"* ]] && continue
	excluded "$file" && { echo "# $(basename "$file"): excluded for this build"; continue; }
	run_one root "$file"
	run_one user "$file"
done

if [ ${#failed_names[@]} -gt 0 ]; then
	echo "failures:"
	printf '  %s\n' "${failed_names[@]}"
fi
echo "integration: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
