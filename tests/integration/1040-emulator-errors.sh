# The rest of the emulator's error codes, field expansion with nested
# edges, filtering, updated_since, backward paging and ids= reads.
. "$(dirname "$0")/lib.sh"

cat >"$TEST_TMP/cfg.json" <<JSON
{"paging": {"max_page_bytes": 3000}, "max_body_bytes": 4096,
 "review_seconds": 0}
JSON
emu_start --config "$TEST_TMP/cfg.json"
# a frozen clock, moved by the test: updated_since needs no sleep
raw POST "$EMU_URL/_emulator/clock" -d '{"frozen": true}'
A=act_600

api POST $A/campaigns -d name=Alpha -d objective=OUTCOME_SALES -d status=ACTIVE \
	-d 'special_ad_categories=[]' --data-urlencode 'adlabels=[{"name":"team-a"}]' \
	-d is_adset_budget_sharing_enabled=true
C1=$(jq_py "d['id']")
raw POST "$EMU_URL/_emulator/clock" -d '{"advance": 1}'
NOW=$(jq_py "d['now']")
api POST $A/campaigns -d name=Beta -d objective=OUTCOME_SALES -d status=PAUSED \
	-d 'special_ad_categories=[]' -d daily_budget=3000
C2=$(jq_py "d['id']")

# --- 2500: unknown paths and fields syntax
api GET "$A/frobnicate"
expect_error 400 2500
api GET "$C1?fields=name{"
expect_error 400 2500
# --- 803: ids that do not exist
api GET "?ids=$C1,424242424242"
expect_error 400 803
api GET "?ids=$C1,$C2,$A&fields=name"
check "d['$C1']['name'] == 'Alpha' and d['$C2']['name'] == 'Beta' and d['$A']['name'].startswith('Emulated')"
raw GET "$EMU_URL/_emulator/stats"
check "d['by_route']['GET /'] + d['by_route']['GET /?ids'] == 5" "each ids= entry is a call"
api GET "?id=$C2&fields=name"
check "d == {'name': 'Beta'}" "?id= is a read by id"

# --- 1487033 end dates in the past; 1870199 location_types; 2446307 spend cap
api POST $A/adsets -d name=S -d campaign_id=$C2 -d billing_event=IMPRESSIONS \
	-d optimization_goal=REACH --data-urlencode end_time=2020-01-01T00:00:00+0000 \
	--data-urlencode 'targeting={"geo_locations":{"countries":["US"]}}'
expect_error 400 100 1487033
api POST $A/adsets -d name=S -d campaign_id=$C2 -d billing_event=IMPRESSIONS \
	-d optimization_goal=REACH \
	--data-urlencode 'targeting={"geo_locations":{"countries":["US"],"location_types":["home"]}}'
expect_error 400 100 1870199
api POST $A/adsets -d name=S -d campaign_id=$C2 -d billing_event=IMPRESSIONS \
	-d optimization_goal=REACH \
	--data-urlencode 'targeting={"geo_locations":{"countries":["US"],"location_types":["home","recent"]}}'
assert_eq "$STATUS" 200 "the default location_types round-trip"
S1=$(jq_py "d['id']")
api POST "$C2" -d spend_cap=500
expect_error 400 100 2446307
api POST $A/adsets -d name=S -d campaign_id=$C1 -d billing_event=IMPRESSIONS \
	-d optimization_goal=REACH -d daily_budget=2000 -d bid_strategy=COST_CAP \
	--data-urlencode 'targeting={"geo_locations":{"countries":["US"]}}'
expect_error 400 100
check "'bid_amount' in d['error']['message']"
api POST $A/adsets -d name=S -d campaign_id=$C1 -d billing_event=IMPRESSIONS \
	-d optimization_goal=OFFSITE_CONVERSIONS -d daily_budget=2000 \
	--data-urlencode 'targeting={"geo_locations":{"countries":["US"]}}'
expect_error 400 100
check "'promoted_object' in d['error']['message']"
api POST $A/adsets -d name=S -d campaign_id=$C1 -d billing_event=IMPRESSIONS \
	-d optimization_goal=REACH -d lifetime_budget=20000 \
	--data-urlencode 'targeting={"geo_locations":{"countries":["US"]},"genders":[3]}'
expect_error 400 100

# --- 1487566: a deleted campaign takes only name edits
api DELETE "$C1"
api POST "$C1" -d status=PAUSED
expect_error 400 100 1487566
api POST "$C1" -d name=Gone
assert_eq "$STATUS" 200 "deleted: name"
api GET "$C1?fields=name,status,effective_status"
check "d == {'name': 'Gone', 'status': 'DELETED', 'effective_status': 'DELETED'}" \
	"readable by id"

