# The emulator never persists or prints the access token: after calls
# that carry a distinctive token (and its appsecret_proof) in every way a
# client can send them, neither the token, the proof nor the app secret
# is in any file the emulator wrote, on its stdout or stderr, or in any
# /_emulator/ admin answer.
. "$(dirname "$0")/lib.sh"

# distinctive values, new each run: a hit cannot come from anything else
TOK="EAAtok$($PY -c 'import secrets;print(secrets.token_hex(20))')"
APP_SECRET="appsecret$($PY -c 'import secrets;print(secrets.token_hex(12))')"
PROOF=$($PY -c 'import hmac,hashlib,sys;print(hmac.new(sys.argv[1].encode(),sys.argv[2].encode(),hashlib.sha256).hexdigest())' "$APP_SECRET" "$TOK")

# everything the emulator may write goes below $WORK (its data file, the
# temporary file of an atomic save, anything written to its working
# directory); the configuration holds the app secret but is ours, so it
# lives elsewhere; the token comes from the environment, as the CLI
# passes it
WORK="$TEST_TMP/work"
mkdir -p "$WORK/data" "$WORK/cwd"
cat >"$TEST_TMP/cfg.json" <<JSON
{"app_secret": "$APP_SECRET", "review_seconds": 0,
 "async": {"paused": true, "requests_per_tick": 5}}
JSON
DATA="$WORK/data/state.json"
EMU_ERR_LOG="$WORK/emu.err"
start() {
	cd "$WORK/cwd" || fail "cd"
	ADSCTL_ACCESS_TOKEN=$TOK emu_start --data "$DATA" \
		--config "$TEST_TMP/cfg.json"
	cd - >/dev/null || fail "cd back"
}
# stops it (it saves its state) and keeps what it printed
stop() {
	emu_stop
	cp "$TEST_TMP/emu.out" "$WORK/emu.out.$1"
}
start 1
TOKEN="$TOK&appsecret_proof=$PROOF"
A=act_4242

# admin answers are collected below $WORK/admin, one file each
n_admin=0
admin() {
	raw "$@"
	n_admin=$((n_admin + 1))
	cp "$RESP_FILE" "$WORK/admin/$n_admin.json"
}
mkdir -p "$WORK/admin"

# --- the token in every place a call can carry it
# query string
api GET "$A/campaigns"
assert_eq "$STATUS" 200 "token in the query"
# urlencoded body
raw POST "$EMU_URL/v25.0/$A/campaigns" -d "access_token=$TOK" \
	-d "appsecret_proof=$PROOF" -d name=C1 -d objective=OUTCOME_SALES \
	-d status=PAUSED -d 'special_ad_categories=[]' -d daily_budget=2000
assert_eq "$STATUS" 200 "token in a form body"
C1=$(jq_py "d['id']")
# Authorization header, OAuth and Bearer
raw GET "$EMU_URL/v25.0/$C1?fields=name&appsecret_proof=$PROOF" \
	-H "Authorization: Bearer $TOK"
assert_eq "$STATUS" 200 "Bearer token"
raw POST "$EMU_URL/v25.0/$C1?appsecret_proof=$PROOF" -H "Authorization: OAuth $TOK" \
	-d name=C1b
assert_eq "$STATUS" 200 "OAuth token"
# JSON body
raw POST "$EMU_URL/v25.0/$A/adlabels" -H 'Content-Type: application/json' \
	-d "{\"access_token\": \"$TOK\", \"appsecret_proof\": \"$PROOF\", \"name\": \"lbl\"}"
assert_eq "$STATUS" 200 "token in a JSON body"
# multipart body with a file
printf 'GIF89a\001\000\001\000\000\000\000;' >"$TEST_TMP/px.gif"
raw POST "$EMU_URL/v25.0/$A/adimages" -F "access_token=$TOK" \
	-F "appsecret_proof=$PROOF" -F "px.gif=@$TEST_TMP/px.gif"
assert_eq "$STATUS" 200 "token in a multipart body"
# ids= and id= reads, an ETag revalidation
api GET "?ids=$C1,$A&fields=id"
assert_eq "$STATUS" 200 "ids= read"
api GET "?id=$C1&fields=name"
assert_eq "$STATUS" 200 "id= read"
ETAG=$(header ETag)
api GET "?id=$C1&fields=name" -H "If-None-Match: $ETAG"
assert_eq "$STATUS" 304 "revalidated"
# paging: next links carry the token (as Meta's do); following one
api POST $A/campaigns -d name=C2 -d objective=OUTCOME_SALES -d status=PAUSED \
	-d 'special_ad_categories=[]' -d daily_budget=2000
api GET "$A/campaigns?fields=name&limit=1"
NEXT=$(jq_py "d['paging']['next']")
case "$NEXT" in *"$TOK"*) ;; *) fail "next link without the token: $NEXT" ;; esac
raw GET "$NEXT&appsecret_proof=$PROOF"
assert_eq "$STATUS" 200 "next link"
# a batch: top-level token, and an item with its own token and proof
raw POST "$EMU_URL/v25.0/" -d "access_token=$TOK" -d "appsecret_proof=$PROOF" \
	--data-urlencode "batch=[{\"method\":\"POST\",\"name\":\"c\",\"omit_response_on_success\":false,\"relative_url\":\"$A/campaigns\",\"body\":\"name=B1&objective=OUTCOME_SALES&status=PAUSED&special_ad_categories=[]&daily_budget=2000&access_token=$TOK&appsecret_proof=$PROOF\"},{\"method\":\"GET\",\"relative_url\":\"{result=c:\$.id}?fields=name&access_token=$TOK&appsecret_proof=$PROOF\"}]"
