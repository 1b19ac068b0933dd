# Pruning converges in one apply (DESIGN.md §5: apply, then plan again,
# shows no changes): an ad set removed from the manifests goes with its
# ads, including ads archived before (by hand in Ads Manager, or by an
# earlier apply), under prune: delete and prune: archive, and a removed
# campaign goes with an archived ad set inside it. After each apply the
# plan is empty and every pruned object is in the state prune asked for.
. "$(dirname "$0")/lib.sh"

export ADSCTL_ACCESS_TOKEN=$TOKEN
emu_start
P="$TEST_TMP/proj"
mkdir -p "$P/campaigns" "$P/creatives" "$P/assets"
cp "$ADS_SOURCE_DIR/examples/simple-traffic/assets/spring-tote-1200x628.png" \
	"$P/assets/a.png"

settings() { # prune
	cat >"$P/adsctl.yaml" <<EOF
stack: it-prune
account: act_4060
include: [campaigns/*.yaml, creatives/*.yaml]
prune: $1
EOF
}
cat >"$P/creatives/all.yaml" <<'EOF'
creatives:
  ca:
    name: Creative A
    object_story_spec:
      page_id: "111111111111111"
      link_data:
        link: https://shop.example/a
        message: Hello A
        image_hash: { file: ../assets/a.png }
EOF
ad_set() { # key [ads...]
	key=$1
	shift
	cat <<EOF
      $key:
        name: Set $key
        status: ACTIVE
        daily_budget: 2000
        billing_event: IMPRESSIONS
        optimization_goal: LINK_CLICKS
        destination_type: WEBSITE
        targeting: { geo_locations: { countries: [DE] } }
        ads:
EOF
	for ad in "$@"; do
		cat <<EOF
          $ad:
            name: Ad $ad
            status: ACTIVE
            creative: { ref: creatives.ca }
EOF
	done
}
campaign() { # key [ad set spec ("key:ad,ad")...]
	key=$1
	shift
	cat <<EOF
  $key:
    name: Campaign $key
    objective: OUTCOME_TRAFFIC
    special_ad_categories: []
    status: ACTIVE
    is_adset_budget_sharing_enabled: false
    ad_sets:
EOF
	for spec in "$@"; do
		# shellcheck disable=SC2046
		ad_set "${spec%%:*}" $(echo "${spec#*:}" | tr , ' ')
	done
}

A() { "$ADSCTL" --api-url "$EMU_URL" "$@"; }
run_apply() { apply_converges "$P" "$1"; }
# status_of ADDRESS: the effective status of every object labelled
# ADDRESS (found in the emulator's state, deleted ones included, and read
# by id as Graph answers it: 003:L16892; the configured status while an
# ad is in review), sorted, space-separated
status_of() {
	raw GET "$EMU_URL/_emulator/state"
	assert_eq "$STATUS" 200 "emulator state"
	ids=$(jq_py "' '.join(o['id'] for o in d['objects'] if any( \
l.get('name') == 'adsctl:it-prune:$1' for l in \
o['fields'].get('adlabels', [])))")
	for id in $ids; do
		api GET "$id?fields=status,effective_status"
		assert_eq "$STATUS" 200 "read $id"
		jq_py "d['status'] if d['effective_status'] == 'PENDING_REVIEW' \
else d['effective_status']"
	done | sort | tr '\n' ' ' | sed 's/ $//'
}
archive_by_hand() { # address
	raw GET "$EMU_URL/_emulator/state"
	id=$(jq_py "[o['id'] for o in d['objects'] if any(l.get('name') == \
'adsctl:it-prune:$1' for l in o['fields'].get('adlabels', []))][0]")
	api POST "$id" -d status=ARCHIVED
	assert_eq "$STATUS" 200 "archive $1 by hand"
}

# --- prune: delete; set b's ad b2 archived in Ads Manager beforehand
settings delete
{
	echo "campaigns:"
	campaign one "a:a1" "b:b1,b2"
} >"$P/campaigns/all.yaml"
run_apply "create"
archive_by_hand campaigns.one.ad_sets.b.ads.b2
{
	echo "campaigns:"
	campaign one "a:a1"
} >"$P/campaigns/all.yaml"
A plan "$P" >"$TEST_TMP/plan" 2>&1
# the archived ad is deleted by its own request, not "with" its ad set
grep -A1 '^- campaigns\.one\.ad_sets\.b\.ads\.b2 ' "$TEST_TMP/plan" |
	grep -q 'delete ad: no longer declared (archived before' ||
	{ cat "$TEST_TMP/plan" >&2; fail "the archived ad is not deleted"; }
run_apply "prune delete: ad set with an archived ad"
assert_eq "$(status_of campaigns.one.ad_sets.b)" DELETED "set b"
assert_eq "$(status_of campaigns.one.ad_sets.b.ads.b1)" DELETED "ad b1"
assert_eq "$(status_of campaigns.one.ad_sets.b.ads.b2)" DELETED "archived ad b2"
assert_eq "$(status_of campaigns.one.ad_sets.a.ads.a1)" ACTIVE "ad a1 untouched"

# --- prune: delete; an ad archived by an earlier apply (prune: archive)
settings archive
{
	echo "campaigns:"
	campaign one "a:a1" "c:c1,c2"
} >"$P/campaigns/all.yaml"
run_apply "set c"
{
	echo "campaigns:"
	campaign one "a:a1" "c:c1"
} >"$P/campaigns/all.yaml"
run_apply "prune archive: ad c2"
assert_eq "$(status_of campaigns.one.ad_sets.c.ads.c2)" ARCHIVED "ad c2"
settings delete
{
	echo "campaigns:"
	campaign one "a:a1"
} >"$P/campaigns/all.yaml"
run_apply "prune delete: ad set with an ad archived by adsctl"
assert_eq "$(status_of campaigns.one.ad_sets.c)" DELETED "set c"
assert_eq "$(status_of campaigns.one.ad_sets.c.ads.c1)" DELETED "ad c1"
assert_eq "$(status_of campaigns.one.ad_sets.c.ads.c2)" DELETED "ad c2"

# --- prune: delete; an archived ad replaced (two objects, one label)
{
	echo "campaigns:"
	campaign one "a:a1" "d:d1"
} >"$P/campaigns/all.yaml"
run_apply "set d"
archive_by_hand campaigns.one.ad_sets.d.ads.d1
run_apply "archived ad replaced"
assert_eq "$(status_of campaigns.one.ad_sets.d.ads.d1)" "ACTIVE ARCHIVED" \
	"ad d1: new and archived"
{
	echo "campaigns:"
	campaign one "a:a1"
} >"$P/campaigns/all.yaml"
run_apply "prune delete: both versions of an ad"
assert_eq "$(status_of campaigns.one.ad_sets.d.ads.d1)" "DELETED DELETED" \
	"ad d1: both deleted"

# --- prune: archive; set e with an ad archived by hand
settings archive
{
	echo "campaigns:"
	campaign one "a:a1" "e:e1,e2"
} >"$P/campaigns/all.yaml"
run_apply "set e"
archive_by_hand campaigns.one.ad_sets.e.ads.e2
{
	echo "campaigns:"
	campaign one "a:a1"
} >"$P/campaigns/all.yaml"
run_apply "prune archive: ad set with an archived ad"
assert_eq "$(status_of campaigns.one.ad_sets.e)" ARCHIVED "set e"
assert_eq "$(status_of campaigns.one.ad_sets.e.ads.e2)" ARCHIVED "ad e2"

# --- prune: delete; a campaign whose archived ad set holds an archived ad
{
	echo "campaigns:"
	campaign one "a:a1"
	campaign two "f:f1,f2"
} >"$P/campaigns/all.yaml"
run_apply "campaign two"
archive_by_hand campaigns.two.ad_sets.f.ads.f2
archive_by_hand campaigns.two.ad_sets.f
{
	echo "campaigns:"
	campaign one "a:a1"
} >"$P/campaigns/all.yaml"
settings delete
run_apply "prune delete: campaign with an archived ad set"
assert_eq "$(status_of campaigns.two)" DELETED "campaign two"
assert_eq "$(status_of campaigns.two.ad_sets.f)" DELETED "set f"
assert_eq "$(status_of campaigns.two.ad_sets.f.ads.f2)" DELETED "ad f2"
# f1 inherits the deletion of its campaign (003:L16870-16871)
assert_eq "$(status_of campaigns.two.ad_sets.f.ads.f1)" DELETED "ad f1"
api GET "act_4060/ads?fields=id&effective_status=%5B%22ARCHIVED%22%5D"
check "not d['data']" "no archived ad listed"

# a mistyped include folder would make campaign one undeclared: plan and
# apply refuse to prune then (exit 3, at the pattern), and send nothing
sed -i 's|campaigns/\*.yaml|campaign/*.yaml|' "$P/adsctl.yaml"
"$ADSCTL" --api-url "$EMU_URL" validate "$P" >"$TEST_TMP/out" 2>&1 ||
	fail "an include matching nothing is a warning for validate"
grep -q "warning: include pattern 'campaign/\*.yaml' matches no files" \
	"$TEST_TMP/out" || fail "validate warns: $(cat "$TEST_TMP/out")"
"$ADSCTL" --api-url "$EMU_URL" plan "$P" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
assert_eq "$?" 3 "plan that would prune with an empty include"
grep -q "adsctl.yaml:3:11: error: include pattern 'campaign/\*.yaml' matches no files, and the plan would remove 3 live objects no longer declared (such as campaigns.one)" \
	"$TEST_TMP/err" || fail "the refusal: $(cat "$TEST_TMP/err")"
raw POST "$EMU_URL/_emulator/stats/reset"
"$ADSCTL" --api-url "$EMU_URL" apply --auto-approve "$P" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
assert_eq "$?" 3 "apply that would prune with an empty include"
raw GET "$EMU_URL/_emulator/stats"
check "not any(k.startswith('POST') or k.startswith('DELETE') for k in d['by_route'])" \
	"nothing written"
assert_eq "$(status_of campaigns.one)" ACTIVE "campaign one untouched"
emu_stop
