#!/bin/sh
# Installs the Debian packages vmsandbox needs to build and test, only those
# missing. Idempotent; uses sudo when not root.
set -eu

PACKAGES="build-essential pkg-config libseccomp-dev libcap-dev libnl-3-dev libnl-route-3-dev \
libjansson-dev libcriterion-dev libsqlite3-dev mandoc bubblewrap util-linux iproute2 procps \
clang clang-format libclang-rt-14-dev python3 valgrind"

missing=""
for pkg in $PACKAGES; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	case "$status" in
	"install ok installed") ;;
	*) missing="$missing $pkg" ;;
	esac
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
else
	echo "install-deps: missing packages:$missing (run as root or install sudo)" >&2
	exit 1
fi

echo "install-deps: installing$missing" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
