# latency_ms delays every Graph HTTP request, set in the configuration file
# or at runtime. Lower bounds only (a busy machine makes answers slower,
# never faster), but for one: with no latency, the fastest of three answers
# takes under the 300 ms that the delay would have added.
. "$(dirname "$0")/lib.sh"

# timed PATH [curl args...]: a Graph call as api does; the seconds it
# took in $SECS
timed() {
	p=$1
	shift
	: >"$RESP_FILE"
	out=$(curl -sg -o "$RESP_FILE" -w '%{http_code} %{time_total}' \
		"$EMU_URL/$API_VERSION/$p?access_token=$TOKEN" "$@") || out="000 0"
	STATUS=${out% *}
	SECS=${out#* }
}

# at_least SECONDS WHAT: the last timed call took SECONDS or more
at_least() {
	awk "BEGIN { exit !($SECS >= $1) }" ||
		fail "$2: took ${SECS}s, expected at least $1 s"
}

echo '{"latency_ms": 300}' >"$TEST_TMP/cfg.json"
emu_start --config "$TEST_TMP/cfg.json"

# --- from the configuration file: each request is delayed, then answered
timed act_1/campaigns
assert_eq "$STATUS" 200 "a delayed read"
at_least 0.3 "latency_ms 300 from the file"
# a batch request is one HTTP request: delayed once, its items run
timed "" --data-urlencode 'batch=[{"method":"POST","relative_url":"act_1/adlabels","body":"name=slow"}]'
assert_eq "$STATUS" 200 "a delayed batch"
check "d[0]['code'] == 200" "the batch item ran"
at_least 0.3 "a batch request under latency_ms 300"

# --- at runtime: 0 removes the delay
raw POST "$EMU_URL/_emulator/config" -d '{"latency_ms": 0}'
assert_eq "$STATUS" 200 "latency_ms 0 at runtime"
fastest=9
for i in 1 2 3; do
	timed act_1/campaigns
	assert_eq "$STATUS" 200 "an undelayed read"
	fastest=$(awk "BEGIN { print ($SECS < $fastest) ? $SECS : $fastest }")
done
awk "BEGIN { exit !($fastest < 0.3) }" ||
	fail "latency_ms 0: the fastest of three reads took ${fastest}s"
# and a new value takes effect with the next request
raw POST "$EMU_URL/_emulator/config" -d '{"latency_ms": 400}'
assert_eq "$STATUS" 200 "latency_ms 400 at runtime"
timed act_1/adlabels -d name=slower
assert_eq "$STATUS" 200 "a delayed write"
at_least 0.4 "latency_ms 400 set at runtime"

emu_stop
echo ok
