# The emulator's core: auth, CRUD of campaigns/ad sets/ads/creatives,
# read-backs, paging to the end, the maximum page size, batch references,
# admin endpoints.
. "$(dirname "$0")/lib.sh"

emu_start
# a frozen clock: new ads stay in review (10 s) until the test moves it
raw POST "$EMU_URL/_emulator/clock" -d '{"frozen": true}'

# --- auth: any non-empty token is accepted by default; none is 190
raw GET "$EMU_URL/v25.0/act_1/campaigns"
expect_error 400 190
raw GET "$EMU_URL/v25.0/act_1/campaigns" -H "Authorization: Bearer abc"
assert_eq "$STATUS" 200 "bearer token"
raw GET "$EMU_URL/v25.0/act_1/campaigns" -H "Authorization: OAuth abc"
assert_eq "$STATUS" 200 "OAuth token"

# --- campaign create and read-back
api POST act_1/campaigns -d name=Spring -d objective=OUTCOME_SALES \
	-d status=PAUSED -d 'special_ad_categories=[]' -d daily_budget=20000
assert_eq "$STATUS" 200 "campaign create"
CAMP=$(jq_py "d['id']")
check "d == {'id': d['id']} and d['id'].isdigit() and 15 <= len(d['id']) <= 18" \
	"create returns a numeric id only"
api GET "$CAMP"
check "d == {'id': '$CAMP'}" "only id without fields"
api GET "$CAMP?fields=name,daily_budget,status,configured_status,effective_status,buying_type,budget_remaining,created_time,bid_strategy"
check "d['daily_budget'] == '20000' and d['budget_remaining'] == '20000'" \
	"money as strings"
check "d['buying_type'] == 'AUCTION' and d['bid_strategy'] == 'LOWEST_COST_WITHOUT_CAP'" \
	"campaign defaults"
check "d['effective_status'] == 'PAUSED' and d['configured_status'] == 'PAUSED'"
check "d['created_time'].endswith('+0000') and d['created_time'][10] == 'T'" \
	"+0000 times"

# --- validation errors
api POST act_1/campaigns -d name=X -d objective=OUTCOME_SALES -d status=PAUSED
expect_error 400 100
check "'special_ad_categories' in d['error']['message']" "required param"
api POST act_1/campaigns -d name=X -d objective=OUTCOME_SALEZ \
	-d status=PAUSED -d 'special_ad_categories=[]' -d daily_budget=2000
expect_error 400 100
check "'OUTCOME_SALES' in d['error']['message']" "enum suggestion"
api POST act_1/campaigns -d name=X -d objective=OUTCOME_SALES \
	-d status=ARCHIVED -d 'special_ad_categories=[]' -d daily_budget=2000
expect_error 400 100
api POST act_1/campaigns -d name=X -d objective=OUTCOME_SALES \
	-d status=PAUSED -d 'special_ad_categories=[]' -d daly_budget=2000
expect_error 400 100
check "'daily_budget' in d['error']['message']" "unknown param suggestion"
api POST act_1/campaigns -d name=X -d objective=OUTCOME_SALES \
	-d status=PAUSED -d 'special_ad_categories=[]'
expect_error 400 100 4834011
api GET "$CAMP?fields=name,nope"
expect_error 400 100

# --- ad set: CBO campaign refuses an ad set budget (1885621)
TARGETING='{"geo_locations":{"countries":["DE","AT"]},"age_min":21}'
api POST act_1/adsets -d name=AS -d campaign_id="$CAMP" -d daily_budget=1000 \
	-d billing_event=IMPRESSIONS -d optimization_goal=REACH \
	--data-urlencode "targeting=$TARGETING" -d status=PAUSED
expect_error 400 100 1885621
api POST act_1/adsets -d name=AS -d campaign_id="$CAMP" \
	-d billing_event=IMPRESSIONS -d optimization_goal=REACH \
	--data-urlencode "targeting=$TARGETING" -d status=PAUSED
assert_eq "$STATUS" 200 "ad set create"
ADSET=$(jq_py "d['id']")
api GET "$ADSET?fields=targeting,campaign_id,effective_status,campaign{id,name}"
check "d['targeting']['age_min'] == 21 and d['targeting']['age_max'] == 65" \
	"targeting age default"
check "d['targeting']['geo_locations']['location_types'] == ['home','recent']" \
	"location_types default"
check "d['campaign_id'] == '$CAMP' and d['campaign'] == {'id': '$CAMP', 'name': 'Spring'}"
check "d['effective_status'] == 'PAUSED'"

