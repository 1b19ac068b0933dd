# adsctl apply --target ADDR: only that resource, what is below it and what
# it needs is made; the rest stays planned. A targeted apply is journalled
# with its target and is not a baseline for drift (it made part of the
# project). Unknown targets and --target with a saved plan are usage errors.
. "$(dirname "$0")/lib.sh"

export ADSCTL_ACCESS_TOKEN=$TOKEN
emu_start
P="$TEST_TMP/proj"
example_project simple-traffic "$P" act_4070 git
A() {
	"$ADSCTL" --api-url "$EMU_URL" "$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
	RC=$?
}
expect_rc() {
	[ "$RC" = "$1" ] || {
		cat "$TEST_TMP/out" "$TEST_TMP/err" >&2
		fail "$2: exit $RC, expected $1"
	}
}
live_names() { # kind: the names of that kind in the account, sorted
	api GET "act_4070/$1?fields=name&limit=100"
	jq_py "','.join(sorted(x['name'] for x in d['data']))"
}

# --- one creative: its image and itself, nothing else
A apply --auto-approve --target creatives.spring_tote "$P"
expect_rc 0 "apply --target a creative"
grep -q '^Apply complete: 2 created' "$TEST_TMP/out" ||
	fail "targeted summary: $(cat "$TEST_TMP/out")"
assert_eq "$(live_names adcreatives)" "Spring tote - link ad" \
	"only the targeted creative was made"
assert_eq "$(live_names campaigns)" "" "no campaign was made"
api GET "act_4070/adimages?fields=hash"
check "len(d['data']) == 1" "only the image the creative needs"
$PY - "$P" <<'EOF' || fail "the journal records the target"
import glob, json, sys
recs = [json.loads(l) for f in glob.glob(sys.argv[1] + "/.adsctl/journal/*.jsonl")
        for l in open(f)]
end = [r for r in recs if r.get("event") == "apply_end"][-1]
assert end["ok"] is True and end["target"] == "creatives.spring_tote", end
EOF
# the rest is still to do; drift does not take the partial apply as its
# baseline
A plan --detailed-exitcode "$P"
expect_rc 2 "plan after a targeted apply"
grep -q "creatives.spring_sneaker" "$TEST_TMP/out" ||
	fail "the other creative is still planned"
A drift "$P"
expect_rc 2 "drift after a targeted apply"
grep -q "against commit .* (HEAD)" "$TEST_TMP/out" ||
	fail "drift baseline: $(cat "$TEST_TMP/out")"

# --- a campaign: its ad set, ads, and the creatives and images they need
A apply --auto-approve --target campaigns.spring_traffic "$P"
expect_rc 0 "apply --target a campaign"
assert_eq "$(live_names ads)" \
	"Spring sneaker - link ad,Spring tote - link ad" "the ads were made"
A plan --detailed-exitcode "$P"
expect_rc 0 "plan after the campaign's targeted apply"

# --- refusals, before anything is sent
A apply --auto-approve --target campaigns.nosuch "$P"
expect_rc 64 "apply --target an unknown address"
grep -q "campaigns.nosuch" "$TEST_TMP/err" || fail "unknown target named"
"$ADSCTL" --api-url "$EMU_URL" plan -o "$TEST_TMP/plan.json" "$P" \
	>/dev/null 2>&1 || fail "plan -o"
A apply --target campaigns.spring_traffic "$TEST_TMP/plan.json" "$P"
expect_rc 64 "apply PLANFILE --target"
grep -q "plan --target" "$TEST_TMP/err" || fail "the refusal says what to do"

emu_stop
echo ok
