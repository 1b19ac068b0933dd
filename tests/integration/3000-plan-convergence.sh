#!/bin/sh
# Convergence (DESIGN.md §5: "apply, then plan again, shows no changes"):
# for every project in examples/, the objects are created in the emulator
# exactly as the plan's steps say (ads-plan-exec runs them one by one),
# then plan shows no changes, and one edit made "in Ads Manager" (POST
# /_emulator/edit) shows up as exactly that one field, and nothing else.
. "$(dirname "$0")/lib.sh"

EXEC=$ADS_BUILD_DIR/tests/golden/ads-plan-exec
[ -x "$EXEC" ] || fail "ads-plan-exec is not built ($EXEC)"
export ADSCTL_ACCESS_TOKEN=$TOKEN

# id_of ADDRESS: the id of the object of this stack labelled ADDRESS
id_of() {
	raw GET "$EMU_URL/_emulator/state"
	jq_py "[o['id'] for o in d['objects'] if any(l.get('name') == \
'adsctl:$STACK:$1' for l in o['fields'].get('adlabels', []))][0]"
}

# plan_json FILE: plan the project into FILE; the exit code in $PLAN_RC
plan_json() {
	"$ADSCTL" plan --api-url "$EMU_URL" --format json \
		--detailed-exitcode "$PROJ" >"$1" 2>"$TEST_TMP/plan.err"
	PLAN_RC=$?
}

# expect_one_change ADDRESS FIELD: the plan is one update of that field
expect_one_change() {
	plan_json "$TEST_TMP/drift.json"
	assert_eq "$PLAN_RC" 2 "plan exit code after editing $2 of $1"
	cp "$TEST_TMP/drift.json" "$RESP_FILE"
	check "len(d['steps']) == 1" "one step after editing $2 of $1"
	check "d['steps'][0]['address'] == '$1'" "the edited object"
	check "d['steps'][0]['action'] == 'update'" "an update"
	check "[c['field'] for c in d['steps'][0]['changes']] == ['$2']" \
		"exactly the edited field"
}

emu_start
for dir in "$ADS_SOURCE_DIR"/examples/*/; do
	name=$(basename "$dir")
	PROJ=$TEST_TMP/$name
	cp -r "$dir" "$PROJ"
	rm -rf "$PROJ/.adsctl"
	STACK=$(sed -n 's/^stack: *\([a-z0-9-]*\).*/\1/p' "$PROJ/adsctl.yaml")

	plan_json "$TEST_TMP/$name.plan.json"
	assert_eq "$PLAN_RC" 2 "$name: first plan exit code"
	"$EXEC" "$TEST_TMP/$name.plan.json" "$PROJ" "$EMU_URL" "$TOKEN" ||
		fail "$name: executing the plan's steps failed"

	# converged: nothing left to do
	out=$("$ADSCTL" plan --api-url "$EMU_URL" --detailed-exitcode "$PROJ")
	rc=$?
	assert_eq "$rc" 0 "$name: plan exit code after the creates"
	case "$out" in
	"No changes."*) ;;
	*) fail "$name: plan after the creates is not empty: $out" ;;
	esac

	# one edit in Ads Manager is exactly one field of drift
	cp "$TEST_TMP/$name.plan.json" "$RESP_FILE"
	campaign=$(jq_py "[s['address'] for s in d['steps'] if \
s['kind'] == 'campaign'][0]")
	adset=$(jq_py "[s['address'] for s in d['steps'] if \
s['kind'] == 'ad_set'][0]")
	cid=$(id_of "$campaign")
	raw POST "$EMU_URL/_emulator/edit" \
		-d "{\"id\":\"$cid\",\"fields\":{\"name\":\"Edited by hand\"}}"
	assert_eq "$STATUS" 200 "$name: editing the campaign"
	expect_one_change "$campaign" name

	# back to the manifests, then a nested field of the ad set
	"$EXEC" "$TEST_TMP/drift.json" "$PROJ" "$EMU_URL" "$TOKEN" ||
		fail "$name: restoring the campaign failed"
	sid=$(id_of "$adset")
	raw GET "$EMU_URL/_emulator/objects/$sid"
	targeting=$(jq_py "dict(d['fields']['targeting'], age_max=40)")
	raw POST "$EMU_URL/_emulator/edit" \
		-d "{\"id\":\"$sid\",\"fields\":{\"targeting\":$targeting}}"
	assert_eq "$STATUS" 200 "$name: editing the ad set"
	if grep -q 'age_max' "$PROJ"/campaigns/*.yaml; then
		expect_one_change "$adset" targeting.age_max
	else
		# not declared: not managed, so not drift (DESIGN.md §5)
		plan_json "$TEST_TMP/after.json"
		assert_eq "$PLAN_RC" 0 \
			"$name: an undeclared field changed in Ads Manager"
	fi
	echo "ok: $name converges"
done
emu_stop
