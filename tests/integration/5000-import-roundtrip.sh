# adsctl import: objects made outside adsctl (every example, applied and
# then stripped of its labels and markers, as if made in Ads Manager; and
# objects made by raw API calls) are written as manifests that plan to zero
# changes, labelled, and then managed like any project. --select, notes
# for other stacks' objects, refusing to overwrite, --force.
. "$(dirname "$0")/lib.sh"

export ADSCTL_ACCESS_TOKEN=$TOKEN
emu_start
A() { "$ADSCTL" --api-url "$EMU_URL" "$@"; }

# Removes adsctl's identity from every object of an account, as if the
# objects had been made by hand.
strip() { # account
	raw GET "$EMU_URL/_emulator/state"
	$PY - "$RESP_FILE" "$1" >"$TEST_TMP/edits" <<'EOF'
import json, re, sys
s = json.load(open(sys.argv[1]))
for o in s["objects"]:
    if o.get("account") != sys.argv[2] or o.get("gone"):
        continue
    f = o["fields"]
    if f.get("adlabels"):
        print(json.dumps({"id": o["id"], "fields": {"adlabels": None}}))
    d = f.get("description")
    if o["kind"] == "customaudience" and d and "[adsctl " in d:
        text = re.sub(r"\s*\[adsctl [^\]]*\]$", "", d)
        print(json.dumps({"id": o["id"], "fields": {"description": text}}))
EOF
	while read -r e; do
		raw POST "$EMU_URL/_emulator/edit" -d "$e"
		assert_eq "$STATUS" 200 "strip $e"
	done <"$TEST_TMP/edits"
}

n=0
for ex in "$ADS_SOURCE_DIR"/examples/*/; do
	[ -f "$ex/adsctl.yaml" ] || continue
	n=$((n + 1))
	name=$(basename "$ex")
	acct="act_50$n"
	cp -r "$ex" "$TEST_TMP/src-$name"
	rm -rf "$TEST_TMP/src-$name/.adsctl"
	sed -i "s/^account: .*/account: $acct/" "$TEST_TMP/src-$name/adsctl.yaml"
	A apply --auto-approve "$TEST_TMP/src-$name" >/dev/null 2>&1 ||
		fail "$name: apply of the source project"
	strip "$acct"
	# the stripped objects are not the stack's any more
	A plan --detailed-exitcode "$TEST_TMP/src-$name" >/dev/null 2>&1
	assert_eq "$?" 2 "$name: plan after stripping the labels"

	dst="$TEST_TMP/imp-$name"
	A import "$dst" --account "$acct" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
	rc=$?
	[ $rc -eq 0 ] || { cat "$TEST_TMP/out" "$TEST_TMP/err" >&2;
		fail "$name: import exited $rc"; }
	grep -q '^No changes\.' "$TEST_TMP/out" || fail "$name: import's plan: $(cat "$TEST_TMP/out")"
	A plan --detailed-exitcode "$dst" >"$TEST_TMP/plan" 2>"$TEST_TMP/err" ||
		{ cat "$TEST_TMP/plan" >&2; fail "$name: plan after import exited $?"; }
	"$ADSCTL" validate "$dst" >/dev/null 2>&1 || fail "$name: imported manifests do not validate"
	# images stay hashes: nothing is downloaded
	! grep -rq 'file:' "$dst" || fail "$name: file references in an import"
done

