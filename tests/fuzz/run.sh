#!/bin/sh
# `make fuzz`: runs every libFuzzer target for FUZZ_SECONDS (default 60)
# on a copy of its corpus. New crashing inputs are left in the build folder.
set -eu
BUILD=${1:-build-fuzz}
SECONDS_EACH=${FUZZ_SECONDS:-60}
here=$(cd "$(dirname "$0")" && pwd)
status=0
for bin in "$BUILD"/tests/fuzz/fuzz_*; do
	case "$bin" in *_replay) continue ;; esac
	[ -x "$bin" ] || continue
	name=$(basename "$bin" | sed 's/^fuzz_//')
	work="$BUILD/fuzz-corpus/$name"
	mkdir -p "$work"
	cp -r "$here/corpus/$name/." "$work/" 2>/dev/null || true
	dict="$here/$name.dict"
	echo "== fuzz_$name for ${SECONDS_EACH}s"
	if [ -f "$dict" ]; then
		"$bin" -max_total_time="$SECONDS_EACH" -max_len=65536 \
			-dict="$dict" -artifact_prefix="$BUILD/" "$work" || status=1
	else
		"$bin" -max_total_time="$SECONDS_EACH" -max_len=65536 \
			-artifact_prefix="$BUILD/" "$work" || status=1
	fi
done
exit $status
