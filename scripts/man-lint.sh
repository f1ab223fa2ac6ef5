#!/bin/sh
# Lints every man page in man/ (man/*.[0-9]). Uses mandoc -Tlint and fails on
# any message at warning level or above; falls back to groff -ww when mandoc
# is missing, failing on any warning groff prints.
# Usage: scripts/man-lint.sh [PAGE...]   (default: every man/*.[0-9])
set -u

cd "$(dirname "$0")/.." || exit 2

if [ "$#" -eq 0 ]; then
	set -- man/*.[0-9]
	if [ ! -e "$1" ]; then
		echo "man-lint: FAILED: no man pages found in man/"
		exit 1
	fi
fi

if command -v mandoc >/dev/null 2>&1; then
	tool=mandoc
elif command -v groff >/dev/null 2>&1; then
	tool=groff
else
	echo "man-lint: FAILED: neither mandoc nor groff is installed"
	exit 1
fi

failed=0
for page in "$@"; do
	if [ ! -f "$page" ]; then
		echo "man-lint: $page: no such file"
		failed=$((failed + 1))
		continue
	fi
	if [ "$tool" = mandoc ]; then
		out=$(mandoc -Tlint -W warning "$page" 2>&1)
		rc=$?
	else
		# groff exits 0 on warnings: the output is the verdict.
		out=$(groff -man -ww -z "$page" 2>&1)
		rc=$?
	fi
	if [ "$rc" -ne 0 ] || [ -n "$out" ]; then
		printf '%s\n' "$out"
		failed=$((failed + 1))
	fi
done

if [ "$failed" -ne 0 ]; then
	echo "man-lint: FAILED: $failed of $# page(s) have warnings ($tool)"
	exit 1
fi
echo "man-lint: $# page(s) clean ($tool)"