# --- the imported project is managed like any other: change, apply, plan
dst="$TEST_TMP/imp-simple-traffic"
f=$(grep -l 'daily_budget' "$dst"/campaigns/*.yaml | head -1)
sed -i 's/daily_budget: 2500$/daily_budget: 2600/' "$f"
A plan "$dst" 2>/dev/null | grep -q '^~ campaigns\.' || fail "no update planned after an edit"
A apply --auto-approve "$dst" >/dev/null 2>&1 || fail "apply of the imported project"
A plan --detailed-exitcode "$dst" >/dev/null 2>&1 || fail "plan after applying the imported project"

# --- raw API objects; --select; another stack's objects left out
V="$EMU_URL/v25.0"
id_of() { $PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$RESP_FILE"; }
for c in "Winter Sale" "Summer Sale"; do
	api POST act_5100/campaigns -d "name=$c" -d objective=OUTCOME_TRAFFIC \
		-d status=PAUSED -d 'special_ad_categories=[]' -d daily_budget=5000
	assert_eq "$STATUS" 200 "campaign $c"
done
SUMMER=$(id_of)
api POST act_5100/campaigns -d "name=Someone else's" -d objective=OUTCOME_TRAFFIC \
	-d status=PAUSED -d 'special_ad_categories=[]' -d daily_budget=5000 \
	--data-urlencode 'adlabels=[{"name":"adsctl:other-stack:campaigns.x"}]'
api POST act_5100/adsets -d "name=Summer DE" -d "campaign_id=$SUMMER" \
	-d billing_event=IMPRESSIONS -d optimization_goal=LINK_CLICKS -d status=PAUSED \
	--data-urlencode 'targeting={"geo_locations":{"countries":["DE"]}}'
assert_eq "$STATUS" 200 "ad set"
api POST act_5100/adsets -d "name=Summer - DE" -d "campaign_id=$SUMMER" \
	-d billing_event=IMPRESSIONS -d optimization_goal=LINK_CLICKS -d status=PAUSED \
	--data-urlencode 'targeting={"geo_locations":{"countries":["AT"]}}'
assert_eq "$STATUS" 200 "ad set with the same slug"
api POST act_5100/adsets --data-urlencode "name=Summer: DE #1" -d "campaign_id=$SUMMER" \
	-d billing_event=IMPRESSIONS -d optimization_goal=LINK_CLICKS -d status=PAUSED \
	--data-urlencode 'targeting={"geo_locations":{"countries":["CH"]}}'
assert_eq "$STATUS" 200 "ad set with a name YAML would misread"

S="$TEST_TMP/sel"
A import "$S" --account act_5100 --select "campaigns=$SUMMER" --stack summer \
	>"$TEST_TMP/out" 2>"$TEST_TMP/err" ||
	{ cat "$TEST_TMP/out" "$TEST_TMP/err" >&2; fail "import --select exited $?"; }
ls "$S/campaigns" >"$TEST_TMP/files"
assert_eq "$(cat "$TEST_TMP/files")" "summer_sale.yaml" "only the selected campaign"
# two ad sets whose names slug the same: keys in id order
grep -q '^      summer_de:$' "$S/campaigns/summer_sale.yaml" &&
	grep -q '^      summer_de_2:$' "$S/campaigns/summer_sale.yaml" ||
	fail "keys: $(cat "$S/campaigns/summer_sale.yaml")"
grep -q 'name: "Summer: DE #1"$' "$S/campaigns/summer_sale.yaml" || fail "a name that needs quotes"
A plan --detailed-exitcode "$S" >/dev/null 2>&1 || fail "plan after import --select: exit $?"
grep -q '^stack: summer$' "$S/adsctl.yaml" || fail "stack"

# everything else of the account: the other stack's campaign is left out
E="$TEST_TMP/rest"
A import "$E" --account act_5100 >"$TEST_TMP/out" 2>"$TEST_TMP/err" ||
	{ cat "$TEST_TMP/out" "$TEST_TMP/err" >&2; fail "import of the rest exited $?"; }
ls "$E/campaigns" >"$TEST_TMP/files"
assert_eq "$(cat "$TEST_TMP/files")" "winter_sale.yaml" "the rest: winter only"
grep -q "belongs to another stack" "$TEST_TMP/err" || fail "no note: $(cat "$TEST_TMP/err")"
grep -q "the stack manages it already\|belongs to another stack" "$TEST_TMP/err" || fail "summer not noted"
# into an existing project, the account comes from its adsctl.yaml (all
# of it is managed now: nothing is left)
A import "$E" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
assert_eq "$?" 1 "import without --account, nothing left"
grep -q "nothing to import from act_5100" "$TEST_TMP/err" ||
	fail "import without --account: $(cat "$TEST_TMP/err")"

# existing manifests are not overwritten without --force
api POST act_5100/campaigns -d "name=Winter Sale" -d objective=OUTCOME_TRAFFIC \
	-d status=PAUSED -d 'special_ad_categories=[]' -d daily_budget=7000
WINTER2=$(id_of)
before=$(cat "$E/campaigns/winter_sale.yaml")
A import "$E" --account act_5100 --select "campaigns=$WINTER2" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
rc=$?
assert_eq "$rc" 1 "import over existing files"
grep -q "refusing to overwrite" "$TEST_TMP/err" || fail "no refusal: $(cat "$TEST_TMP/err")"
assert_eq "$(cat "$E/campaigns/winter_sale.yaml")" "$before" "file untouched"
# a bad --select is a usage error
A import "$TEST_TMP/x" --account act_5100 --select "ads=1" >/dev/null 2>&1
assert_eq "$?" 64 "bad --select"
emu_stop
