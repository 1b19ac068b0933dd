# Images, videos, audiences and members, async request sets, ETags,
# validate_only, batch limits, admin edits.
. "$(dirname "$0")/lib.sh"

cat >"$TEST_TMP/cfg.json" <<JSON
{"review_seconds": 0, "audience_min_size": 2,
 "async": {"requests_per_tick": 2, "tick_ms": 50, "paused": true}}
JSON
emu_start --config "$TEST_TMP/cfg.json"
A=act_500

# --- images: bytes and multipart, hash = MD5 of the bytes
printf '\211PNG\r\n\032\n-emulator-test-image-1' >"$TEST_TMP/a.png"
printf '\377\330\377\340-emulator-test-image-2' >"$TEST_TMP/b.jpg"
MD5A=$($PY -c 'import hashlib,sys;print(hashlib.md5(open(sys.argv[1],"rb").read()).hexdigest())' "$TEST_TMP/a.png")
MD5B=$($PY -c 'import hashlib,sys;print(hashlib.md5(open(sys.argv[1],"rb").read()).hexdigest())' "$TEST_TMP/b.jpg")
B64=$($PY -c 'import base64,sys;print(base64.b64encode(open(sys.argv[1],"rb").read()).decode())' "$TEST_TMP/a.png")
api POST $A/adimages --data-urlencode "bytes=$B64"
check "d['images']['bytes']['hash'] == '$MD5A'" "bytes upload"
api POST $A/adimages -F "b.jpg=@$TEST_TMP/b.jpg"
check "d['images']['b.jpg']['hash'] == '$MD5B'" "multipart upload"
api POST $A/adimages --data-urlencode "bytes=$($PY -c 'import base64;print(base64.b64encode(b"not an image").decode())')"
expect_error 400 100
api GET "$A/adimages?fields=hash,name" --data-urlencode "hashes=[\"$MD5B\"]" -G
check "[x['hash'] for x in d['data']] == ['$MD5B']" "hashes filter"
api DELETE "$A/adimages?hash=$MD5B"
check "d == {'success': True}"
api GET "$A/adimages?fields=hash"
check "[x['hash'] for x in d['data']] == ['$MD5A']" "deleted image hidden"

# --- videos
printf 'not really a video' >"$TEST_TMP/v.mp4"
api POST $A/advideos -F "source=@$TEST_TMP/v.mp4" -F title=Clip
VID=$(jq_py "d['id']")
api GET "$VID?fields=status,title"
check "d['status']['video_status'] == 'ready' and d['title'] == 'Clip'"
api GET "$A/advideos"
expect_error 400 100 33

# --- creatives referencing media; unknown hashes are refused
api POST $A/adcreatives -d name=dco \
	--data-urlencode "object_story_spec={\"page_id\":\"1\"}" \
	--data-urlencode "asset_feed_spec={\"images\":[{\"hash\":\"$MD5A\"}],\"bodies\":[{\"text\":\"b\"}],\"titles\":[{\"text\":\"t\"}],\"link_urls\":[{\"website_url\":\"https://x.example\"}],\"call_to_action_types\":[\"SHOP_NOW\"],\"ad_formats\":[\"SINGLE_IMAGE\"]}"
assert_eq "$STATUS" 200 "asset feed creative"
DCOCR=$(jq_py "d['id']")
api GET "$DCOCR?fields=asset_feed_spec,status,object_type,thumbnail_url"
check "d['asset_feed_spec']['optimization_type'] == 'REGULAR' and d['asset_feed_spec']['call_to_actions'] == [{'type': 'SHOP_NOW'}]"
check "d['status'] == 'ACTIVE' and d['object_type'] == 'SHARE' and d['thumbnail_url']"
api POST $A/adcreatives -d name=bad \
	--data-urlencode "object_story_spec={\"page_id\":\"1\",\"link_data\":{\"link\":\"https://x.example\",\"image_hash\":\"$MD5B\"}}"
expect_error 400 100
api POST $A/adcreatives -d name=bad \
	--data-urlencode "object_story_spec={\"page_id\":\"1\",\"link_data\":{\"link\":\"https://x.example\",\"call_to_action\":{\"type\":\"SHOP_NOWW\"}}}"
expect_error 400 100
check "'SHOP_NOW' in d['error']['message']" "nested enum"
api POST $A/adcreatives -d name=story -d object_story_id=1_2
S1=$(jq_py "d['id']")
api POST $A/adcreatives -d name=story-again -d object_story_id=1_2
assert_eq "$(jq_py "d['id']")" "$S1" "object_story_id dedup"

