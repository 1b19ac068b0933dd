#!/bin/sh
# Benchmark of the Marketing API emulator (docs/benchmarks.md, "Emulator"):
#  1. simple GETs per second with 32 concurrent keep-alive clients (wrk),
#     without and with the 50 ms latency the client benchmarks use;
#  2. an account of 100,000 objects: time to create it (async batch
#     requests), resident memory, and paging through all its ads.
# Usage: tests/bench/bench-emulator.sh [BUILD_DIR]   (needs wrk, python3)
set -eu
BUILD=${1:-build}
ADSCTL=${ADSCTL:-$BUILD/src/adsctl}
DURATION=${BENCH_DURATION:-10}
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
command -v wrk >/dev/null || { echo "bench-emulator: wrk is not installed (contrib/install-deps.sh)"; exit 1; }
[ -x "$ADSCTL" ] || { echo "bench-emulator: no $ADSCTL (build first)"; exit 1; }

TMP=$(mktemp -d)
PID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

cat >"$TMP/cfg.json" <<JSON
{"rate_limits": {"ads_management": {"budget": 1000000000},
                 "custom_audience": {"budget": 1000000000},
                 "app": {"budget": 1000000000}},
 "async": {"requests_per_tick": 2000, "tick_ms": 1},
 "paging": {"max_limit": 1000}}
JSON
"$ADSCTL" emulator --port 0 --config "$TMP/cfg.json" >"$TMP/url" 2>"$TMP/err" &
PID=$!
while [ ! -s "$TMP/url" ]; do sleep 0.05; done
URL=$(head -1 "$TMP/url")
T=access_token=bench

echo "== emulator benchmark ($(nproc) cores, $(uname -m))"
CAMP=$(curl -s -X POST "$URL/v25.0/act_1/campaigns?$T" -d name=Bench \
	-d objective=OUTCOME_SALES -d status=PAUSED -d 'special_ad_categories=[]' \
	-d daily_budget=20000 | $PY -c 'import json,sys;print(json.load(sys.stdin)["id"])')
GET="$URL/v25.0/$CAMP?fields=name,status,daily_budget&$T"

rps() { awk '/Requests\/sec/ {print $2}'; }
lat() { awk '/Latency/ {print $2}' | head -1; }
wrk -t2 -c32 -d"${DURATION}s" "$GET" >"$TMP/wrk1"
RPS=$(rps <"$TMP/wrk1")
echo "simple GET, 32 connections, no latency:    $RPS req/s (mean latency $(lat <"$TMP/wrk1"))"
curl -s -X POST "$URL/_emulator/config" -d '{"latency_ms": 50}' >/dev/null
wrk -t2 -c32 -d"${DURATION}s" "$GET" >"$TMP/wrk2"
echo "simple GET, 32 connections, 50 ms latency: $(rps <"$TMP/wrk2") req/s (mean latency $(lat <"$TMP/wrk2"); ideal 640)"
curl -s -X POST "$URL/_emulator/config" -d '{"latency_ms": 0}' >/dev/null
curl -s "$URL/_emulator/stats" | $PY -c 'import json,sys;print("max concurrent requests seen:", json.load(sys.stdin)["max_concurrent"])'

rss() { awk '/VmRSS/ {print $2}' "/proc/$PID/status"; }
RSS0=$(rss)
$PY - "$URL" <<'PY'
# 100,000 objects in act_2: 100 campaigns, 1,000 ad sets, 1,000 creatives,
# 48,950 ads each with its own ad label (as adsctl labels what it owns).
import http.client, json, sys, time, urllib.parse
url = urllib.parse.urlparse(sys.argv[1])
conn = http.client.HTTPConnection(url.hostname, url.port)
def call(method, path, params):
    body = urllib.parse.urlencode(dict(params, access_token="bench"))
    conn.request(method, "/v25.0/" + path, body,
                 {"Content-Type": "application/x-www-form-urlencoded"})
    r = conn.getresponse()
    d = json.loads(r.read())
    if r.status != 200:
        sys.exit("error: %s" % d)
    return d
