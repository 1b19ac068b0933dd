# adsctl emulator as a command: URL on the first line, SIGTERM persists
# the state to --data, which the next run loads; bad options and configs.
. "$(dirname "$0")/lib.sh"

DATA="$TEST_TMP/state.json"
echo '{"async": {"paused": true, "requests_per_tick": 1}}' >"$TEST_TMP/paused.json"
emu_start --data "$DATA" --config "$TEST_TMP/paused.json"
api POST act_7/campaigns -d name=Persisted -d objective=OUTCOME_SALES \
	-d status=PAUSED -d 'special_ad_categories=[]' -d daily_budget=4000 \
	--data-urlencode 'adlabels=[{"name":"keep"}]'
CAMP=$(jq_py "d['id']")
api POST act_7/customaudiences -d name=Aud -d customer_file_source=USER_PROVIDED_ONLY
AUD=$(jq_py "d['id']")
H=$($PY -c 'import hashlib;print(hashlib.sha256(b"p@x.example").hexdigest())')
api POST "$AUD/users" --data-urlencode "payload={\"schema\":\"EMAIL_SHA256\",\"data\":[\"$H\"]}"
# an async batch stopped with one request started but not yet run
api POST act_7/async_batch_requests -d name=halfway \
	--data-urlencode 'adbatch=[{"relative_url":"act_7/adlabels","body":"name=a1"},{"relative_url":"act_7/adlabels","body":"name=a2"}]'
ASET=$(jq_py "d['id']")
raw POST "$EMU_URL/_emulator/async/tick"
check "d['started'] == 1 and d['finished'] == 0" "one request started"
emu_stop
[ -s "$DATA" ] || fail "no state written"
$PY -c "import json,sys;d=json.load(open(sys.argv[1]));assert d['format']=='adsctl-emulator-state'" "$DATA" ||
	fail "state file format"
[ "$(stat -c %a "$DATA")" = 600 ] || fail "state file mode $(stat -c %a "$DATA")"

emu_start --data "$DATA" --config "$TEST_TMP/paused.json"
api GET "$CAMP?fields=name,daily_budget,adlabels"
check "d['name'] == 'Persisted' and d['daily_budget'] == '4000' and d['adlabels'][0]['name'] == 'keep'" \
	"reloaded"
api GET "$AUD?fields=approximate_count"
check "d['approximate_count'] == 1" "members reloaded"
api POST act_7/campaigns -d name=Second -d objective=OUTCOME_SALES \
	-d status=PAUSED -d 'special_ad_categories=[]' -d daily_budget=4000
[ "$(jq_py "d['id']")" != "$CAMP" ] || fail "ids reused after a reload"
api GET "act_7/campaigns?fields=name"
check "[x['name'] for x in d['data']] == ['Second', 'Persisted']" "order kept"
# the started request runs again (it never ran), each label exactly once
api GET "$ASET?fields=initial_count,in_progress_count"
check "d['initial_count'] == 2 and d['in_progress_count'] == 0" \
	"a request saved in progress starts again"
raw POST "$EMU_URL/_emulator/async/tick" -d '{"ticks": 3}'
check "d == {'started': 2, 'finished': 2, 'pending': 0}" "the set ran"
api GET "act_7/adlabels?fields=name"
check "sorted(x['name'] for x in d['data']) == ['a1', 'a2', 'keep']" \
	"each request ran once"
emu_stop

# --- ADSCTL_ACCESS_TOKEN is the accepted token when no config lists any
ADSCTL_ACCESS_TOKEN=env-tok emu_start
raw GET "$EMU_URL/v25.0/act_1/campaigns?access_token=other"
expect_error 400 190
raw GET "$EMU_URL/v25.0/act_1/campaigns?access_token=env-tok"
assert_eq "$STATUS" 200 "env token"
# admin endpoints need no token and live outside the version prefix
raw GET "$EMU_URL/_emulator/stats"
assert_eq "$STATUS" 200 "admin"
raw GET "$EMU_URL/v25.0/_emulator/stats?access_token=env-tok"
assert_eq "$STATUS" 400 "admin under a version prefix is a Graph path"
raw POST "$EMU_URL/_emulator/reset"
raw GET "$EMU_URL/_emulator/state"
check "d['objects'] == []" "reset"
emu_stop

# --- usage errors
"$ADSCTL" emulator --port 99999 >/dev/null 2>"$TEST_TMP/err" && fail "bad port accepted"
grep -q -- "--port takes a port (0-65535)" "$TEST_TMP/err" || fail "bad port message: $(cat "$TEST_TMP/err")"
echo '{"latency": 1}' >"$TEST_TMP/bad.json"
"$ADSCTL" emulator --config "$TEST_TMP/bad.json" >/dev/null 2>"$TEST_TMP/err" &&
	fail "bad config accepted"
grep -q "unknown setting 'latency' (did you mean 'latency_ms'?)" "$TEST_TMP/err" ||
	fail "bad config message: $(cat "$TEST_TMP/err")"
echo '{"format": "something else"}' >"$TEST_TMP/bad-state.json"
"$ADSCTL" emulator --data "$TEST_TMP/bad-state.json" >/dev/null 2>"$TEST_TMP/err" &&
	fail "bad state accepted"
grep -q "not an emulator state file" "$TEST_TMP/err" || fail "bad state message"
echo ok
