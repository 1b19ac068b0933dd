# adsctl apply on every example from an empty account (the embedded
# emulator, state in the project's .adsctl/), then plan shows no changes;
# the journal; confirmation; the token never reaches a file.
. "$(dirname "$0")/lib.sh"

TOKEN_VALUE="apply-secret-token-0123456789"
export ADSCTL_ACCESS_TOKEN=$TOKEN_VALUE

for ex in "$ADS_SOURCE_DIR"/examples/*/; do
	[ -f "$ex/adsctl.yaml" ] || continue
	name=$(basename "$ex")
	proj="$TEST_TMP/$name"
	cp -r "$ex" "$proj"
	rm -rf "$proj/.adsctl"

	# no terminal, no --auto-approve: refused, nothing sent
	"$ADSCTL" apply --emulator "$proj" </dev/null >"$TEST_TMP/out" \
		2>"$TEST_TMP/err"
	assert_eq "$?" 64 "$name: apply without confirmation"
	grep -q "not a terminal" "$TEST_TMP/err" ||
		fail "$name: no explanation: $(cat "$TEST_TMP/err")"
	[ ! -d "$proj/.adsctl/journal" ] || fail "$name: journal without apply"

	"$ADSCTL" apply --emulator --auto-approve "$proj" >"$TEST_TMP/out" \
		2>"$TEST_TMP/err"
	rc=$?
	[ $rc -eq 0 ] || { cat "$TEST_TMP/out" "$TEST_TMP/err" >&2;
		fail "$name: apply exited $rc"; }
	grep -q '^Apply complete: ' "$TEST_TMP/out" ||
		fail "$name: no summary: $(tail -5 "$TEST_TMP/out")"
	grep -q "^+ campaigns\." "$TEST_TMP/err" ||
		fail "$name: no progress lines on stderr"

	"$ADSCTL" plan --emulator --detailed-exitcode "$proj" \
		>"$TEST_TMP/plan" 2>"$TEST_TMP/err"
	rc=$?
	[ $rc -eq 0 ] || { cat "$TEST_TMP/plan" >&2;
		fail "$name: plan after apply exited $rc (changes left)"; }
	grep -q '^No changes\.' "$TEST_TMP/plan" || fail "$name: plan says $(tail -1 "$TEST_TMP/plan")"

	# the journal: start, one record per step, a successful end
	set -- "$proj"/.adsctl/journal/*.jsonl
	[ $# -eq 1 ] && [ -f "$1" ] || fail "$name: expected one journal, got $*"
	[ "$(stat -c %a "$1")" = 600 ] || fail "$name: journal mode"
	$PY - "$1" "$name" <<'EOF' || fail "$name: journal"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert recs[0]["event"] == "apply_start", recs[0]
assert recs[-1]["event"] == "apply_end" and recs[-1]["ok"] is True, recs[-1]
steps = [r for r in recs if r["event"] == "step"]
assert len(steps) == recs[0]["steps"], (len(steps), recs[0]["steps"])
assert all(r["result"] == "done" for r in steps)
assert sorted(r["step"] for r in steps) == list(range(len(steps)))
# creates carry their label in the same call, and PAUSED
for r in steps:
    if r["action"] == "create" and r["kind"] in ("campaign", "ad_set", "ad"):
        p = r["requests"][0]["params"]
        assert p["status"] == "PAUSED", r
        assert "adsctl:" in json.dumps(p["adlabels"]), r
EOF
	for f in "$proj"/.adsctl/journal/*.jsonl "$TEST_TMP/out" "$TEST_TMP/err"; do
		! grep -q "$TOKEN_VALUE" "$f" || fail "$name: the token is in $f"
	done

	# apply again: nothing to do, journalled as a successful run
	"$ADSCTL" apply --emulator "$proj" </dev/null >"$TEST_TMP/out" \
		2>"$TEST_TMP/err" || fail "$name: second apply exited $?"
	grep -q '^No changes\.' "$TEST_TMP/out" || fail "$name: second apply: $(cat "$TEST_TMP/out")"
done
