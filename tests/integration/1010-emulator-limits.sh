# Rate limits (throttling and recovery, usage headers), fault injection by
# seed, tokens from the configuration and appsecret_proof.
. "$(dirname "$0")/lib.sh"

cat >"$TEST_TMP/cfg.json" <<JSON
{"tokens": ["tok-a", "tok-b"], "app_secret": "s3cret",
 "rate_limits": {"ads_management": {"budget": 5, "window_seconds": 60},
                 "custom_audience": {"budget": 3, "window_seconds": 60}},
 "review_seconds": 0}
JSON
emu_start --config "$TEST_TMP/cfg.json"
# a frozen clock: rate-limit windows end when the test moves the clock,
# never because the machine was slow
raw POST "$EMU_URL/_emulator/clock" -d '{"frozen": true}'
check "d['frozen'] is True" "clock frozen"
PROOF=$($PY -c 'import hmac,hashlib;print(hmac.new(b"s3cret",b"tok-a",hashlib.sha256).hexdigest())')

# --- configured tokens and appsecret_proof
raw GET "$EMU_URL/v25.0/act_9/campaigns?access_token=other&appsecret_proof=$PROOF"
expect_error 400 190
raw GET "$EMU_URL/v25.0/act_9/campaigns?access_token=tok-a"
expect_error 400 100
raw GET "$EMU_URL/v25.0/act_9/campaigns?access_token=tok-a&appsecret_proof=00"
expect_error 400 100
TOKEN="tok-a&appsecret_proof=$PROOF"

# --- ads_management: 5 calls per 60 s window (the failed calls above had
# no valid token and charged nothing)
n=1
while [ $n -le 5 ]; do
	api GET act_9/campaigns
	assert_eq "$STATUS" 200 "call $n within budget"
	n=$((n + 1))
done
BUC=$(header X-Business-Use-Case-Usage)
$PY -c "
import json,sys
u = json.loads(sys.argv[1])['9'][0]
assert u['type'] == 'ads_management' and u['call_count'] == 100, u
assert u['estimated_time_to_regain_access'] == 0 and u['ads_api_access_tier']
" "$BUC" || fail "usage at budget: $BUC"
api GET act_9/campaigns
expect_error 400 80004 2446079
BUC=$(header X-Business-Use-Case-Usage)
ACC=$(header X-Ad-Account-Usage)
$PY -c "
import json,sys
u = json.loads(sys.argv[1])['9'][0]
a = json.loads(sys.argv[2])
assert u['estimated_time_to_regain_access'] == 1, u   # minutes, rounded up
assert a['reset_time_duration'] == 60, a              # seconds
assert a['acc_id_util_pct'] > 100, a
" "$BUC" "$ACC" || fail "throttled usage headers: $BUC / $ACC"
[ -n "$(header X-App-Usage)" ] || fail "X-App-Usage missing"
# another account is not throttled
api GET act_10/campaigns
assert_eq "$STATUS" 200 "other account"
# custom_audience has its own budget and code
n=1
while [ $n -le 3 ]; do
	api GET act_9/customaudiences
	assert_eq "$STATUS" 200 "audience call $n"
	n=$((n + 1))
done
api GET act_9/customaudiences
expect_error 400 80003 2446079
# recovery once the window has passed: shorten the window at runtime,
# then move the clock to one second before, and to the end of the window
raw POST "$EMU_URL/_emulator/config" -d '{"rate_limits": {"ads_management": {"window_seconds": 30}}}'
assert_eq "$STATUS" 200 "runtime rate-limit change"
raw POST "$EMU_URL/_emulator/clock" -d '{"advance": 29}'
api GET act_9/campaigns
expect_error 400 80004 2446079
assert_eq "$($PY -c "import json,sys;print(json.loads(sys.argv[1])['reset_time_duration'])" "$(header X-Ad-Account-Usage)")" 1 \
	"one second left in the window"
raw POST "$EMU_URL/_emulator/clock" -d '{"advance": 1}'
api GET act_9/campaigns
assert_eq "$STATUS" 200 "recovered"
raw GET "$EMU_URL/_emulator/stats"
check "d['throttled'] == 3" "throttled responses counted"
# the clock only moves forward and takes only its two settings
raw POST "$EMU_URL/_emulator/clock" -d '{"advance": -5}'
assert_eq "$STATUS" 400 "the clock never goes back"
raw POST "$EMU_URL/_emulator/clock" -d '{"rewind": 5}'
assert_eq "$STATUS" 400 "unknown clock setting"

