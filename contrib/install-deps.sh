#!/bin/sh
# Installs the Debian 12 packages adsctl needs to build, test and fuzz.
# Run as root (or through sudo). Safe to run again: apt skips what is there.
set -eu

PKGS="build-essential cmake pkg-config git ca-certificates curl
libcurl4-openssl-dev libyaml-dev libjansson-dev libpcre2-dev libgit2-dev
libcmocka-dev libssl-dev libmicrohttpd-dev
clang libclang-rt-14-dev valgrind mandoc python3 python3-yaml procps
wrk"

if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		exec sudo "$0" "$@"
	fi
	echo "install-deps: run as root (apt-get needs it)" >&2
	exit 1
fi

# Node.js and npm, for the test that drives Meta's Node SDK against the
# emulator (tests/sdk), only when the machine has none: a Node.js of its
# own (from NodeSource, say) is kept, Debian's would conflict with it.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	PKGS="$PKGS nodejs npm"
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends $PKGS
