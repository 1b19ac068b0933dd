#!/bin/sh
# The quick start's main job, run by `make demo`: shows adsctl on examples/.
# For now it validates every example project (no network, no account);
# plan and apply on the emulator come with those commands.
set -eu
ADSCTL=${1:-build/src/adsctl}
here=$(cd "$(dirname "$0")/.." && pwd)
status=0
"$ADSCTL" --version | head -n 1
for dir in "$here"/examples/*/; do
	[ -f "$dir/adsctl.yaml" ] || continue
	rel=examples/$(basename "$dir")
	echo "\$ adsctl validate $rel"
	(cd "$here" && "$ADSCTL" validate "$rel") || status=$?
done
exit $status