# --- faults: same seed, same sequence -> same faults
run_seq() {
	raw POST "$EMU_URL/_emulator/reset"
	raw POST "$EMU_URL/_emulator/config" -d "{\"seed\": $1, \"faults\": {\"transient\": 0.3, \"http_5xx\": 0.2}, \"rate_limits\": {\"ads_management\": {\"budget\": 100000}}}"
	assert_eq "$STATUS" 200 "config"
	seq=""
	n=0
	while [ $n -lt 20 ]; do
		api GET act_11/campaigns
		c=$STATUS
		[ "$c" = 200 ] || c="$c/$(jq_py "d['error']['code'] if d else 'raw'")"
		seq="$seq $c"
		n=$((n + 1))
	done
	echo "$seq"
}
A=$(run_seq 7)
B=$(run_seq 7)
C=$(run_seq 8)
assert_eq "$A" "$B" "same seed, same faults"
[ "$A" != "$C" ] || fail "a different seed gave the same faults: $A"
case "$A" in *" 200"*) ;; *) fail "no successes in $A" ;; esac
case "$A" in *"500/"* | *"400/"* | *" 502"* | *" 503"*) ;; *) fail "no faults in $A" ;; esac
raw GET "$EMU_URL/_emulator/stats"
check "d['faults']['transient'] + d['faults']['http_5xx'] > 0"

# --- each transient error, one by one, in its documented shape: at rate 1
# every call fails, with a code drawn from the seed and the call number;
# shapes.py checks every answer (a single interpreter for speed)
cat >"$TEST_TMP/shapes.py" <<'PY'
import json, sys
SHAPES = {  # code: (HTTP status, subcode, is_transient, message)
    1: (500, None, True, "An unknown error occurred"),
    2: (500, None, True,
        "An unexpected error has occurred. Please retry your request later."),
    17: (400, 2446079, False, "(#17) User request limit reached"),
    613: (400, None, False,
          "(#613) Calls to this api have exceeded the rate limit."),
}
codes = []
for status, body in json.load(sys.stdin):
    e = json.loads(body)["error"]
    want = SHAPES.get(e["code"])
    got = (status, e.get("error_subcode"), e["is_transient"], e["message"])
    assert got == want, "code %s: %r, documented %r" % (e["code"], got, want)
    assert e["type"] == "OAuthException" and e["fbtrace_id"], e
    codes.append(e["code"])
assert sorted(set(codes)) == sorted(SHAPES), "not every code: %s" % codes
print(*codes)
PY
transient_seq() {
	raw POST "$EMU_URL/_emulator/reset"
	raw POST "$EMU_URL/_emulator/config" -d "{\"seed\": $1, \"faults\": {\"transient\": 1, \"http_5xx\": 0}}"
	n=0
	answers=""
	while [ $n -lt 16 ]; do
		api POST act_16/adlabels -d name=t$n
		mv "$RESP_FILE" "$TEST_TMP/answer.$n"
		answers="$answers $STATUS $TEST_TMP/answer.$n"
		n=$((n + 1))
	done
	# shellcheck disable=SC2086 # status, file pairs
	$PY -c 'import json,sys;a=sys.argv[1:];print(json.dumps([[int(a[i]), open(a[i+1]).read()] for i in range(0, len(a), 2)]))' \
		$answers | $PY "$TEST_TMP/shapes.py" ||
		fail "transient errors (seed $1)"
}
A=$(transient_seq 5) || exit 1
B=$(transient_seq 5) || exit 1
assert_eq "$A" "$B" "same seed, same transient codes"
raw GET "$EMU_URL/_emulator/stats"
check "d['faults']['transient'] == 16" "every call got a transient error"
raw POST "$EMU_URL/_emulator/config" -d '{"faults": {"transient": 0}}'
api GET "act_16/adlabels"
check "d['data'] == []" "no write was executed"
# batch items get the same errors, in the item's code and body
raw POST "$EMU_URL/_emulator/reset"
raw POST "$EMU_URL/_emulator/config" -d '{"seed": 5, "faults": {"transient": 1}}'
BATCH=$($PY -c 'import json;print(json.dumps([{"method":"POST","relative_url":"act_16/adlabels","body":"name=b%d" % i} for i in range(16)]))')
raw POST "$EMU_URL/v25.0/" -d "access_token=$TOKEN" --data-urlencode "batch=$BATCH"
assert_eq "$STATUS" 200 "the batch request itself"
C=$(jq_py "[[x['code'], x['body']] for x in d]" | $PY "$TEST_TMP/shapes.py") ||
	fail "transient errors in batch items"
assert_eq "$C" "$A" "batch items draw from the same call sequence"
raw POST "$EMU_URL/_emulator/config" -d '{"faults": {"transient": 0}}'
api GET "act_16/adlabels"
check "d['data'] == []" "no batch item was executed"

