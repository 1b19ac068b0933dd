# Large ad creation through async ad request sets (--async-min lowers the
# threshold for a small project): the ads are made by the sets, nothing is
# created twice, also when the answers to set creates and writes are lost.
. "$(dirname "$0")/lib.sh"

export ADSCTL_ACCESS_TOKEN=$TOKEN
CHECK="$ADS_SOURCE_DIR/tests/faults/check-state.py"
emu_start
P="$TEST_TMP/proj"
$PY "$ADS_SOURCE_DIR/tests/bench/gen-project.py" "$P" --campaigns 1 --ad-sets 3 \
	--ads 10 --images 3 --account act_4040 --stack it-async >/dev/null
A() { "$ADSCTL" --api-url "$EMU_URL" "$@"; }

A apply --auto-approve --async-min 20 "$P" >"$TEST_TMP/out" 2>"$TEST_TMP/err" ||
	{ cat "$TEST_TMP/out" "$TEST_TMP/err" >&2; fail "apply exited $?"; }
A plan --detailed-exitcode "$P" >/dev/null 2>&1 || fail "plan after apply: exit $?"
raw GET "$EMU_URL/_emulator/state" && cp "$RESP_FILE" "$TEST_TMP/state.json"
$PY "$CHECK" "$TEST_TMP/state.json" "$P" || fail "the account does not match"
check "len([o for o in d['objects'] if o['kind'] == 'asyncrequestset']) >= 1" \
	"an async request set was made"
$PY - "$P" <<'EOF' || fail "journal"
import glob, json, sys
recs = [json.loads(l) for f in glob.glob(sys.argv[1] + "/.adsctl/journal/*.jsonl")
        for l in open(f)]
ads = [r for r in recs if r["event"] == "step" and r["kind"] == "ad"
       and r["action"] == "create"]
assert len(ads) == 30 and all(r.get("async") for r in ads), ads[:2]
assert all(r["requests"][0]["async_set"].startswith("adsctl:it-async:")
           for r in ads), ads[0]
end = recs[-1]
assert end["event"] == "apply_end" and end["ok"] and end["async_sets"] >= 1, end
EOF

# --- with lost answers and null items: still exactly one of each
raw POST "$EMU_URL/_emulator/config" -d '{"faults": {"commit_then_drop": 0.15, "null_batch_item": 0.15, "transient": 0.05}}'
for seed in 1 2 3 4 5; do
	raw POST "$EMU_URL/_emulator/reset"
	raw POST "$EMU_URL/_emulator/config" -d "{\"seed\": $seed}"
	rm -rf "$P/.adsctl"
	n=0 rc=1
	while [ $rc -ne 0 ] && [ $n -lt 3 ]; do
		n=$((n + 1))
		A apply --auto-approve --async-min 20 --retry-delay 1 "$P" \
			>"$TEST_TMP/out" 2>"$TEST_TMP/err"
		rc=$?
	done
	[ $rc -eq 0 ] || { cat "$TEST_TMP/out" "$TEST_TMP/err" >&2;
		fail "seed $seed: apply did not finish in 3 runs"; }
	raw GET "$EMU_URL/_emulator/state" && cp "$RESP_FILE" "$TEST_TMP/state.json"
	$PY "$CHECK" "$TEST_TMP/state.json" "$P" || fail "seed $seed: the account does not match"
done

# --- interrupted while its set waits at Meta: plan says the set is still
# at work (its ads are not in the account yet), apply then finishes
raw POST "$EMU_URL/_emulator/config" -d '{"faults": {"commit_then_drop": 0, "null_batch_item": 0, "transient": 0}, "async": {"paused": true}}'
raw POST "$EMU_URL/_emulator/reset"
rm -rf "$P/.adsctl"
# (adsctl itself in the background, not through A: SIGINT must reach it)
"$ADSCTL" --api-url "$EMU_URL" apply --auto-approve --async-min 20 "$P" \
	>"$TEST_TMP/out" 2>"$TEST_TMP/err" &
pid=$!
i=0
while :; do
	raw GET "$EMU_URL/_emulator/state"
	[ "$(jq_py "len([o for o in d['objects'] if o['kind'] == 'asyncrequestset'])")" -gt 0 ] && break
	i=$((i + 1))
	[ $i -lt 400 ] || fail "no async request set was made"
	sleep 0.05
done
kill -INT $pid
wait $pid
assert_eq "$?" 130 "apply interrupted while its set waits"
A plan "$P" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
grep -q "async request sets\{0,1\} of an earlier apply \(is\|are\) still creating ads at Meta" "$TEST_TMP/out" ||
	fail "plan does not say the set is still at work: $(cat "$TEST_TMP/out")"
raw POST "$EMU_URL/_emulator/config" -d '{"async": {"paused": false}}'
A apply --auto-approve --async-min 20 "$P" >"$TEST_TMP/out" 2>"$TEST_TMP/err" ||
	{ cat "$TEST_TMP/out" "$TEST_TMP/err" >&2; fail "apply after the interrupt exited $?"; }
A plan "$P" >"$TEST_TMP/out" 2>"$TEST_TMP/err" || fail "plan after: exit $?"
grep -q "still creating ads" "$TEST_TMP/out" && fail "the note stays after the sets ended"
raw GET "$EMU_URL/_emulator/state" && cp "$RESP_FILE" "$TEST_TMP/state.json"
$PY "$CHECK" "$TEST_TMP/state.json" "$P" || fail "after the interrupt: the account does not match"
emu_stop
