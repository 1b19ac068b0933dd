# adsctl apply beyond creates, against an emulator in its own process:
# updates (a budget, targeting merged with what Meta added), drift made in
# "Ads Manager" undone, a new creative version with its ad repointed and
# the old version deleted, an ad archived by hand replaced, member lists
# uploaded again when they change, and pruning per `prune`: archive,
# delete, keep. After each apply, plan shows no changes.
. "$(dirname "$0")/lib.sh"

export ADSCTL_ACCESS_TOKEN=$TOKEN
emu_start
P="$TEST_TMP/proj"
mkdir -p "$P/campaigns" "$P/creatives" "$P/audiences" "$P/assets" "$P/data"
cp "$ADS_SOURCE_DIR/examples/simple-traffic/assets/spring-tote-1200x628.png" \
	"$P/assets/a.png"
cp "$ADS_SOURCE_DIR/examples/simple-traffic/assets/spring-sneaker-1200x628.png" \
	"$P/assets/b.png"

settings() { # prune [audiences: yes|no]
	# (no audiences/*.yaml once its last file is gone: plan refuses to
	# prune while an include pattern matches nothing)
	aud=", audiences/*.yaml"
	[ "${2:-yes}" = yes ] || aud=
	cat >"$P/adsctl.yaml" <<EOF
stack: it-changes
account: act_4010
include: [campaigns/*.yaml, creatives/*.yaml$aud]
prune: $1
EOF
}
campaign() { # budget_a age_min_a with_b [with_ad_a [with_audience]]
	{
		cat <<EOF
campaigns:
  spring:
    name: Spring
    objective: OUTCOME_TRAFFIC
    special_ad_categories: []
    status: ACTIVE
    is_adset_budget_sharing_enabled: false
    ad_sets:
      a:
        name: Set A
        status: ACTIVE
        daily_budget: $1
        billing_event: IMPRESSIONS
        optimization_goal: LINK_CLICKS
        destination_type: WEBSITE
        targeting:
          geo_locations: { countries: [DE, AT] }
          age_min: $2
EOF
		[ "${5:-yes}" = yes ] && cat <<EOF
          custom_audiences: [ { ref: audiences.buyers } ]
EOF
		[ "${4:-yes}" = yes ] && cat <<EOF
        ads:
          ad_a:
            name: Ad A
            status: ACTIVE
            creative: { ref: creatives.ca }
EOF
		[ "$3" = yes ] && cat <<EOF
      b:
        name: Set B
        status: ACTIVE
        daily_budget: 1500
        billing_event: IMPRESSIONS
        optimization_goal: LINK_CLICKS
        destination_type: WEBSITE
        targeting: { geo_locations: { countries: [FR] } }
        ads:
          ad_b:
            name: Ad B
            status: ACTIVE
            creative: { ref: creatives.cb }
EOF
		:
	} >"$P/campaigns/spring.yaml"
}
creatives() { # message_a
	cat >"$P/creatives/all.yaml" <<EOF
creatives:
  ca:
    name: Creative A
    object_story_spec:
      page_id: "111111111111111"
      link_data:
        link: https://shop.example/a
        message: $1
        image_hash: { file: ../assets/a.png }
  cb:
    name: Creative B
    object_story_spec:
      page_id: "111111111111111"
      link_data:
        link: https://shop.example/b
        message: Hello B
        image_hash: { file: ../assets/b.png }
EOF
}
audience() { # rows
	cat >"$P/audiences/buyers.yaml" <<EOF
audiences:
  buyers:
    name: Buyers
    subtype: CUSTOM
    customer_file_source: USER_PROVIDED_ONLY
    members: { file: ../data/buyers.csv, columns: [EMAIL] }
EOF
	echo EMAIL >"$P/data/buyers.csv"
	i=0
	while [ $i -lt "$1" ]; do
		echo "buyer$i@example.com" >>"$P/data/buyers.csv"
		i=$((i + 1))
	done
}

run_apply() { apply_converges "$P" "$1"; }
plan_has() { # what regex
	"$ADSCTL" plan --api-url "$EMU_URL" "$P" >"$TEST_TMP/plan" 2>&1
	grep -qE "$2" "$TEST_TMP/plan" || { cat "$TEST_TMP/plan" >&2;
		fail "$1: the plan has no line matching $2"; }
}
ALL_STATUSES=$($PY -c 'import json, urllib.parse; print(urllib.parse.quote(json.dumps(["ACTIVE", "PAUSED", "ARCHIVED", "PENDING_REVIEW", "CAMPAIGN_PAUSED", "ADSET_PAUSED", "IN_PROCESS", "WITH_ISSUES", "DISAPPROVED"])))')
# id and fields of the live object(s) with a label: by_label EDGE LABEL
by_label() {
	case $1 in
	adsets) f=id,name,status,daily_budget,targeting,adlabels ;;
	ads) f=id,name,status,creative,adlabels ;;
	*) f=id,name,status,adlabels ;;
	esac
	api GET "act_4010/$1?fields=$f&effective_status=$ALL_STATUSES&limit=500"
	assert_eq "$STATUS" 200 "list $1"
	$PY - "$RESP_FILE" "adsctl:it-changes:$2" >"$TEST_TMP/found" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
print(json.dumps([o for o in d["data"]
                  if any(l["name"] == sys.argv[2] for l in o.get("adlabels", []))]))
EOF
	cp "$TEST_TMP/found" "$RESP_FILE"
}

settings archive
campaign 2000 25 yes
creatives "Hello A"
audience 50
run_apply "create"
by_label adsets campaigns.spring.ad_sets.a
check "len(d) == 1 and d[0]['status'] == 'ACTIVE'" "set A created and active"
SET_A=$(jq_py "d[0]['id']")
api GET "act_4010/customaudiences?fields=id,description,approximate_count"
check "len(d['data']) == 1 and d['data'][0]['approximate_count'] == 50" "members uploaded"
AUD=$(jq_py "d['data'][0]['id']")

# --- update: budget and targeting; what Meta added to targeting survives
campaign 2600 30 yes
plan_has "update" "^~ campaigns\.spring\.ad_sets\.a( |$)"
run_apply "update"
api GET "$SET_A?fields=daily_budget,targeting"
check "d['daily_budget'] == '2600' and d['targeting']['age_min'] == 30" "budget and age updated"
check "d['targeting']['geo_locations'].get('location_types') == ['home', 'recent']" \
	"server defaults kept"

# --- drift in Ads Manager is put back
raw POST "$EMU_URL/_emulator/edit" -d "{\"id\": \"$SET_A\", \"fields\": {\"name\": \"Renamed by hand\"}}"
assert_eq "$STATUS" 200 "edit"
plan_has "drift" "^~ campaigns\.spring\.ad_sets\.a( |$)"
run_apply "drift"
api GET "$SET_A?fields=name"
check "d['name'] == 'Set A'" "name restored"

# --- members change: uploaded again, marker updated
audience 80
plan_has "members" "^~ audiences\.buyers( |$)"
run_apply "members"
api GET "$AUD?fields=approximate_count,description"
check "d['approximate_count'] == 80" "members replaced"

# --- new creative version: ad repointed, old version deleted
by_label adcreatives creatives.ca
OLD_CA=$(jq_py "d[0]['id']")
creatives "Hello again A"
plan_has "creative" "^-/\+ creatives\.ca( |$)"
run_apply "creative"
by_label adcreatives creatives.ca
check "len(d) == 1 and d[0]['id'] != '$OLD_CA'" "one version of creatives.ca left"
NEW_CA=$(jq_py "d[0]['id']")
by_label ads campaigns.spring.ad_sets.a.ads.ad_a
check "d[0]['creative']['id'] == '$NEW_CA'" "ad repointed"
api GET "$OLD_CA?fields=status"
check "d['status'] == 'DELETED'" "old version deleted"

# --- an ad archived in Ads Manager is replaced, the archived one kept
by_label ads campaigns.spring.ad_sets.b.ads.ad_b
OLD_B=$(jq_py "d[0]['id']")
raw POST "$EMU_URL/_emulator/edit" -d "{\"id\": \"$OLD_B\", \"fields\": {\"status\": \"ARCHIVED\"}}"
assert_eq "$STATUS" 200 "archive by hand"
plan_has "replace" "^-/\+ campaigns\.spring\.ad_sets\.b\.ads\.ad_b( |$)"
run_apply "replace"
by_label ads campaigns.spring.ad_sets.b.ads.ad_b
check "sorted(o['status'] for o in d) == ['ACTIVE', 'ARCHIVED']" "new ad, old archived"

# --- prune: keep (the audience stays, the plan says so)
settings keep
rm "$P/audiences/buyers.yaml"
campaign 2600 30 yes yes no
run_apply "prune keep"
api GET "$AUD?fields=id"
assert_eq "$STATUS" 200 "kept audience"

# --- prune: delete (the audience, and a removed ad)
settings delete no
by_label ads campaigns.spring.ad_sets.a.ads.ad_a
AD_A=$(jq_py "d[0]['id']")
campaign 2600 30 yes no no
plan_has "prune delete" "^- audiences\.buyers( |$)"
run_apply "prune delete"
api GET "$AD_A?fields=status"
check "d['status'] == 'DELETED'" "ad A deleted"
api GET "$AUD?fields=id"
expect_error 400 100 33

# --- prune: archive (an ad set no longer declared, with its ad)
settings archive no
by_label adsets campaigns.spring.ad_sets.b
SET_B=$(jq_py "d[0]['id']")
campaign 2600 30 no no no
plan_has "prune archive" "^- campaigns\.spring\.ad_sets\.b( |$)"
run_apply "prune archive"
api GET "$SET_B?fields=status"
check "d['status'] == 'ARCHIVED'" "set B archived"
emu_stop