# --- dynamic creative ad set: one ad, and it cannot be deleted
api POST $A/campaigns -d name=C -d objective=OUTCOME_SALES -d status=PAUSED \
	-d 'special_ad_categories=[]' -d daily_budget=5000
CAMP=$(jq_py "d['id']")
api POST $A/adsets -d name=DCO -d campaign_id=$CAMP -d billing_event=IMPRESSIONS \
	-d optimization_goal=REACH -d is_dynamic_creative=true \
	--data-urlencode 'targeting={"geo_locations":{"countries":["US"]}}'
DCOSET=$(jq_py "d['id']")
api POST $A/ads -d name=A1 -d adset_id=$DCOSET --data-urlencode "creative={\"creative_id\":\"$DCOCR\"}"
DCOAD=$(jq_py "d['id']")
api POST $A/ads -d name=A2 -d adset_id=$DCOSET --data-urlencode "creative={\"creative_id\":\"$DCOCR\"}"
expect_error 400 100
api DELETE "$DCOAD"
expect_error 400 100 1340029

# --- validate_only changes nothing
api POST $A/campaigns -d name=V -d objective=OUTCOME_SALES -d status=PAUSED \
	-d 'special_ad_categories=[]' -d daily_budget=5000 \
	--data-urlencode 'execution_options=["validate_only"]'
check "d == {'success': True}"
api POST $A/campaigns -d name=V -d objective=OUTCOME_SALES -d status=PAUSED \
	-d 'special_ad_categories=[]' -d daily_budget=50 \
	--data-urlencode 'execution_options=["validate_only"]'
expect_error 400 100 1885272
api POST $A/campaigns -d name=V -d objective=OUTCOME_SALES -d status=PAUSED \
	-d 'special_ad_categories=[]' -d daily_budget=5000 \
	--data-urlencode 'execution_options=["include_recommendations"]'
expect_error 400 100
api GET "$A/campaigns?summary=true"
check "d['summary']['total_count'] == 1" "validate_only created nothing"

# --- ETags
api GET "$CAMP?fields=name,daily_budget"
TAG=$(header ETag)
case "$TAG" in \"*\") ;; *) fail "ETag not quoted: $TAG" ;; esac
api GET "$CAMP?fields=name,daily_budget" -H "If-None-Match: $TAG"
assert_eq "$STATUS" 304 "not modified"
[ ! -s "$RESP_FILE" ] || fail "304 with a body"
raw POST "$EMU_URL/_emulator/edit" -d "{\"id\":\"$CAMP\",\"fields\":{\"daily_budget\":7000}}"
check "d['fields']['daily_budget'] == '7000'" "admin edit"
api GET "$CAMP?fields=name,daily_budget" -H "If-None-Match: $TAG"
assert_eq "$STATUS" 200 "changed after an edit"
raw POST "$EMU_URL/_emulator/edit" -d "{\"id\":\"$CAMP\",\"fields\":{\"daily_budget\":\"x\"}}"
assert_eq "$STATUS" 400 "edit type sanity"
raw POST "$EMU_URL/_emulator/edit" -d "{\"id\":\"$CAMP\",\"fields\":{\"nonsense\":1}}"
assert_eq "$STATUS" 400 "edit unknown field"
raw POST "$EMU_URL/v25.0/" -d access_token=$TOKEN --data-urlencode "batch=[{\"method\":\"GET\",\"relative_url\":\"$CAMP?fields=name\",\"headers\":[\"If-None-Match: \\\"nope\\\"\"]}]"
BTAG=$(jq_py "[h['value'] for h in d[0]['headers'] if h['name'] == 'ETag'][0]")
BATCH=$($PY -c "import json,sys;print(json.dumps([{'method':'GET','relative_url':'$CAMP?fields=name','headers':['If-None-Match: '+sys.argv[1]]}]))" "$BTAG")
raw POST "$EMU_URL/v25.0/" -d access_token=$TOKEN --data-urlencode "batch=$BATCH"
check "d[0]['code'] == 304 and d[0]['body'] is None" "304 inside a batch"

# --- batch limits
BATCH=$($PY -c "import json;print(json.dumps([{'method':'GET','relative_url':'me'}]*51))")
raw POST "$EMU_URL/v25.0/" -d access_token=$TOKEN --data-urlencode "batch=$BATCH"
expect_error 400 100
check "d['error']['type'] == 'GraphBatchException'"
api POST $A/adsets -d name=S -d campaign_id=$CAMP -d billing_event=IMPRESSIONS \
	-d optimization_goal=REACH --data-urlencode 'targeting={"geo_locations":{"countries":["US"]}}'