assert_eq "$STATUS" 200 "batch"
check "d[0]['code'] == 200 and d[1]['code'] == 200" "batch items"
# async sets, with the token inside the requests they keep (a client that
# copies its batch items into an async batch)
api POST $A/asyncadrequestsets -d name=set1 \
	--data-urlencode "ad_specs=[{\"name\":\"a1\",\"adset_id\":\"1\",\"creative\":{\"creative_id\":\"1\"},\"access_token\":\"$TOK\"}]"
assert_eq "$STATUS" 200 "async ad set"
api POST $A/async_batch_requests -d name=set2 \
	--data-urlencode "adbatch=[{\"name\":\"l\",\"headers\":[\"Authorization: OAuth $TOK\"],\"relative_url\":\"$A/adlabels?access_token=$TOK\",\"body\":\"name=async-label&access_token=$TOK&appsecret_proof=$PROOF\"},{\"relative_url\":\"$A/adlabels\",\"body\":\"name=%7Bresult%3Dl%3A%24.id%7D&access_token=$TOK\"}]"
assert_eq "$STATUS" 200 "async batch"
SET2=$(jq_py "d['id']")
admin POST "$EMU_URL/_emulator/async/tick" -d '{"ticks": 4}'
api GET "$SET2/requests?fields=status,input,result"
check "sorted(x['status'] for x in d['data']) == ['SUCCESS', 'SUCCESS']" \
	"the async requests ran (without their token)"
check "sorted((x['input'].get('name', ''), x['input']['relative_url'], x['input']['body']) for x in d['data']) == [('', '$A/adlabels', 'name=%7Bresult%3Dl%3A%24.id%7D'), ('l', '$A/adlabels', 'name=async-label')]" \
	"the requests are kept without their credentials"
# failures: a wrong proof, an unknown token, a bad parameter value
raw GET "$EMU_URL/v25.0/$A/campaigns?access_token=$TOK&appsecret_proof=00$PROOF"
expect_error 400 100
raw GET "$EMU_URL/v25.0/$A/campaigns?access_token=${TOK}x&appsecret_proof=$PROOF"
expect_error 400 190
api POST "$C1" -d "status=$TOK"
expect_error 400 100
# faults: an error body and a dropped reply
admin POST "$EMU_URL/_emulator/config" -d '{"faults": {"transient": 1}}'
api GET "$A/campaigns"
check "d['error']['code'] in (1, 2, 17, 613)" "injected fault"
admin POST "$EMU_URL/_emulator/config" -d '{"faults": {"transient": 0}}'

# --- every admin answer
admin GET "$EMU_URL/_emulator/state"
IDS=$(jq_py "' '.join(o['id'] for o in d['objects'])")
[ -n "$IDS" ] || fail "no objects in the state"
for id in $IDS; do
	admin GET "$EMU_URL/_emulator/objects/$id"
	assert_eq "$STATUS" 200 "object $id"
done
admin GET "$EMU_URL/_emulator/stats"
admin GET "$EMU_URL/_emulator/clock"
admin POST "$EMU_URL/_emulator/edit" -d "{\"id\": \"$C1\", \"fields\": {\"name\": \"edited\"}}"
assert_eq "$STATUS" 200 "admin edit"
admin POST "$EMU_URL/_emulator/config" -d '{"tokens": ["x"]}'
assert_eq "$STATUS" 400 "tokens are fixed"
admin POST "$EMU_URL/_emulator/nothing"

# --- saved, reloaded (the state round-trips), saved again
stop 1
[ -s "$DATA" ] || fail "no state written"
start 2
admin GET "$EMU_URL/_emulator/state"
check "len(d['objects']) > 5" "reloaded"
stop 2

# --- the secrets are nowhere; the test sees them where they belong
# prints "file: ...context..." for each hit, the secret shown as <TOKEN>,
# <PROOF> or <APP_SECRET>
find_secrets() {
	$PY - "$TOK" "$PROOF" "$APP_SECRET" "$@" <<'PY'
import os, sys
names = ["<TOKEN>", "<PROOF>", "<APP_SECRET>"]
secrets = sys.argv[1:4]
def files(p):
    if os.path.isdir(p):
        for d, _, fs in os.walk(p):
            for f in fs:
                yield os.path.join(d, f)
    else:
        yield p
for root in sys.argv[4:]:
    for f in files(root):
        text = open(f, "rb").read().decode("latin-1")
        for s, name in zip(secrets, names):
            i = text.find(s)
            if i >= 0:
                ctx = text[max(0, i - 80):i + len(s) + 40]
                for s2, n2 in zip(secrets, names):
                    ctx = ctx.replace(s2, n2)
                print("%s: ...%s..." % (f, ctx))
PY
}
HITS=$(find_secrets "$WORK")
[ -z "$HITS" ] || fail "a secret in what the emulator wrote or answered:
$HITS"
[ -n "$(find_secrets "$TEST_TMP/cfg.json")" ] ||
	fail "the check cannot see the app secret"
printf '%s\n' "$NEXT" >"$TEST_TMP/next.txt"
[ -n "$(find_secrets "$TEST_TMP/next.txt")" ] ||
	fail "the check cannot see the token"
echo ok