# --- http_5xx also fails a batch request itself, before any item runs,
# from a sequence of its own: the same seed, the same batches fail
batch_seq() {
	raw POST "$EMU_URL/_emulator/reset"
	raw POST "$EMU_URL/_emulator/config" -d "{\"seed\": $1, \"faults\": {\"transient\": 0, \"http_5xx\": $2}}"
	seq=""
	n=0
	while [ $n -lt 16 ]; do
		raw POST "$EMU_URL/v25.0/" -d "access_token=$TOKEN" --data-urlencode "batch=[{\"method\":\"POST\",\"relative_url\":\"act_15/adlabels\",\"body\":\"name=l$n\"}]"
		seq="$seq $STATUS"
		n=$((n + 1))
	done
	echo "$seq"
}
A=$(batch_seq 3 0.5)
B=$(batch_seq 3 0.5)
assert_eq "$A" "$B" "same seed, same failed batches"
case "$A" in *" 200"*) ;; *) fail "no batch got through: $A" ;; esac
case "$A" in *" 500"* | *" 502"* | *" 503"*) ;; *) fail "no batch failed: $A" ;; esac
raw GET "$EMU_URL/_emulator/stats"
FAILED=$($PY -c "import sys;print(sum(s != '200' for s in sys.argv[1].split()))" "$A")
check "d['faults']['http_5xx'] == $FAILED and d['batch_requests'] == 16 - $FAILED" \
	"failed batches counted, and never run"
raw POST "$EMU_URL/_emulator/config" -d '{"faults": {"http_5xx": 0}}'
api GET "act_15/adlabels?summary=true"
check "d['summary']['total_count'] == 16 - $FAILED" "a failed batch ran no item"
# at rate 1 every batch fails, and none of its items runs
C=$(batch_seq 3 1)
case "$C" in *" 200"*) fail "a batch got through at rate 1: $C" ;; esac
raw POST "$EMU_URL/_emulator/config" -d '{"faults": {"http_5xx": 0}}'
api GET "act_15/adlabels?summary=true"
check "d['summary']['total_count'] == 0" "nothing ran at rate 1"

# --- commit then drop: the write happens, the reply never comes
raw POST "$EMU_URL/_emulator/config" -d '{"faults": {"transient": 0, "http_5xx": 0, "commit_then_drop": 1}}'
api POST act_12/campaigns -d name=dropped -d objective=OUTCOME_SALES \
	-d status=PAUSED -d 'special_ad_categories=[]' -d daily_budget=1000
assert_eq "$STATUS" 000 "no reply"
raw POST "$EMU_URL/_emulator/config" -d '{"faults": {"commit_then_drop": 0, "null_batch_item": 0}}'
api GET "act_12/campaigns?fields=name"
check "[x['name'] for x in d['data']] == ['dropped']" "the write was committed"
# in a batch, a dropped write comes back null, but happened
raw POST "$EMU_URL/_emulator/config" -d '{"faults": {"commit_then_drop": 1}}'
raw POST "$EMU_URL/v25.0/" -d "access_token=$TOKEN" --data-urlencode 'batch=[{"method":"POST","relative_url":"act_13/campaigns","body":"name=n1&objective=OUTCOME_SALES&status=PAUSED&special_ad_categories=[]&daily_budget=1000"},{"method":"GET","relative_url":"act_13/campaigns?fields=name"}]'
check "d[0] is None and d[1]['code'] == 200" "dropped item is null"
check "[x['name'] for x in json.loads(d[1]['body'])['data']] == ['n1']"
# null items are not executed
raw POST "$EMU_URL/_emulator/config" -d '{"faults": {"commit_then_drop": 0, "null_batch_item": 1}}'
raw POST "$EMU_URL/v25.0/" -d "access_token=$TOKEN" --data-urlencode 'batch=[{"method":"POST","relative_url":"act_14/campaigns","body":"name=n2&objective=OUTCOME_SALES&status=PAUSED&special_ad_categories=[]&daily_budget=1000"}]'
check "d == [None]"
raw POST "$EMU_URL/_emulator/config" -d '{"faults": {"null_batch_item": 0}}'
api GET "act_14/campaigns"
check "d['data'] == []" "a null item did not run"
# runtime config refuses unknown and fixed settings
raw POST "$EMU_URL/_emulator/config" -d '{"latency": 5}'
assert_eq "$STATUS" 400 "unknown config key"
raw POST "$EMU_URL/_emulator/config" -d '{"tokens": ["x"]}'
assert_eq "$STATUS" 400 "tokens are fixed"

emu_stop
echo ok