SET=$(jq_py "d['id']")
BATCH=$($PY -c "
import json
items = [{'method': 'POST', 'relative_url': '$A/ads',
          'body': 'name=a%d&adset_id=$SET&creative=%%7B%%22creative_id%%22%%3A%%22$S1%%22%%7D' % i}
         for i in range(11)]
items.append({'method': 'POST', 'relative_url': '$SET', 'body': 'name=renamed'})
items.append({'method': 'POST', 'relative_url': '$A/adsets', 'body': 'name=S2&campaign_id=$CAMP&billing_event=IMPRESSIONS&optimization_goal=REACH&targeting=%7B%22geo_locations%22%3A%7B%22countries%22%3A%5B%22US%22%5D%7D%7D'})
print(json.dumps(items))")
raw POST "$EMU_URL/v25.0/" -d access_token=$TOKEN -d include_headers=false --data-urlencode "batch=$BATCH"
check "all(x['code'] == 200 for x in d[:10])" "10 ad creates"
check "d[10]['code'] == 400" "the 11th ad create fails"
check "d[11]['code'] == 200 and d[12]['code'] == 400" "second ad-set write of a campaign fails"
check "'headers' not in d[0]" "include_headers=false"
# depends_on and a failed dependency; omit_response_on_success false
BATCH='[{"method":"POST","name":"bad","relative_url":"act_500/campaigns","body":"name=x"},{"method":"GET","relative_url":"me","depends_on":"bad"},{"method":"POST","name":"ok","omit_response_on_success":false,"relative_url":"act_500/adlabels","body":"name=L1"},{"method":"GET","relative_url":"?ids={result=ok:$.id}&fields=name"}]'
raw POST "$EMU_URL/v25.0/" -d access_token=$TOKEN --data-urlencode "batch=$BATCH"
check "d[0]['code'] == 400 and d[1]['code'] == 400" "dependent of a failed item"
check "d[2] is not None and d[2]['code'] == 200" "omit_response_on_success false"
check "list(json.loads(d[3]['body']).values())[0]['name'] == 'L1'" "ids= with a reference"

# --- custom audiences and members
api POST $A/customaudiences -d name=Buyers -d subtype=CUSTOM \
	-d customer_file_source=USER_PROVIDED_ONLY \
	--data-urlencode 'description=Buyers [adsctl demo:audiences.buyers sha256=abc]'
AUD=$(jq_py "d['id']")
api POST $A/customaudiences -d name=NoSource -d subtype=CUSTOM
expect_error 400 100
H1=$($PY -c 'import hashlib;print(hashlib.sha256(b"a@x.example").hexdigest())')
H2=$($PY -c 'import hashlib;print(hashlib.sha256(b"b@x.example").hexdigest())')
H3=$($PY -c 'import hashlib;print(hashlib.sha256(b"c@x.example").hexdigest())')
api POST "$AUD/users" --data-urlencode "payload={\"schema\":\"EMAIL_SHA256\",\"data\":[\"$H1\",\"$H2\",\"$H3\",\"raw@x.example\"]}"
check "d['num_received'] == 4 and d['num_invalid_entries'] == 1 and d['audience_id'] == '$AUD'"
api GET "$AUD?fields=approximate_count,description,time_created"
check "d['approximate_count'] == 3 and isinstance(d['time_created'], int)"
check "d['description'] == 'Buyers [adsctl demo:audiences.buyers sha256=abc]'" "description verbatim"
api DELETE "$AUD/users" --data-urlencode "payload={\"schema\":[\"EMAIL\"],\"data\":[[\"$H1\"]]}"
assert_eq "$STATUS" 200 "remove one"
api DELETE "$AUD/users" --data-urlencode "payload={\"schema\":\"EMAIL_SHA256\",\"data\":[\"$H2\"]}"
expect_error 400 200 1870047
api POST "$AUD/usersreplace" --data-urlencode "payload={\"schema\":\"EMAIL_SHA256\",\"data\":[\"$H1\"]}" \
	--data-urlencode 'session={"session_id":77,"batch_seq":1,"last_batch_flag":false}'
assert_eq "$STATUS" 200 "replace batch 1"
api GET "$AUD?fields=approximate_count"
check "d['approximate_count'] == 2" "not replaced before the last batch"
api POST "$AUD/usersreplace" --data-urlencode "payload={\"schema\":\"EMAIL_SHA256\",\"data\":[\"$H3\"]}" \
	--data-urlencode 'session={"session_id":77,"batch_seq":3,"last_batch_flag":true}'
expect_error 400 100
api POST "$AUD/usersreplace" --data-urlencode "payload={\"schema\":\"EMAIL_SHA256\",\"data\":[\"$H2\"]}" \
	--data-urlencode 'session={"session_id":77,"batch_seq":2,"last_batch_flag":true}'
api GET "$AUD?fields=approximate_count"
check "d['approximate_count'] == 2" "replaced by the session's members"
$PY -c "import json;print(json.dumps({'schema':'EMAIL_SHA256','data':['$H1']*10001}))" >"$TEST_TMP/rows.json"
api POST "$AUD/users" --data-urlencode "payload@$TEST_TMP/rows.json"
expect_error 400 100

# --- async request sets, tick by tick: the worker is paused, so each
# POST /_emulator/async/tick is exactly one tick (2 requests per tick)
tick() {
	raw POST "$EMU_URL/_emulator/async/tick"
	assert_eq "$STATUS" 200 "async tick"
	check "(d['started'], d['finished'], d['pending']) == ($1, $2, $3)" \
		"tick: (started, finished, pending) == ($1, $2, $3)"
}
counts() {
	api GET "$1?fields=is_completed,total_count,initial_count,in_progress_count,success_count,error_count,canceled_count"
	check "[d[k] for k in ('total_count','initial_count','in_progress_count','success_count','error_count','canceled_count')] == [$2]" \
		"counts of $1 == [$2]"
}
api POST $A/asyncadrequestsets -d name=bulk \
	--data-urlencode "ad_specs=[{\"name\":\"x1\",\"adset_id\":\"$SET\",\"creative\":{\"creative_id\":\"$S1\"}},{\"name\":\"x2\",\"adset_id\":\"$SET\",\"creative\":{\"creative_id\":\"$S1\"}},{\"name\":\"x3\",\"adset_id\":\"$SET\"}]"
ASET=$(jq_py "d['id']")
counts "$ASET" "3, 3, 0, 0, 0, 0"
check "d['is_completed'] is False"
tick 2 0 1
counts "$ASET" "3, 1, 2, 0, 0, 0"
tick 1 2 1
counts "$ASET" "3, 0, 1, 2, 0, 0"
tick 0 1 0
counts "$ASET" "3, 0, 0, 2, 1, 0"
check "d['is_completed'] is True"
api GET "$ASET/requests?fields=status,result,input,scope_object_id"
check "sorted(x['status'] for x in d['data']) == ['ERROR','SUCCESS','SUCCESS']"
check "all(x['scope_object_id'] == '$SET' for x in d['data'])"
check "[x['result'][0]['error_code'] for x in d['data'] if x['status'] == 'ERROR'] == [100]"
tick 0 0 0
# async batch with references: "s" waits until "c" has run
api POST $A/async_batch_requests -d name=ab \
	--data-urlencode 'adbatch=[{"name":"c","relative_url":"act_500/campaigns","body":"name%3DAB%26objective%3DOUTCOME_SALES%26status%3DPAUSED%26special_ad_categories%3D%5B%5D%26daily_budget%3D3000"},{"name":"s","relative_url":"act_500/adlabels","body":"name={result=c:$.id}"}]'
BSET=$(jq_py "d['id']")
tick 1 0 1
tick 1 1 1
tick 0 1 0
api GET "$BSET/requests?fields=status,result"
check "all(x['status'] == 'SUCCESS' for x in d['data'])" "async batch"
# --- cancel: DELETE /<set> cancels what has not started
api POST $A/asyncadrequestsets -d name=slow \
	--data-urlencode "ad_specs=[{\"name\":\"y1\",\"adset_id\":\"$SET\"},{\"name\":\"y2\",\"adset_id\":\"$SET\"}]"
CSET=$(jq_py "d['id']")
api DELETE "$CSET"
check "d == {'success': True}"
counts "$CSET" "2, 0, 0, 0, 0, 2"
check "d['is_completed'] is True" "canceled set"
tick 0 0 0
counts "$CSET" "2, 0, 0, 0, 0, 2"
api DELETE "$CSET/requests"
expect_error 400 2500
# a set canceled partway: what a tick started still runs, the rest is
# canceled (the worker is paused: nothing moves between these steps)
api POST $A/asyncadrequestsets -d name=partway \
	--data-urlencode "ad_specs=[{\"name\":\"p1\",\"adset_id\":\"$SET\",\"creative\":{\"creative_id\":\"$S1\"}},{\"name\":\"p2\",\"adset_id\":\"$SET\",\"creative\":{\"creative_id\":\"$S1\"}},{\"name\":\"p3\",\"adset_id\":\"$SET\",\"creative\":{\"creative_id\":\"$S1\"}}]"
PSET=$(jq_py "d['id']")
tick 2 0 1
counts "$PSET" "3, 1, 2, 0, 0, 0"
api DELETE "$PSET"
check "d == {'success': True}"
counts "$PSET" "3, 0, 2, 0, 0, 1"
check "d['is_completed'] is False" "two requests still in progress"
tick 0 2 0
counts "$PSET" "3, 0, 0, 2, 0, 1"
check "d['is_completed'] is True" "set canceled partway"
api GET "$PSET/requests?fields=status,input"
check "sorted((x['input']['adgroup_spec']['name'], x['status']) for x in d['data']) == [('p1','SUCCESS'),('p2','SUCCESS'),('p3','CANCELED')]" \
	"the requests started before the cancel ran, in order"
api GET "$SET/ads?fields=name&limit=100"
check "len([x for x in d['data'] if x['name'] in ('p1','p2','p3')]) == 2" \
	"only the requests that ran created ads"
# DELETE /<request> cancels one that has not started, not one in progress
raw POST "$EMU_URL/_emulator/config" -d '{"async": {"requests_per_tick": 1}}'
api POST $A/asyncadrequestsets -d name=one-by-one \
	--data-urlencode "ad_specs=[{\"name\":\"z1\",\"adset_id\":\"$SET\",\"creative\":{\"creative_id\":\"$S1\"}},{\"name\":\"z2\",\"adset_id\":\"$SET\"}]"
DSET=$(jq_py "d['id']")
tick 1 0 1
api GET "$DSET/requests?fields=id,status"
R1=$(jq_py "[x['id'] for x in d['data'] if x['status'] == 'IN_PROGRESS'][0]")
R2=$(jq_py "[x['id'] for x in d['data'] if x['status'] == 'INITIAL'][0]")
api DELETE "$R1"
expect_error 400 100
api DELETE "$R2"
check "d == {'success': True}"
tick 0 1 0
counts "$DSET" "2, 0, 0, 1, 0, 1"

# --- the worker itself: unpaused, it runs sets on its own
raw POST "$EMU_URL/_emulator/config" -d '{"async": {"paused": false, "requests_per_tick": 10, "tick_ms": 10}}'
api POST $A/asyncadrequestsets -d name=auto \
	--data-urlencode "ad_specs=[{\"name\":\"w1\",\"adset_id\":\"$SET\",\"creative\":{\"creative_id\":\"$S1\"}}]"
WSET=$(jq_py "d['id']")
# a liveness bound, not a timing assertion: the set needs two 10 ms ticks
i=0
while :; do
	api GET "$WSET?fields=is_completed,success_count"
	[ "$(jq_py "d['is_completed']")" = True ] && break
	i=$((i + 1))
	[ $i -lt 600 ] || fail "the async worker never completed a set"
	sleep 0.1
done
check "d['success_count'] == 1" "the worker ran the set"
# pausing it again stops it: nothing runs but the ticks asked for
raw POST "$EMU_URL/_emulator/config" -d '{"async": {"paused": true}}'
api POST $A/asyncadrequestsets -d name=held \
	--data-urlencode "ad_specs=[{\"name\":\"h1\",\"adset_id\":\"$SET\",\"creative\":{\"creative_id\":\"$S1\"}}]"
HSET=$(jq_py "d['id']")
sleep 0.1
counts "$HSET" "1, 1, 0, 0, 0, 0"
tick 1 0 1
tick 0 1 0
counts "$HSET" "1, 0, 0, 1, 0, 0"
# new sets do not make a running worker tick early: with a one-minute
# tick (set while paused, so no tick of the old pace is pending), three
# sets created back to back all stay INITIAL
raw POST "$EMU_URL/_emulator/config" -d '{"async": {"tick_ms": 60000}}'
raw POST "$EMU_URL/_emulator/config" -d '{"async": {"paused": false}}'
QSETS=
for n in 1 2 3; do
	api POST $A/asyncadrequestsets -d name=queued-$n \
		--data-urlencode "ad_specs=[{\"name\":\"q$n\",\"adset_id\":\"$SET\",\"creative\":{\"creative_id\":\"$S1\"}}]"
	QSETS="$QSETS $(jq_py "d['id']")"
done
for q in $QSETS; do
	counts "$q" "1, 1, 0, 0, 0, 0"
done

emu_stop
echo ok
