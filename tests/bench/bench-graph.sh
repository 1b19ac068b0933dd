#!/bin/sh
# Benchmark of the Graph client (issue #4): read every ad of an account of
# ADS ads (default 10,000) with their fields from `adsctl emulator` with
# LATENCY ms (default 50) added to every request, by several strategies,
# each in its own process (so CPU and peak RSS are the client's), and
# compare with a naive loop of one GET per ad.
#
# Each strategy also runs with no added latency: the difference between
# the two wall times is what the latency cost it, i.e. its sequential
# round trips; the rest is the emulator's own work and the client's CPU.
#
# Then it creates WRITES campaigns (default 500) by each write strategy
# (bench_graph.c): every write goes over a new connection, so that libcurl
# can never resend it by itself (graph/transport.c); this measures what
# that costs.
#
#   tests/bench/bench-graph.sh [BUILD_DIR]
#   env: ADS=10000 LATENCY=50 REPS=5 (the best of REPS runs: the machine
#        and the emulator's own work add noise, never speed)
#        NAIVE_LIMIT=0 (0: every ad; N: the first N, for a quick look)
#        STRATEGIES="ids edges list-big list naive"
#        WRITES=500 WRITE_STRATEGIES="create-seq read-write create-batched"
#        DRIVER=path/to/bench_graph (another build of the driver)
#
# Prints one JSON line per run, then markdown tables for
# docs/benchmarks.md.
set -eu
BUILD=${1:-build}
ADS=${ADS:-10000}
LATENCY=${LATENCY:-50}
REPS=${REPS:-5}
STRATEGIES=${STRATEGIES:-"ids edges list-big list naive"}
WRITES=${WRITES:-500}
WRITE_STRATEGIES=${WRITE_STRATEGIES-"create-seq read-write create-batched"}
export NAIVE_LIMIT=${NAIVE_LIMIT:-0}
export ADSCTL_ACCESS_TOKEN=bench-graph-token
ADSCTL=${ADSCTL:-$BUILD/src/adsctl}
DRIVER=${DRIVER:-$BUILD/tests/graph-integration/bench_graph}
ACCOUNT=act_10000
[ -x "$ADSCTL" ] && [ -x "$DRIVER" ] ||
	{ echo "build first: $ADSCTL and $DRIVER are needed" >&2; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/bench-graph.XXXXXX")
EMU_PID=
cleanup() {
	if [ -n "$EMU_PID" ] && ! kill -0 "$EMU_PID" 2>/dev/null; then
		echo "the emulator exited:" >&2
		cat "$TMP/emu.err" >&2
	fi
	if [ -n "$EMU_PID" ]; then
		kill "$EMU_PID" 2>/dev/null || true
		wait "$EMU_PID" 2>/dev/null || true
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

"$ADSCTL" emulator --port 0 >"$TMP/emu.out" 2>"$TMP/emu.err" &
EMU_PID=$!
i=0
while [ ! -s "$TMP/emu.out" ]; do
	i=$((i + 1))
	[ $i -gt 200 ] && { cat "$TMP/emu.err" >&2; exit 1; }
	sleep 0.05
done
URL=$(head -1 "$TMP/emu.out")

# Budgets far above the calls made: the benchmark measures reading, not
# the governor slowing down as the emulator's hourly budget fills up.
latency() {
	curl -sf -X POST -H 'Content-Type: application/json' \
		-d "{\"latency_ms\": $1, \"rate_limits\": {\"ads_management\":
		    {\"budget\": 1000000000, \"window_seconds\": 3600},
		    \"app\": {\"budget\": 1000000000}}}" \
		"$URL/_emulator/config" >/dev/null
}

latency 0
echo "populating $ACCOUNT with $ADS ads (no latency)..." >&2
"$DRIVER" populate "$URL" "$ACCOUNT" "$ADS" >&2

for s in $STRATEGIES; do
	lats="0 $LATENCY"
	reps=$REPS
	# The naive loop needs no baseline, and one run is long enough.
	[ "$s" = naive ] && { lats=$LATENCY; reps=1; }
	for lat in $lats; do
		latency "$lat"
		r=0
		while [ $r -lt "$reps" ]; do
			echo "== $s, $lat ms, run $((r + 1))" >&2
			"$DRIVER" read "$URL" "$ACCOUNT" "$s" |
				sed "s/^{/{\"latency_ms\":$lat,/" |
				tee -a "$TMP/results.jsonl"
			r=$((r + 1))
		done
	done
done

for s in $WRITE_STRATEGIES; do
	for lat in 0 $LATENCY; do
		latency "$lat"
		r=0
		while [ $r -lt "$REPS" ]; do
			echo "== $s, $WRITES creates, $lat ms, run $((r + 1))" >&2
			"$DRIVER" write "$URL" "$ACCOUNT" "$s" "$WRITES" |
				sed "s/^{/{\"latency_ms\":$lat,/" |
				tee -a "$TMP/writes.jsonl"
			r=$((r + 1))
		done
	done
done

/usr/bin/env python3 - "$TMP/results.jsonl" "$TMP/writes.jsonl" "$LATENCY" \
	<<'PY'
import json, os, statistics, sys
lat = int(sys.argv[3])
def load(path):
    return [json.loads(l) for l in open(path)] if os.path.exists(path) else []
def strategies(rows):
    order = []
    for r in rows:
        if r["strategy"] not in order:
            order.append(r["strategy"])
    return order
def picker(rows):
    def pick(strategy, latency, key, best=min):
        v = [r[key] for r in rows
             if r["strategy"] == strategy and r["latency_ms"] == latency]
        return best(v) if v else None
    return pick

rows = load(sys.argv[1])
pick = picker(rows)
def med(strategy, latency, key):
    return pick(strategy, latency, key, statistics.median)
if rows:
    print()
    print("| strategy | ads read | HTTP requests | Graph calls | sequential round trips (unavoidable) | wall time, %d ms latency | wall time, no latency | latency cost | CPU (client) | peak RSS (client) |" % lat)
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for s in strategies(rows):
    w = pick(s, lat, "wall_ms")
    w0 = pick(s, 0, "wall_ms")
    cost = "%.2f s (%.1f round trips)" % ((w - w0) / 1000, (w - w0) / lat) \
        if w0 is not None else "n/a"
    print("| %s | %d | %d | %d | %d (%d) | %.2f s | %s | %s | %.2f s | %.1f MiB |" % (
        s, med(s, lat, "objects"), med(s, lat, "http_requests"),
        med(s, lat, "graph_calls"), med(s, lat, "round_trips"),
        med(s, lat, "unavoidable_round_trips"), w / 1000,
        "%.2f s" % (w0 / 1000) if w0 is not None else "n/a", cost,
        med(s, lat, "cpu_ms") / 1000, med(s, lat, "peak_rss_kb") / 1024))

rows = load(sys.argv[2])
pick = picker(rows)
if rows:
    print()
    print("| write strategy | campaigns created | HTTP requests | Graph calls | wall, no latency | requests/s, no latency | wall, %d ms latency | CPU (client) |" % lat)
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for s in strategies(rows):
    print("| %s | %d | %d | %d | %.2f s | %.0f | %.2f s | %.2f s |" % (
        s, med(s, 0, "objects"), med(s, 0, "http_requests"),
        med(s, 0, "graph_calls"), pick(s, 0, "wall_ms") / 1000,
        pick(s, 0, "requests_per_s", max), pick(s, lat, "wall_ms") / 1000,
        med(s, 0, "cpu_ms") / 1000))
PY
