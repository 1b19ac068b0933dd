# adsctl apply PLANFILE [DIR]: a saved plan is applied as it was made, and
# refused (exit 1, nothing sent) when the manifests, the commit or a live
# object it touches changed since, or when it is for another project.
. "$(dirname "$0")/lib.sh"

export ADSCTL_ACCESS_TOKEN=$TOKEN
emu_start
P="$TEST_TMP/proj"
example_project simple-traffic "$P" act_4020 git
COMMIT=$(git -C "$P" rev-parse HEAD)
A() { "$ADSCTL" --api-url "$EMU_URL" "$@"; }
calls() { raw GET "$EMU_URL/_emulator/stats"; jq_py "d['graph_calls']"; }

refused() { # what pattern: apply the saved plan, expect a refusal
	before=$(calls)
	A apply "$TEST_TMP/plan.json" "$P" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
	rc=$?
	[ $rc -eq 1 ] || { cat "$TEST_TMP/out" "$TEST_TMP/err" >&2;
		fail "$1: exit $rc, expected 1"; }
	grep -q "$2" "$TEST_TMP/err" || fail "$1: message: $(cat "$TEST_TMP/err")"
	raw GET "$EMU_URL/_emulator/stats"
	# reads only: the counters of writes did not move
	check "not any(k.startswith('POST') for k in d['by_route'])" "$1: nothing written"
}

# --- the plan is applied as saved, from another directory
A plan "$P" -o "$TEST_TMP/plan.json" >/dev/null 2>&1 || fail "plan -o"
# the campaign is declared PAUSED: no activation, and the plan says so
# (also when read back from the file)
A show "$TEST_TMP/plan.json" >"$TEST_TMP/out" 2>&1 || fail "show"
grep -A1 '^+ campaigns.spring_traffic$' "$TEST_TMP/out" |
	grep -q 'create campaign (paused, as declared)' ||
	fail "a campaign declared PAUSED: $(cat "$TEST_TMP/out")"
grep -A1 '^+ campaigns.spring_traffic.ad_sets.dach_25_54$' "$TEST_TMP/out" |
	grep -q 'create ad set (paused until activated)' ||
	fail "an ad set declared ACTIVE: $(cat "$TEST_TMP/out")"
# without the project's directory, from outside it: told to give it
(cd "$TEST_TMP" && A apply plan.json </dev/null >"$TEST_TMP/out" 2>"$TEST_TMP/err")
assert_eq "$?" 64 "apply PLANFILE outside the project"
grep -q "give the project the plan is for: adsctl apply plan.json DIR" "$TEST_TMP/err" ||
	fail "the hint: $(cat "$TEST_TMP/err")"
(cd "$TEST_TMP" && A apply plan.json "$P" </dev/null >"$TEST_TMP/out" 2>"$TEST_TMP/err")
rc=$?
[ $rc -eq 0 ] || { cat "$TEST_TMP/out" "$TEST_TMP/err" >&2; fail "apply plan.json exited $rc"; }
grep -q '^Apply complete: 8 created, 3 activated\.' "$TEST_TMP/out" ||
	fail "summary: $(cat "$TEST_TMP/out")"
A plan --detailed-exitcode "$P" >/dev/null 2>&1 || fail "plan after the saved plan: exit $?"
$PY - "$P" "$COMMIT" <<'EOF' || fail "journal provenance"
import glob, json, sys
recs = [json.loads(l) for f in glob.glob(sys.argv[1] + "/.adsctl/journal/*.jsonl")
        for l in open(f)]
start = next(r for r in recs if r["event"] == "apply_start")
end = next(r for r in recs if r["event"] == "apply_end")
assert start["plan_file"].endswith("plan.json") and start["commit"] == sys.argv[2], start
assert start["plan_commit"] == sys.argv[2], start
assert end["ok"] and end["commit"] == sys.argv[2], end
EOF

# --- a live object the plan touches changed in Ads Manager
sed -i 's/daily_budget: 2500 /daily_budget: 2700 /' "$P/campaigns/spring-traffic.yaml"
git -C "$P" -c user.name=t -c user.email=t@example.com commit -qam budget
A plan "$P" -o "$TEST_TMP/plan.json" >/dev/null 2>&1 || fail "plan -o (2)"
raw GET "$EMU_URL/v25.0/act_4020/adsets?fields=id&access_token=$TOKEN"
SET=$(jq_py "d['data'][0]['id']")
raw POST "$EMU_URL/_emulator/stats/reset"
raw POST "$EMU_URL/_emulator/edit" -d "{\"id\": \"$SET\", \"fields\": {\"name\": \"Edited by hand\"}}"
assert_eq "$STATUS" 200 "edit"
refused "live change" "campaigns.spring_traffic.ad_sets.dach_25_54 ($SET) was changed"

# --- the manifests changed (not committed)
A plan "$P" -o "$TEST_TMP/plan.json" >/dev/null 2>&1 || fail "plan -o (3)"
sed -i 's/daily_budget: 2700 /daily_budget: 2800 /' "$P/campaigns/spring-traffic.yaml"
raw POST "$EMU_URL/_emulator/stats/reset"
refused "manifests" "the manifests in .* changed since it was made"
git -C "$P" checkout -q campaigns/spring-traffic.yaml

# --- the commit moved (same manifests, another commit)
A plan "$P" -o "$TEST_TMP/plan.json" >/dev/null 2>&1 || fail "plan -o (4)"
PLANNED=$(git -C "$P" rev-parse HEAD | cut -c1-12)
echo "notes" >"$P/NOTES.txt"
git -C "$P" -c user.name=t -c user.email=t@example.com add NOTES.txt
git -C "$P" -c user.name=t -c user.email=t@example.com commit -qm notes
raw POST "$EMU_URL/_emulator/stats/reset"
refused "commit" "it was made at commit $PLANNED, the project is at"

# --- a plan of another project
$PY - "$TEST_TMP/plan.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["stack"] = "someone-else"
json.dump(d, open(sys.argv[1], "w"))
EOF
refused "other stack" "is a plan for stack 'someone-else'"

# --- a fresh plan still goes through
A plan "$P" -o "$TEST_TMP/plan.json" >/dev/null 2>&1 || fail "plan -o (5)"
A apply "$TEST_TMP/plan.json" "$P" >"$TEST_TMP/out" 2>"$TEST_TMP/err" ||
	fail "fresh plan refused: $(cat "$TEST_TMP/err")"
A plan --detailed-exitcode "$P" >/dev/null 2>&1 || fail "plan after the last apply: exit $?"
emu_stop
