#!/bin/sh
# The quick start's main job, run by `make demo`: shows adsctl on examples/.
set -eu
ADSCTL=${1:-build/src/adsctl}
"$ADSCTL" --version
