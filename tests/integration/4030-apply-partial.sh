# A partial apply: exit 5, Meta's error in the summary, dependents skipped,
# nothing activated (nothing spends), every step journalled; the next apply
# finishes the job. An interrupted apply: exit 130, what was in flight
# recorded, the next apply finishes. The account is checked with the
# independent checker of tests/faults.
. "$(dirname "$0")/lib.sh"

export ADSCTL_ACCESS_TOKEN=$TOKEN
CHECK="$ADS_SOURCE_DIR/tests/faults/check-state.py"
cat >"$TEST_TMP/emu.json" <<'EOF'
{"accounts": {"act_4030": {"currency": "EUR", "min_daily_budget": 2600}}}
EOF
emu_start --config "$TEST_TMP/emu.json"
P="$TEST_TMP/proj"
example_project simple-traffic "$P" act_4030
A() { "$ADSCTL" --api-url "$EMU_URL" "$@"; }

# --- the ad set's budget is below the account's minimum: Meta refuses it
A apply --auto-approve "$P" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
rc=$?
[ $rc -eq 5 ] || { cat "$TEST_TMP/out" "$TEST_TMP/err" >&2; fail "exit $rc, expected 5"; }
grep -q '^Apply partly failed: 5 of 11 steps done' "$TEST_TMP/out" ||
	fail "summary: $(cat "$TEST_TMP/out")"
sed -n '/^Failed:/,/^$/p' "$TEST_TMP/out" >"$TEST_TMP/failed"
grep -q 'campaigns.spring_traffic.ad_sets.dach_25_54 (create ad_set)' "$TEST_TMP/failed" ||
	fail "failed step not listed: $(cat "$TEST_TMP/out")"
grep -q 'code 100' "$TEST_TMP/failed" && grep -q 'fbtrace_id' "$TEST_TMP/failed" ||
	fail "Meta's error not shown: $(cat "$TEST_TMP/failed")"
# Meta's words for the user, at the manifest value it blamed, in the
# summary and on the step's own line
BUDGET_LINE=$(grep -n 'daily_budget:' "$P/campaigns/spring-traffic.yaml" | cut -d: -f1)
grep -q "campaigns/spring-traffic.yaml:$BUDGET_LINE:23: Budget Is Too Low: " "$TEST_TMP/failed" ||
	fail "the blamed field's location and Meta's message: $(cat "$TEST_TMP/failed")"
grep -A1 '^x campaigns.spring_traffic.ad_sets.dach_25_54: create failed' "$TEST_TMP/err" |
	grep -q "spring-traffic.yaml:$BUDGET_LINE:23: Budget Is Too Low: " ||
	fail "the step line: $(cat "$TEST_TMP/err")"
grep -q '^Skipped' "$TEST_TMP/out" && grep -q '^Not activated' "$TEST_TMP/out" ||
	fail "skipped and held-back steps not listed: $(cat "$TEST_TMP/out")"
# nothing delivers: the campaign exists, paused; no ad set, no ad
raw GET "$EMU_URL/_emulator/state"
check "[o['fields']['status'] for o in d['objects'] if o['kind'] == 'campaign'] == ['PAUSED']" \
	"campaign paused"
check "not [o for o in d['objects'] if o['kind'] in ('adset', 'ad')]" "no ad set, no ad"
$PY - "$P" <<'EOF' || fail "journal of the partial run"
import glob, json, sys
recs = [json.loads(l) for f in glob.glob(sys.argv[1] + "/.adsctl/journal/*.jsonl")
        for l in open(f)]
steps = {r["address"] + " " + r["action"]: r for r in recs if r["event"] == "step"}
assert len(steps) == 11, len(steps)
f = steps["campaigns.spring_traffic.ad_sets.dach_25_54 create"]
assert f["result"] == "failed" and f["error"]["code"] == 100 and f["error"]["fbtrace_id"], f
assert steps["campaigns.spring_traffic.ad_sets.dach_25_54.ads.tote create"]["result"] == "skipped"
assert steps["campaigns.spring_traffic.ad_sets.dach_25_54 activate"]["result"] == "skipped"
end = [r for r in recs if r["event"] == "apply_end"][-1]
assert end["ok"] is False and end["steps"]["failed"] == 1, end
EOF