# --- 413 and code 1: request and page size limits
head -c 5000 /dev/zero | tr '\0' 'x' >"$TEST_TMP/big"
api POST "$C2" --data-urlencode "name@$TEST_TMP/big"
expect_error 413 100
i=0
BATCH='['
while [ $i -lt 20 ]; do
	BATCH="$BATCH{\"method\":\"POST\",\"relative_url\":\"act_601/adlabels\",\"body\":\"name=label-number-$i-with-a-long-name\"},"
	i=$((i + 1))
done
BATCH="${BATCH%,}]"
printf 'access_token=%s&batch=%s' "$TOKEN" "$BATCH" >"$TEST_TMP/b"
raw POST "$EMU_URL/v25.0/" --data-binary "@$TEST_TMP/b"
assert_eq "$STATUS" 200 "labels batch"
api GET "act_601/adlabels?fields=id,name,created_time,updated_time&limit=100"
expect_error 500 1
check "'reduce the amount of data' in d['error']['message']"
api GET "act_601/adlabels?fields=name&limit=5"
assert_eq "$STATUS" 200 "a smaller page"

# --- backward paging with before/previous
api GET "act_601/adlabels?fields=name&limit=5"
NEXT=$(jq_py "d['paging']['next']")
FIRST=$(jq_py "[x['name'] for x in d['data']]")
raw GET "$NEXT"
PREV=$(jq_py "d['paging']['previous']")
raw GET "$PREV"
assert_eq "$(jq_py "[x['name'] for x in d['data']]")" "$FIRST" "previous page"

# --- nested edges in fields, with limits and their own next links
api POST $A/adsets -d name=S2 -d campaign_id=$C2 -d billing_event=IMPRESSIONS \
	-d optimization_goal=REACH \
	--data-urlencode 'targeting={"geo_locations":{"countries":["US"]}}'
api GET "$C2?fields=name,adsets.limit(1){name,campaign{name}}"
check "len(d['adsets']['data']) == 1 and d['adsets']['data'][0]['campaign'] == {'name': 'Beta'}"
NEXT=$(jq_py "d['adsets']['paging']['next']")
raw GET "$NEXT"
check "[x['name'] for x in d['data']] == ['S'] and 'next' not in d['paging']" \
	"nested next link"
api GET "$A?fields=campaigns.limit(1){name,adsets.limit(5){name}}"
check "d['campaigns']['data'][0]['name'] == 'Beta' and sorted(x['name'] for x in d['campaigns']['data'][0]['adsets']['data']) == ['S', 'S2']" \
	"account edges in field expansion"
check "'next' not in d['campaigns']['paging']" "deleted campaigns are not listed"
api GET "$A?fields=name,currency,min_daily_budget"
check "d['currency'] == 'USD' and d['min_daily_budget'] == 100"
api GET "$C2?fields=adsets{nope}"
expect_error 400 100

# --- filtering and updated_since
api GET "$A/campaigns?fields=name" -G --data-urlencode 'filtering=[{"field":"name","operator":"CONTAIN","value":"bet"}]'
check "[x['name'] for x in d['data']] == ['Beta']" "CONTAIN"
api GET "$A/adsets?fields=name" -G --data-urlencode "filtering=[{\"field\":\"campaign_id\",\"operator\":\"EQUAL\",\"value\":\"$C2\"}]"
check "sorted(x['name'] for x in d['data']) == ['S', 'S2']" "EQUAL on campaign_id"
api POST "$S1" --data-urlencode 'adlabels=[{"name":"keep-me"}]'
api GET "$A/adsets?fields=name" -G --data-urlencode 'filtering=[{"field":"adlabels","operator":"ANY","value":["keep-me"]}]'
check "[x['name'] for x in d['data']] == ['S']" "adlabels ANY"
api GET "$A/campaigns?fields=name" -G --data-urlencode 'filtering=[{"field":"nope","operator":"EQUAL","value":1}]'
expect_error 400 100
api GET "$A/campaigns?fields=name" -G --data-urlencode 'filtering=[{"field":"name","operator":"LIKE","value":1}]'
expect_error 400 100
api GET "$A/campaigns?fields=name&updated_since=$NOW"
check "[x['name'] for x in d['data']] == ['Beta']" "updated_since"

emu_stop
echo ok