# --- creative and ad
api POST act_1/adcreatives -d name=CR \
	--data-urlencode 'object_story_spec={"page_id":"1111","link_data":{"link":"https://shop.example","message":"Hi"}}'
assert_eq "$STATUS" 200 "creative create"
CR=$(jq_py "d['id']")
api POST act_1/ads -d name=AD -d adset_id="$ADSET" -d status=ACTIVE \
	--data-urlencode "creative={\"creative_id\":\"$CR\"}" \
	--data-urlencode 'adlabels=[{"name":"adsctl:demo:campaigns.spring"}]'
assert_eq "$STATUS" 200 "ad create"
AD=$(jq_py "d['id']")
api GET "$AD?fields=effective_status,creative{id,name},adlabels,adset_id,campaign_id"
check "d['effective_status'] == 'PENDING_REVIEW'" "new ads are in review"
raw POST "$EMU_URL/_emulator/clock" -d '{"advance": 9}'
api GET "$AD?fields=effective_status"
check "d['effective_status'] == 'PENDING_REVIEW'" "in review for 10 s"
raw POST "$EMU_URL/_emulator/clock" -d '{"advance": 1}'
api GET "$AD?fields=effective_status"
check "d['effective_status'] == 'CAMPAIGN_PAUSED'" "reviewed after 10 s"
api GET "$AD?fields=effective_status,creative{id,name},adlabels,adset_id,campaign_id"
check "d['creative'] == {'id': '$CR', 'name': 'CR'}" "creative expansion"
check "d['adlabels'][0]['name'] == 'adsctl:demo:campaigns.spring' and d['adlabels'][0]['id'].isdigit()" \
	"labels read back as {id,name}"
# creatives are immutable but for name/status/adlabels
api POST "$CR" --data-urlencode 'object_story_spec={"page_id":"2"}'
expect_error 400 100
api POST "$CR" -d name=Renamed
assert_eq "$STATUS" 200 "creative rename"
check "d == {'success': True}"
# immutable ad set campaign_id
api POST "$ADSET" -d campaign_id=1
expect_error 400 100

# --- archive/delete rules
api POST "$ADSET" -d status=ARCHIVED
assert_eq "$STATUS" 200 "archive"
api POST "$ADSET" -d status=ACTIVE
expect_error 400 100 1885088
api GET "act_1/adsets?fields=id"
check "d['data'] == []" "archived ad sets are hidden"
api GET "act_1/adsets" --data-urlencode 'effective_status=["ARCHIVED"]' -G
check "[x['id'] for x in d['data']] == ['$ADSET']" "shown when filtered"
api GET "act_1/adsets" --data-urlencode 'effective_status=["DELETED"]' -G
expect_error 400 100
api DELETE "$ADSET"
check "d == {'success': True}"
api POST "$ADSET" -d daily_budget=5000
expect_error 400 100 1487056
api POST "$ADSET" -d name=still-renamable
assert_eq "$STATUS" 200 "deleted: name only"
api GET "$AD?fields=effective_status"
check "d['effective_status'] == 'DELETED'" "children of a deleted ad set"

