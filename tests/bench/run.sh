#!/bin/sh
# `make bench`: runs every tests/bench/bench-*.sh against the adsctl of a
# build folder (default: build) and prints their reports. Each script gets
# ADSCTL (the binary) and BENCH_DIR (this folder) in its environment and
# exits non-zero when it misses its target.
set -u
BUILD=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
ADSCTL=$(cd "$BUILD" && pwd)/src/adsctl
export ADSCTL BENCH_DIR="$here"
if [ ! -x "$ADSCTL" ]; then
	echo "run.sh: no adsctl in $BUILD (build first)" >&2
	exit 1
fi
status=0
for script in "$here"/bench-*.sh; do
	[ -f "$script" ] || continue
	echo "== $(basename "$script" .sh)"
	sh "$script" || status=1
done
exit $status
