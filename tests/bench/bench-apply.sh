#!/bin/sh
# Benchmark: `adsctl apply` of 1,000 ads (10 campaigns x 10 ad sets x 10
# ads, 1,000 creatives, 20 images) into an empty account of the emulator
# with 50 ms of latency per request, against the naive way in the same
# run: one sequential POST per object (naive-apply.py). Reports HTTP
# requests, Graph calls, round trips, wall time, CPU and peak RSS of both.
# Targets (issue #6): at least 20x fewer HTTP requests and 10x less wall
# time than naive. Needs ADSCTL.
#   BENCH_CAMPAIGNS, BENCH_AD_SETS, BENCH_ADS, BENCH_LATENCY,
#   BENCH_ASYNC_PER_TICK override the defaults.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
ADSCTL=${ADSCTL:?set ADSCTL to the adsctl binary}
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
C=${BENCH_CAMPAIGNS:-10}
S=${BENCH_AD_SETS:-10}
A=${BENCH_ADS:-10}
LATENCY=${BENCH_LATENCY:-50}
# Meta runs async requests in parallel and publishes no rate; the
# emulator's default worker (10 requests per 100 ms) is slower than its
# batches. 100 per 100 ms, stated in the report, is 1,000 ads a second.
PER_TICK=${BENCH_ASYNC_PER_TICK:-100}
TICK_MS=100
# The emulator's worker keeps that pace however many sets arrive (before
# 2026-12-07 each new set made it tick at once, and this script ticked a
# paused worker on a clock of its own instead).
work=$(mktemp -d "${TMPDIR:-/tmp}/adsctl-bench-apply.XXXXXX")
EMU_PID=
# (under set -e: a wait that reports the killed child's status must not
# end the trap before the emulator is stopped and $work removed)
cleanup() {
	if [ -n "$EMU_PID" ]; then
		kill "$EMU_PID" 2>/dev/null || :
		wait "$EMU_PID" 2>/dev/null || :
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export ADSCTL_ACCESS_TOKEN=bench-apply-token

"$PY" "$here/gen-project.py" "$work/project" --campaigns "$C" \
	--ad-sets "$S" --ads "$A" --account act_2001 >/dev/null
ads=$((C * S * A))
cat >"$work/emu.json" <<EOF
{"latency_ms": $LATENCY,
 "async": {"requests_per_tick": $PER_TICK, "tick_ms": $TICK_MS}}
EOF
"$ADSCTL" emulator --port 0 --config "$work/emu.json" >"$work/emu.out" \
	2>"$work/emu.err" &
EMU_PID=$!
i=0
while [ ! -s "$work/emu.out" ]; do
	i=$((i + 1))
	[ $i -gt 200 ] && { cat "$work/emu.err" >&2; exit 1; }
	sleep 0.05
done
URL=$(head -1 "$work/emu.out")
stat_of() { curl -sf "$URL/_emulator/stats" | "$PY" -c "import json,sys; d=json.load(sys.stdin); print(d['$1'])"; }

# --- adsctl: plan and apply in one command (the plan reads cost included)
curl -sf -X POST "$URL/_emulator/stats/reset" >/dev/null
/usr/bin/time -f '%U %S %e %M' -o "$work/time" "$ADSCTL" apply -v \
	--api-url "$URL" --auto-approve "$work/project" >"$work/out" 2>"$work/err" || {
	tail -n 20 "$work/out" "$work/err" >&2
	echo "bench-apply: adsctl apply failed" >&2
	exit 1
}
set -- $(tail -n 1 "$work/time")
ours_cpu=$(echo "$1 $2" | awk '{ printf "%.2f", $1 + $2 }')
ours_wall=$3 ours_rss=$4
ours_http=$(stat_of http_requests)
ours_calls=$(stat_of graph_calls)
set -- $("$PY" - "$work/project" <<'EOF'
import glob, json, sys
end = [json.loads(l) for f in glob.glob(sys.argv[1] + "/.adsctl/journal/*.jsonl")
       for l in open(f)][-1]
g = end["graph"]
print(g["http_requests"], g["round_trips"], end["waves"], end["async_sets"],
      end["steps"]["done"])
EOF
)
apply_http=$1 apply_rt=$2 waves=$3 sets=$4 steps=$5
fetch=$(grep -o 'in [0-9]* Graph calls, [0-9]* HTTP requests, [0-9]* round trips' "$work/err" | head -1)
# the same project planned again: nothing to do
"$ADSCTL" plan --api-url "$URL" --detailed-exitcode "$work/project" \
	>/dev/null 2>&1 || { echo "bench-apply: plan after apply shows changes" >&2; exit 1; }

# --- naive: one sequential POST per object, into another account
curl -sf -X POST "$URL/_emulator/stats/reset" >/dev/null
"$PY" "$here/naive-apply.py" "$work/project" "$URL" --account act_2002 \
	>"$work/naive.json" || { echo "bench-apply: naive run failed" >&2; exit 1; }
naive_http=$(stat_of http_requests)
set -- $("$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["wall_s"], d["cpu_s"], d["rss_kib"], d["created"])' "$work/naive.json")
naive_wall=$1 naive_cpu=$2 naive_rss=$3 naive_created=$4

echo "project: $C campaigns, $((C * S)) ad sets, $ads ads, $ads creatives," \
	"20 images; emulator latency ${LATENCY} ms, async worker ${PER_TICK} requests/${TICK_MS} ms"
echo "adsctl apply: $ours_http HTTP requests ($ours_calls Graph calls) in all;" \
	"apply itself $apply_http requests, $apply_rt round trips, $waves waves," \
	"$sets async sets, $steps steps; plan's read: $fetch"
echo "adsctl apply: wall ${ours_wall} s, cpu ${ours_cpu} s, peak rss $((ours_rss / 1024)) MiB"
echo "naive: $naive_http HTTP requests (= round trips) for $naive_created objects;" \
	"wall ${naive_wall} s, cpu ${naive_cpu} s, peak rss $((naive_rss / 1024)) MiB"
req_ratio=$(awk "BEGIN { printf \"%.1f\", $naive_http / $ours_http }")
wall_ratio=$(awk "BEGIN { printf \"%.1f\", $naive_wall / $ours_wall }")
echo "ratios: ${req_ratio}x fewer HTTP requests, ${wall_ratio}x less wall time"
status=0
if awk "BEGIN { exit !($req_ratio >= 20) }"; then
	echo "target: >= 20x fewer HTTP requests: met"
else
	echo "target: >= 20x fewer HTTP requests: MISSED"
	status=1
fi
if awk "BEGIN { exit !($wall_ratio >= 10) }"; then
	echo "target: >= 10x less wall time: met"
else
	echo "target: >= 10x less wall time: MISSED"
	status=1
fi
exit $status