# --- paging to the end: 60 campaigns, limit 25, opaque cursors
for part in 0 1; do
	BATCH=$($PY -c "
import json, sys
p = int(sys.argv[1])
print(json.dumps([{'method': 'POST', 'relative_url': 'act_2/campaigns',
  'body': 'name=c%d&objective=OUTCOME_TRAFFIC&status=PAUSED'
          '&special_ad_categories=%%5B%%5D'
          '&is_adset_budget_sharing_enabled=false' % (p * 30 + i)}
  for i in range(30)]))" $part)
	raw POST "$EMU_URL/v25.0/" -d access_token=$TOKEN --data-urlencode "batch=$BATCH"
	check "all(x['code'] == 200 for x in d)" "batch of creates $part"
done
api GET "act_2/campaigns?fields=name&summary=true"
check "len(d['data']) == 25 and d['summary']['total_count'] == 60"
check "d['data'][0]['name'] == 'c59'" "newest first"
check "d['paging']['next'].startswith('$EMU_URL/v25.0/act_2/campaigns?')"
check "'access_token=$TOKEN' in d['paging']['next'] and 'fields=name' in d['paging']['next']" \
	"next carries every parameter"
seen=25
pages=1
next=$(jq_py "d['paging'].get('next','')")
while [ -n "$next" ]; do
	raw GET "$next"
	assert_eq "$STATUS" 200 "next page"
	seen=$((seen + $(jq_py "len(d['data'])")))
	pages=$((pages + 1))
	next=$(jq_py "d['paging'].get('next','')")
	[ $pages -le 5 ] || fail "paging does not end"
done
assert_eq "$seen" 60 "objects seen while paging"
assert_eq "$pages" 3 "pages"
api GET "act_2/campaigns?after=garbage"
expect_error 400 100

# --- batch with references
BATCH='[{"method":"POST","name":"c","relative_url":"act_3/campaigns","body":"name=B&objective=OUTCOME_SALES&special_ad_categories=%5B%5D&daily_budget=5000&status=PAUSED"},{"method":"GET","relative_url":"{result=c:$.id}?fields=name,daily_budget"},{"method":"GET","relative_url":"v25.0/999999?fields=name"}]'
raw POST "$EMU_URL/v25.0/" -d access_token=$TOKEN --data-urlencode "batch=$BATCH"
assert_eq "$STATUS" 200 "batch"
check "len(d) == 3 and d[0] is None" "referenced item omitted"
check "json.loads(d[1]['body']) == {'name': 'B', 'daily_budget': '5000'}" \
	"reference resolved"
check "d[2]['code'] == 400 and json.loads(d[2]['body'])['error']['code'] == 100" \
	"independent failure"
check "any(h['name'] == 'X-Business-Use-Case-Usage' for h in d[1]['headers'])" \
	"usage headers in items"

# --- admin
raw GET "$EMU_URL/_emulator/objects/$CAMP"
check "d['kind'] == 'campaign' and d['fields']['name'] == 'Spring'"
raw GET "$EMU_URL/_emulator/stats"
check "d['batch_requests'] == 3 and d['batch_items'] == 63 and d['graph_calls'] >= 63 + 30"
raw GET "$EMU_URL/_emulator/state"
check "any(o['id'] == '$ADSET' and o['fields']['status'] == 'DELETED' for o in d['objects'])" \
	"state includes deleted objects"

# --- the maximum page size: a limit above paging.max_limit (5000) is
# capped, not refused, and paging.next goes on from there; 5001 labels,
# made by 101 batches in one interpreter (curl per batch is slower)
$PY - "$EMU_URL/v25.0/" "$TOKEN" <<'PY' || fail "5001 labels"
import json, sys, urllib.parse, urllib.request
url, token = sys.argv[1], sys.argv[2]
for start in range(0, 5001, 50):
    batch = [{"method": "POST", "relative_url": "act_4/adlabels",
              "body": "name=label-%d" % i}
             for i in range(start, min(start + 50, 5001))]
    body = urllib.parse.urlencode({"access_token": token,
                                   "batch": json.dumps(batch)}).encode()
    items = json.load(urllib.request.urlopen(url, body))
    assert all(x["code"] == 200 for x in items), items
PY
api GET "act_4/adlabels?fields=id&limit=5001"
assert_eq "$STATUS" 200 "limit 5001"
check "len(d['data']) == 5000 and 'next' in d['paging']" "limit 5001: capped at 5000"
api GET "act_4/adlabels?fields=id&limit=99999999999999999999"
assert_eq "$STATUS" 200 "a limit beyond any integer"
check "len(d['data']) == 5000" "a limit beyond any integer: capped at 5000"
NEXT=$(jq_py "d['paging']['next']")
mv "$RESP_FILE" "$TEST_TMP/first-page"
raw GET "$NEXT"
assert_eq "$STATUS" 200 "the page after a capped page"
check "len(d['data']) == 1 and 'next' not in d['paging']" \
	"next continues after the capped page, to the 5001st label"
check "d['data'][0]['id'] not in {x['id'] for x in json.load(open('$TEST_TMP/first-page'))['data']}" \
	"the page after a capped page repeats nothing"
api GET "act_4?fields=adlabels.limit(5001){id}"
check "len(d['adlabels']['data']) == 5000 and 'next' in d['adlabels']['paging']" \
	"a nested edge is capped too"
# the cap is a runtime setting; a capped page that is still too large in
# bytes fails as any page does (code 1, HTTP 500)
raw POST "$EMU_URL/_emulator/config" -d '{"paging": {"max_limit": 3}}'
api GET "act_4/adlabels?fields=id&limit=10"
check "len(d['data']) == 3 and 'next' in d['paging']" "max_limit set at runtime"
raw POST "$EMU_URL/_emulator/config" -d '{"paging": {"max_limit": 5000, "max_page_bytes": 200000}}'
api GET "act_4/adlabels?fields=id&limit=100000"
assert_eq "$STATUS" 200 "5000 ids fit in 200000 bytes"
api GET "act_4/adlabels?fields=id,name,created_time&limit=100000"
expect_error 500 1
check "'reduce the amount of data' in d['error']['message']"

emu_stop
echo "ok"
