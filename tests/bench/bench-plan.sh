#!/bin/sh
# Benchmark: `adsctl plan` of a generated project of 10,000 ads (100
# campaigns x 10 ad sets x 10 ads, one creative per ad, 20 images) against
# the emulator holding the same account as applied (plus 100 unlabelled
# campaigns made by hand), with 50 ms of latency on every request.
# Reports Graph calls and HTTP requests (the emulator's statistics),
# sequential round trips (the client's), wall time, CPU time and peak RSS
# of the best of RUNS runs. Targets (issue #5): at most 20 round trips,
# 2 s of CPU, 300 MB of RSS; the plan must find no changes. Needs ADSCTL.
#   BENCH_CAMPAIGNS, BENCH_AD_SETS, BENCH_ADS, LATENCY_MS, RUNS override.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
ADSCTL=${ADSCTL:?set ADSCTL to the adsctl binary}
C=${BENCH_CAMPAIGNS:-100}
S=${BENCH_AD_SETS:-10}
A=${BENCH_ADS:-10}
RUNS=${RUNS:-3}
LATENCY_MS=${LATENCY_MS:-50}
TARGET_RT=20 TARGET_CPU=2.0 TARGET_RSS_MB=300
work=$(mktemp -d "${TMPDIR:-/tmp}/adsctl-bench-plan.XXXXXX")
emu_pid=
cleanup() {
	[ -n "$emu_pid" ] && kill "$emu_pid" 2>/dev/null && wait "$emu_pid"
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
export ADSCTL_ACCESS_TOKEN=bench-token
unset ADSCTL_API_URL

start_emulator() { # DATA CONFIG
	: >"$work/emu.out"
	"$ADSCTL" emulator --port 0 --data "$1" --config "$2" \
		>"$work/emu.out" 2>"$work/emu.err" &
	emu_pid=$!
	i=0
	while [ ! -s "$work/emu.out" ]; do
		i=$((i + 1))
		if [ $i -gt 600 ] || ! kill -0 "$emu_pid" 2>/dev/null; then
			echo "bench-plan: the emulator did not start:" >&2
			cat "$work/emu.err" >&2
			exit 1
		fi
		sleep 0.05
	done
	URL=$(head -1 "$work/emu.out")
}

stop_emulator() {
	kill "$emu_pid"
	wait "$emu_pid" || true
	emu_pid=
}

python3 "$here/gen-project.py" "$work/project" --campaigns "$C" \
	--ad-sets "$S" --ads "$A"
ads=$((C * S * A))

# the account as applied: plan against an empty emulator, then the plan's
# creates written straight into a data file
echo '{"latency_ms": 0}' >"$work/fast.json"
start_emulator "$work/empty.json" "$work/fast.json"
"$ADSCTL" plan --api-url "$URL" --format json "$work/project" \
	>"$work/create.json"
stop_emulator
python3 "$here/gen-emulator-data.py" "$work/create.json" "$work/state.json" \
	--unmanaged 100

printf '{"latency_ms": %s, "paging": {"max_limit": 5000}}\n' \
	"$LATENCY_MS" >"$work/slow.json"
start_emulator "$work/state.json" "$work/slow.json"

best_cpu= best_wall= best_rss= calls= http= rt=
i=0
while [ $i -lt "$RUNS" ]; do
	i=$((i + 1))
	curl -s -X POST "$URL/_emulator/stats/reset" >/dev/null
	set +e
	/usr/bin/time -f '%U %S %e %M' -o "$work/time" \
		"$ADSCTL" plan --api-url "$URL" --detailed-exitcode -v \
		"$work/project" >"$work/out" 2>"$work/err"
	rc=$?
	set -e
	if [ $rc -ne 0 ]; then
		echo "bench-plan: adsctl plan exited $rc (0 = no changes):" >&2
		tail -n 30 "$work/out" "$work/err" >&2
		exit 1
	fi
	set -- $(tail -n 1 "$work/time")
	cpu=$(echo "$1 $2" | awk '{ printf "%.2f", $1 + $2 }')
	if [ -z "$best_cpu" ] || awk "BEGIN { exit !($cpu < $best_cpu) }"; then
		best_cpu=$cpu best_wall=$3 best_rss=$4
	fi
	stats=$(curl -s "$URL/_emulator/stats")
	calls=$(echo "$stats" | python3 -c \
		'import json,sys; print(json.load(sys.stdin)["graph_calls"])')
	http=$(echo "$stats" | python3 -c \
		'import json,sys; print(json.load(sys.stdin)["http_requests"])')
	rt=$(sed -n 's/.* \([0-9]*\) round trips$/\1/p' "$work/err" | tail -1)
done
objects=$(sed -n 's/^debug: read \([0-9]*\) objects.*/\1/p' "$work/err" |
	tail -1)

echo "account: $C campaigns x $S ad sets x $A ads = $ads ads, $ads" \
	"creatives, 20 images, 100 unlabelled campaigns; ${LATENCY_MS} ms" \
	"latency"
echo "plan (best of $RUNS): $objects objects read, $calls Graph calls," \
	"$http HTTP requests, $rt sequential round trips"
echo "plan (best of $RUNS): cpu ${best_cpu} s, wall ${best_wall} s," \
	"peak rss $((best_rss / 1024)) MiB"
tail -n 1 "$work/out"
status=0
[ "$rt" -le $TARGET_RT ] || { echo "target: <= $TARGET_RT round trips: MISSED"; status=1; }
awk "BEGIN { exit !($best_cpu <= $TARGET_CPU) }" ||
	{ echo "target: <= $TARGET_CPU s cpu: MISSED"; status=1; }
[ $((best_rss / 1024)) -le $TARGET_RSS_MB ] ||
	{ echo "target: <= $TARGET_RSS_MB MB rss: MISSED"; status=1; }
[ $status -eq 0 ] && echo "targets: <= $TARGET_RT round trips," \
	"<= $TARGET_CPU s cpu, <= $TARGET_RSS_MB MB rss: met"
exit $status
