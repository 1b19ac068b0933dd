#!/bin/sh
# The fault campaign (docs/apply.md "Proving it"): for each seed, apply a
# generated project against an emulator that injects transient errors,
# null batch items and writes whose answer is dropped, re-running apply
# until it exits 0 (at most --runs times); then an independent checker
# (check-state.py, reading /_emulator/state and the YAML, not adsctl's
# code) must find the account equal to the manifests: no duplicate, nothing
# missing, nothing ACTIVE under a missing parent.
#
#   campaign.sh [--seeds N] [--first N] [--rate R] [--runs N]
#               [--campaigns N] [--ad-sets N] [--ads N] [--images N]
#               [--audiences N] [--members N] [--keep DIR]
#
# ctest runs it at the CI size (50 seeds of a ~200-object project); the
# full-size run is e.g. `campaign.sh --seeds 1000 --campaigns 20`.
# Environment: ADSCTL (the binary; default build/src/adsctl).
set -u

here=$(cd "$(dirname "$0")" && pwd)
seeds=50 first=1 rate=0.1 runs=3 keep=
campaigns=5 adsets=4 ads=4 images=10 audiences=1 members=200
while [ $# -gt 0 ]; do
	case "$1" in
	--seeds) seeds=$2 ;;
	--first) first=$2 ;;
	--rate) rate=$2 ;;
	--runs) runs=$2 ;;
	--campaigns) campaigns=$2 ;;
	--ad-sets) adsets=$2 ;;
	--ads) ads=$2 ;;
	--images) images=$2 ;;
	--audiences) audiences=$2 ;;
	--members) members=$2 ;;
	--keep) keep=$2 ;;
	*) echo "campaign.sh: unknown option $1" >&2; exit 64 ;;
	esac
	shift 2
done

. "$here/lib.sh"

export ADSCTL_ACCESS_TOKEN=fault-campaign-token
"$PY" "$here/../bench/gen-project.py" "$TMP/proj" --campaigns "$campaigns" \
	--ad-sets "$adsets" --ads "$ads" --images "$images" \
	--audiences "$audiences" --members "$members" --stack faults \
	--account act_4242 >/dev/null || fail "gen-project.py"
cat >"$TMP/emu.json" <<EOF
{"faults": {"transient": $rate, "null_batch_item": $rate,
            "commit_then_drop": $rate}}
EOF
fault_emu_start "$TMP/emu.json"

objects=$((campaigns * (1 + adsets * (1 + 2 * ads)) + images + 2 * audiences))
echo "fault campaign: $seeds seeds from $first, a project of $objects objects, fault rate $rate per kind"

total_runs=0 faults=0 worst=0
seed=$first
last=$((first + seeds - 1))
while [ "$seed" -le "$last" ]; do
	admin POST reset >/dev/null || fail "seed $seed: cannot reset the emulator"
	admin POST config "{\"seed\": $seed}" >/dev/null ||
		fail "seed $seed: cannot set the seed"
	rm -rf "$TMP/proj/.adsctl"
	n=0 rc=1
	while [ $rc -ne 0 ] && [ $n -lt "$runs" ]; do
		n=$((n + 1))
		"$ADSCTL" apply --api-url "$URL" --retry-delay 2 --auto-approve \
			"$TMP/proj" >"$TMP/out.$n" 2>"$TMP/err.$n"
		rc=$?
		case $rc in
		0 | 5) ;;
		*) tail -20 "$TMP/err.$n" >&2
		   fail "seed $seed: apply run $n exited $rc" ;;
		esac
	done
	if [ $rc -ne 0 ]; then
		tail -30 "$TMP/out.$n" >&2
		fail "seed $seed: apply did not finish in $runs runs"
	fi
	admin GET state >"$TMP/state.json" || fail "seed $seed: cannot read the state"
	if ! "$PY" "$here/check-state.py" "$TMP/state.json" "$TMP/proj" >"$TMP/check.out"; then
		head -40 "$TMP/check.out" >&2
		fail "seed $seed: the account does not match the manifests"
	fi
	# plan agrees (adsctl's own view; the checker above is the proof)
	if [ $((seed % 5)) -eq 0 ]; then
		"$ADSCTL" plan --api-url "$URL" --retry-delay 2 \
			--detailed-exitcode "$TMP/proj" >"$TMP/plan.out" \
			2>"$TMP/plan.err" ||
			fail "seed $seed: plan after apply exited $? (expected no changes)"
	fi
	mkdir -p "$TMP/journals/$seed"
	mv "$TMP"/proj/.adsctl/journal/*.jsonl "$TMP/journals/$seed/"
	f=$(admin GET stats | "$PY" -c 'import json,sys; print(sum(json.load(sys.stdin)["faults"].values()))')
	faults=$((faults + f))
	total_runs=$((total_runs + n))
	[ $n -gt $worst ] && worst=$n
	if [ "$seed" -eq "$first" ]; then
		# The checker must see a duplicate: one proves it can fail.
		"$PY" - "$TMP/state.json" >"$TMP/dup.json" <<'EOF'
import copy, json, sys
s = json.load(open(sys.argv[1]))
ad = next(o for o in s["objects"] if o["kind"] == "ad")
dup = copy.deepcopy(ad)
dup["id"] = "999" + ad["id"]
s["objects"].append(dup)
json.dump(s, sys.stdout)
EOF
		"$PY" "$here/check-state.py" "$TMP/dup.json" "$TMP/proj" >/dev/null &&
			fail "the checker does not see a duplicated ad"
	fi
	seed=$((seed + 1))
done
# what the journals say about lost answers
set -- $(cat "$TMP"/journals/*/*.jsonl | "$PY" -c '
import json, sys
a = g = 0
for line in sys.stdin:
    r = json.loads(line)
    if r.get("event") == "apply_end":
        a += r["adopted"]; g += r["created_again"]
print(a, g)')
adopted=$1 again=$2
lost=$((adopted + again))
echo "ok: $seeds seeds converged, $total_runs apply runs (at most $worst for one seed), $faults faults injected, $lost answers lost and settled by label ($adopted adopted, $again created again), 0 duplicates, 0 missing"
[ $faults -gt 0 ] || fail "no fault was injected: the campaign proves nothing"
[ $lost -gt 0 ] || fail "no answer was lost: the campaign proves nothing"
