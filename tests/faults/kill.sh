#!/bin/sh
# The kill test (docs/apply.md "Proving it"): SIGKILL `adsctl apply` at
# random points of a ~500-object run, against an emulator in a process of
# its own (it survives the kill) with latency, so that the kill lands with
# requests in flight; then apply again (at most --runs times) until it exits
# 0, and check the account with the independent checker: no duplicate,
# nothing missing.
#
#   kill.sh [--points N] [--seed N] [--latency MS] [--runs N]
#           [--campaigns N] [--ad-sets N] [--ads N] [--images N] [--keep DIR]
#
# Environment: ADSCTL (the binary; default build/src/adsctl).
set -u

here=$(cd "$(dirname "$0")" && pwd)
points=20 seed=1 latency=20 runs=3 keep=
campaigns=4 adsets=6 ads=10 images=10
while [ $# -gt 0 ]; do
	case "$1" in
	--points) points=$2 ;;
	--seed) seed=$2 ;;
	--latency) latency=$2 ;;
	--runs) runs=$2 ;;
	--campaigns) campaigns=$2 ;;
	--ad-sets) adsets=$2 ;;
	--ads) ads=$2 ;;
	--images) images=$2 ;;
	--keep) keep=$2 ;;
	*) echo "kill.sh: unknown option $1" >&2; exit 64 ;;
	esac
	shift 2
done

. "$here/lib.sh"
now_ms() { "$PY" -c 'import time; print(int(time.time() * 1000))'; }

export ADSCTL_ACCESS_TOKEN=kill-test-token
"$PY" "$here/../bench/gen-project.py" "$TMP/proj" --campaigns "$campaigns" \
	--ad-sets "$adsets" --ads "$ads" --images "$images" --stack kill \
	--account act_5151 >/dev/null || fail "gen-project.py"
objects=$((campaigns * (1 + adsets * (1 + 2 * ads)) + images))
cat >"$TMP/emu.json" <<EOF
{"latency_ms": $latency, "async": {"requests_per_tick": 25, "tick_ms": 50}}
EOF
fault_emu_start "$TMP/emu.json"
# --crash-wait: how long after a killed run's last journal record its
# requests may still land (the default, 15 s, is for Meta; the emulator
# finishes in latency + processing time)
apply() {
	"$ADSCTL" apply --api-url "$URL" --retry-delay 20 --auto-approve \
		--crash-wait 2000 "$TMP/proj" "$@"
}

# finishes the job after a kill, then checks the account
converge() {
	n=0 rc=1
	while [ $rc -ne 0 ] && [ $n -lt "$runs" ]; do
		n=$((n + 1))
		apply >"$TMP/out" 2>"$TMP/err"
		rc=$?
	done
	[ $rc -eq 0 ] || {
		cat "$TMP/out" "$TMP/err" | tail -n 30 >&2
		fail "$1: apply did not finish in $runs runs after the kill"
	}
	admin GET state >"$TMP/state.json" || fail "$1: cannot read the state"
	if ! "$PY" "$here/check-state.py" "$TMP/state.json" "$TMP/proj" \
		--allow-archived >"$TMP/check.out"; then
		head -40 "$TMP/check.out" >&2
		fail "$1: the account does not match the manifests"
	fi
}

# One full run, to know how long a run takes.
admin POST reset >/dev/null || fail "cannot reset the emulator"
t0=$(now_ms)
apply >"$TMP/out" 2>"$TMP/err" || fail "the uninterrupted run exited $?"
full=$(($(now_ms) - t0))
converge "uninterrupted run"
echo "kill test: $points kills in a $objects-object apply (an uninterrupted run takes ${full} ms at ${latency} ms latency)"

landed=0 k=1
while [ $k -le "$points" ]; do
	admin POST reset >/dev/null || fail "cannot reset the emulator"
	rm -rf "$TMP/proj/.adsctl"
	delay=$("$PY" -c "import random; random.seed($seed * 1000 + $k); print(random.uniform(0.05, 0.95) * $full / 1000)")
	# adsctl itself in the background (not a subshell: the kill must
	# reach it)
	"$ADSCTL" apply --api-url "$URL" --retry-delay 20 --auto-approve \
		--crash-wait 2000 "$TMP/proj" >"$TMP/killed.out" \
		2>"$TMP/killed.err" &
	APPLY_PID=$!
	sleep "$delay"
	if kill -9 "$APPLY_PID" 2>/dev/null; then
		landed=$((landed + 1))
	fi
	wait "$APPLY_PID" 2>/dev/null
	APPLY_PID=
	converge "kill $k at ${delay}s"
	k=$((k + 1))
done
echo "ok: $landed of $points kills landed mid-run; every next apply converged with 0 duplicates and nothing missing"
[ $landed -ge $((points / 2)) ] || fail "too few kills landed mid-run: raise --latency"
