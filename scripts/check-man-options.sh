#!/bin/sh
# Fails, listing them, if a long option that `BINARY --help` or
# `BINARY run --help` prints is not documented in man/vmsandbox.1.
# Usage: scripts/check-man-options.sh BINARY [MANPAGE]
set -u

root=$(cd "$(dirname "$0")/.." && pwd) || exit 2
bin=${1:-}
page=${2:-$root/man/vmsandbox.1}

if [ -z "$bin" ]; then
	echo "usage: $0 BINARY [MANPAGE]" >&2
	exit 2
fi
if [ ! -x "$bin" ]; then
	echo "check-man-options: FAILED: '$bin' is not an executable file"
	exit 1
fi
if [ ! -f "$page" ]; then
	echo "check-man-options: FAILED: '$page' not found"
	exit 1
fi

# Both help texts must be printed successfully: an empty or failed --help
# would otherwise pass the check vacuously.
help=$("$bin" --help 2>&1) || {
	echo "check-man-options: FAILED: '$bin --help' exited with status $?"
	exit 1
}
run_help=$("$bin" run --help 2>&1) || {
	echo "check-man-options: FAILED: '$bin run --help' exited with status $?"
	exit 1
}

options=$(printf '%s\n%s\n' "$help" "$run_help" |
	grep -oE -e '--[A-Za-z0-9][A-Za-z0-9-]*' | sort -u)
if [ -z "$options" ]; then
	echo "check-man-options: FAILED: '$bin --help' lists no long options"
	exit 1
fi

# The page as plain text: roff minus signs and font escapes removed, so that
# "\fB\-\-policy\fP" reads "--policy".
text=$(sed -e 's/\\-/-/g' -e 's/\\&//g' -e 's/\\f[BIRP]//g' -e 's/\\f([A-Z][A-Z]//g' \
	-e 's/\\f\[[^]]*\]//g' "$page")

missing=""
count=0
for opt in $options; do
	count=$((count + 1))
	# Whole option only: "--bind" must not be satisfied by "--bind-foo".
	if ! printf '%s\n' "$text" | grep -qE -e "(^|[^A-Za-z0-9-])$opt([^A-Za-z0-9-]|\$)"; then
		missing="$missing $opt"
	fi
done

if [ -n "$missing" ]; then
	echo "check-man-options: FAILED: missing from $(basename "$page"):$missing"
	exit 1
fi
echo "check-man-options: all $count long options of --help are documented in $(basename "$page")"