# --- fixed in the manifests: the next apply finishes the job
sed -i 's/daily_budget: 2500 /daily_budget: 3000 /' "$P/campaigns/spring-traffic.yaml"
A apply --auto-approve "$P" >"$TEST_TMP/out" 2>"$TEST_TMP/err" ||
	{ cat "$TEST_TMP/out" "$TEST_TMP/err" >&2; fail "second apply exited $?"; }
grep -q '^+ campaigns.spring_traffic ' "$TEST_TMP/out" &&
	fail "the second apply created the campaign again"
A plan --detailed-exitcode "$P" >/dev/null 2>&1 || fail "plan after the second apply: exit $?"
raw GET "$EMU_URL/_emulator/state" && cp "$RESP_FILE" "$TEST_TMP/state.json"
$PY "$CHECK" "$TEST_TMP/state.json" "$P" || fail "the account does not match"

# --- interrupted (SIGINT, as Ctrl-C): 130, in-flight requests recorded
R="$TEST_TMP/r"
$PY "$ADS_SOURCE_DIR/tests/bench/gen-project.py" "$R" --campaigns 2 --ad-sets 3 \
	--ads 3 --images 2 --account act_4032 --stack it-int >/dev/null
raw POST "$EMU_URL/_emulator/config" -d '{"latency_ms": 150}'
"$ADSCTL" --api-url "$EMU_URL" apply --auto-approve "$R" >"$TEST_TMP/out" 2>"$TEST_TMP/err" &
pid=$!
# interrupt once requests are on their way (the journal's first wave)
i=0
until cat "$R"/.adsctl/journal/*.jsonl 2>/dev/null | grep -q '"event":"wave"'; do
	i=$((i + 1))
	[ $i -gt 400 ] && fail "the interrupted apply never sent a wave"
	sleep 0.05
done
sleep 0.2
kill -INT $pid
wait $pid
rc=$?
[ $rc -eq 130 ] || { cat "$TEST_TMP/out" "$TEST_TMP/err" >&2; fail "interrupted: exit $rc, expected 130"; }
grep -q '^Apply interrupted: ' "$TEST_TMP/out" || fail "interrupt summary: $(cat "$TEST_TMP/out")"
$PY - "$R" <<'EOF' || fail "journal of the interrupted run"
import glob, json, sys
recs = [json.loads(l) for f in glob.glob(sys.argv[1] + "/.adsctl/journal/*.jsonl")
        for l in open(f)]
end = recs[-1]
assert end["event"] == "apply_end" and end["interrupted"] and not end["ok"], end
assert end["steps"]["not_attempted"] > 0, end
assert any(r["event"] == "step" and r["result"] == "done" for r in recs)
EOF
# what was in flight at the signal was waited for and recorded: once any
# request still travelling has landed, every object of the account is a
# step the journal records as done, with its id
sleep 0.5
raw GET "$EMU_URL/_emulator/state" && cp "$RESP_FILE" "$TEST_TMP/state-int.json"
$PY - "$R" "$TEST_TMP/state-int.json" <<'EOF' || fail "an object made by the interrupted run is not in its journal"
import glob, json, sys
recs = [json.loads(l) for f in glob.glob(sys.argv[1] + "/.adsctl/journal/*.jsonl")
        for l in open(f)]
done = {r["id"] for r in recs if r.get("event") == "step"
        and r.get("result") == "done" and r.get("id")}
state = json.load(open(sys.argv[2]))
made = {o["id"] for o in state["objects"] if o.get("account") == "act_4032"
        and o["kind"] in ("campaign", "adset", "ad", "adcreative")
        and not o.get("gone")}
assert made, "the interrupted run made nothing"
assert made <= done, sorted(made - done)
EOF
raw POST "$EMU_URL/_emulator/config" -d '{"latency_ms": 0}'
A apply --auto-approve "$R" >"$TEST_TMP/out" 2>"$TEST_TMP/err" ||
	{ cat "$TEST_TMP/out" "$TEST_TMP/err" >&2; fail "rerun after interrupt exited $?"; }
raw GET "$EMU_URL/_emulator/state" && cp "$RESP_FILE" "$TEST_TMP/state.json"
$PY "$CHECK" "$TEST_TMP/state.json" "$R" || fail "interrupted: the account does not match"
emu_stop