def run_async(items):
    ids = []
    for i in range(0, len(items), 1000):
        s = call("POST", "act_2/async_batch_requests",
                 {"name": "bench", "adbatch": json.dumps(items[i:i + 1000])})
        ids.append(s["id"])
    out = []
    for sid in ids:
        while True:
            s = call("GET", sid, {"fields": "is_completed,error_count"})
            if s["is_completed"]:
                break
            time.sleep(0.02)
        if s["error_count"]:
            sys.exit("async errors in %s" % sid)
        after = None
        while True:
            p = {"fields": "result", "limit": 1000}
            if after:
                p["after"] = after
            page = call("GET", sid + "/requests", p)
            out += [r["result"]["id"] for r in page["data"]]
            if "next" not in page["paging"]:
                break
            after = page["paging"]["cursors"]["after"]
    return out
t0 = time.time()
camps = run_async([{"name": "c%d" % i, "relative_url": "act_2/campaigns",
    "body": urllib.parse.urlencode({"name": "Campaign %d" % i,
        "objective": "OUTCOME_SALES", "status": "PAUSED",
        "special_ad_categories": "[]", "daily_budget": 20000})}
    for i in range(100)])
sets = run_async([{"name": "s%d" % i, "relative_url": "act_2/adsets",
    "body": urllib.parse.urlencode({"name": "Ad set %d" % i,
        "campaign_id": camps[i % 100], "billing_event": "IMPRESSIONS",
        "optimization_goal": "REACH", "status": "PAUSED",
        "targeting": json.dumps({"geo_locations": {"countries": ["DE", "AT"]},
                                 "age_min": 21})})}
    for i in range(1000)])
crs = run_async([{"name": "k%d" % i, "relative_url": "act_2/adcreatives",
    "body": urllib.parse.urlencode({"name": "Creative %d" % i,
        "object_story_spec": json.dumps({"page_id": "1111", "link_data": {
            "link": "https://shop.example/p/%d" % i,
            "message": "Spring is here, product %d" % i}})})}
    for i in range(1000)])
n_ads = 100000 - 100 - 1000 - 1000
n_ads //= 2   # each ad brings its own label object
ads = run_async([{"name": "a%d" % i, "relative_url": "act_2/ads",
    "body": urllib.parse.urlencode({"name": "Ad %d" % i,
        "adset_id": sets[i % 1000], "status": "PAUSED",
        "creative": json.dumps({"creative_id": crs[i % 1000]}),
        "adlabels": json.dumps([{"name": "adsctl:bench:ads.a%d" % i}])})}
    for i in range(n_ads)])
print("created %d objects in %.1f s" % (100 + 1000 + 1000 + 2 * len(ads),
                                        time.time() - t0))
t0 = time.time()
pages = n = 0
after = None
while True:
    p = {"fields": "id,name,status,effective_status,adset_id,creative{id},adlabels",
         "limit": 500}
    if after:
        p["after"] = after
    page = call("GET", "act_2/ads", p)
    n += len(page["data"]); pages += 1
    if "next" not in page["paging"]:
        break
    after = page["paging"]["cursors"]["after"]
print("paged through %d ads (%d pages of 500, 7 fields) in %.2f s" %
      (n, pages, time.time() - t0))
PY
curl -s "$URL/_emulator/stats" | $PY -c 'import json,sys;print("objects held:", json.load(sys.stdin)["objects"])'
RSS1=$(rss)
echo "resident memory: $((RSS0 / 1024)) MiB before, $((RSS1 / 1024)) MiB with the account"
wrk -t2 -c32 -d"${DURATION}s" "$URL/v25.0/act_2/ads?fields=name,status&limit=25&$T" >"$TMP/wrk3"
echo "listing 25 ads of 48,950, 32 connections:  $(rps <"$TMP/wrk3") req/s"
# targets (issue #3): 2,000 simple GETs/s with 32 clients; 100,000 objects
# in under 1 GiB
status=0
if ! awk -v r="$RPS" 'BEGIN { exit !(r >= 2000) }'; then
	echo "MISSED: $RPS simple GETs/s (target 2,000)"
	status=1
fi
if [ "$RSS1" -ge $((1024 * 1024)) ]; then
	echo "MISSED: $((RSS1 / 1024)) MiB for 100,000 objects (target < 1 GiB)"
	status=1
fi
[ $status -eq 0 ] && echo "targets met: >= 2,000 GETs/s, 100,000 objects in < 1 GiB"
exit $status
