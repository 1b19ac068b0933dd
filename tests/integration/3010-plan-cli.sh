#!/bin/sh
# adsctl plan, show, diff and drift as users run them: credentials,
# options and exit codes, saved plans, and the token kept out of every
# output.
. "$(dirname "$0")/lib.sh"

PROJ=$TEST_TMP/shop
cp -r "$ADS_SOURCE_DIR/tests/golden/projects/shop" "$PROJ"
SECRET=s3cret-token-that-must-not-leak
unset ADSCTL_ACCESS_TOKEN ADSCTL_API_URL

run() {
	"$ADSCTL" "$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
	RC=$?
}

expect_rc() {
	[ "$RC" = "$1" ] || {
		cat "$TEST_TMP/err" >&2
		fail "$2: exit $RC, expected $1"
	}
}

expect_err() {
	grep -q -- "$1" "$TEST_TMP/err" || {
		cat "$TEST_TMP/err" >&2
		fail "stderr lacks '$1'"
	}
}

printf '{"tokens": ["%s"]}\n' "$SECRET" >"$TEST_TMP/emu.conf"
emu_start --config "$TEST_TMP/emu.conf"

# no token at all
run plan --api-url "$EMU_URL" "$PROJ"
expect_rc 4 "plan without a token"
expect_err "no access token"

# a token file others can read is refused, its value never printed
printf '%s\n' "$SECRET" >"$TEST_TMP/token"
chmod 644 "$TEST_TMP/token"
run plan --api-url "$EMU_URL" --token-file "$TEST_TMP/token" "$PROJ"
expect_rc 4 "plan with a world-readable token file"
expect_err "chmod 600"

# --parallel N: how many requests are in flight (each takes a connection)
ADSCTL_ACCESS_TOKEN=$SECRET run --parallel 0 plan --api-url "$EMU_URL" "$PROJ"
expect_rc 64 "--parallel 0"
expect_err "--parallel takes a number of requests (1-16)"
for n in 1 2; do
	ADSCTL_ACCESS_TOKEN=$SECRET run --parallel $n -v plan --api-url "$EMU_URL" "$PROJ"
	expect_rc 0 "--parallel $n"
	grep -q "Graph calls, $n HTTP requests, 1 round trips" "$TEST_TMP/err" ||
		fail "--parallel $n: $(grep 'round trips' "$TEST_TMP/err")"
done
chmod 600 "$TEST_TMP/token"

# a wrong token: an API error, exit 4
ADSCTL_ACCESS_TOKEN=wrong run plan --api-url "$EMU_URL" "$PROJ"
expect_rc 4 "plan with a refused token"

# plain HTTP is for loopback only
ADSCTL_ACCESS_TOKEN=$SECRET run plan --api-url http://example.com "$PROJ"
expect_rc 64 "plan over plain HTTP to a remote host"
expect_err "use https"

# usage errors
run plan --format yaml "$PROJ"
expect_rc 64 "plan --format yaml"
ADSCTL_ACCESS_TOKEN=$SECRET run plan --api-url "$EMU_URL" \
	--target campaigns.sumer "$PROJ"
expect_rc 64 "plan --target with a typo"
expect_err "did you mean 'campaigns.summer'"

# a saved plan, shown again in every format; -v never shows the token
run plan --api-url "$EMU_URL" --token-file "$TEST_TMP/token" -v \
	-o "$TEST_TMP/plan.json" --detailed-exitcode "$PROJ"
expect_rc 2 "plan -o with changes and --detailed-exitcode"
cp "$TEST_TMP/out" "$TEST_TMP/plan.txt"
grep -q "Plan: 8 to create" "$TEST_TMP/plan.txt" || fail "plan text summary"
for f in "$TEST_TMP/out" "$TEST_TMP/err" "$TEST_TMP/plan.json"; do
	if grep -q "$SECRET" "$f"; then
		fail "the access token appears in $(basename "$f")"
	fi
done
cp "$TEST_TMP/plan.json" "$RESP_FILE"
check "d['format_version'] == 1" "saved plan format_version"
check "d['project_digest'] and len(d['project_digest']) == 64" \
	"saved plan project digest"
check "d['created'].endswith('+0000')" "saved plan creation time"
run show "$TEST_TMP/plan.json"
expect_rc 0 "show"
# a line saying which account and when, then what plan printed
head -1 "$TEST_TMP/out" | grep -q "^Plan of stack '[a-z-]*' on act_[0-9]* .*on 20[0-9-]*T" ||
	fail "show's header: $(head -1 "$TEST_TMP/out")"
tail -n +3 "$TEST_TMP/out" | cmp -s - "$TEST_TMP/plan.txt" ||
	fail "show does not print what plan printed"
run show --format json "$TEST_TMP/plan.json"
expect_rc 0 "show --format json"
cmp -s "$TEST_TMP/out" "$TEST_TMP/plan.json" ||
	fail "show --format json does not round-trip the saved plan"
run show --format markdown "$TEST_TMP/plan.json"
expect_rc 0 "show --format markdown"
head -1 "$TEST_TMP/out" | grep -q '^<!-- adsctl-plan part 1 of 1 -->$' ||
	fail "markdown starts with its part marker"

# a file that is not a plan
echo '{"format_version": 1}' >"$TEST_TMP/bad.json"
run show "$TEST_TMP/bad.json"
expect_rc 1 "show of a file that is not a plan"
expect_err "not a valid plan"
run show "$TEST_TMP/missing.json"
expect_rc 1 "show of a missing file"
run show "$PROJ/adsctl.yaml"
expect_rc 1 "show of a YAML file"
expect_err "adsctl.yaml is not a plan saved by 'adsctl plan -o' (not JSON): line 1"
run help plna
expect_rc 64 "help of an unknown command"
expect_err "did you mean 'plan'?"
run emulator --config "$TEST_TMP/missing.json"
expect_rc 1 "emulator with a missing config file"

# invalid manifests stop before any network call: exit 3
sed 's/objective: OUTCOME_TRAFFIC/objective: OUTCOME_TRAFIC/' \
	"$PROJ/campaigns/summer.yaml" >"$TEST_TMP/x" &&
	cp "$PROJ/campaigns/summer.yaml" "$TEST_TMP/summer.yaml" &&
	cp "$TEST_TMP/x" "$PROJ/campaigns/summer.yaml"
ADSCTL_ACCESS_TOKEN=$SECRET run plan --api-url "$EMU_URL" "$PROJ"
expect_rc 3 "plan of invalid manifests"
expect_err "summer.yaml:4:16"
cp "$TEST_TMP/summer.yaml" "$PROJ/campaigns/summer.yaml"

# diff between two revisions, offline
git -C "$PROJ" init -q -b main
git -C "$PROJ" -c user.name=t -c user.email=t@example.com add -A
git -C "$PROJ" -c user.name=t -c user.email=t@example.com commit -qm one
sed -i 's/daily_budget: 2500/daily_budget: 4000/' \
	"$PROJ/campaigns/summer.yaml"
git -C "$PROJ" -c user.name=t -c user.email=t@example.com commit -qam two
run diff HEAD~1 HEAD "$PROJ"
expect_rc 0 "diff HEAD~1 HEAD"
grep -q "daily_budget: 2500 → 4000" "$TEST_TMP/out" ||
	fail "diff shows the budget change"
grep -q "Plan: 0 to create, 1 to update" "$TEST_TMP/out" || fail "diff summary"
run diff HEAD~1 nosuchrev "$PROJ"
expect_rc 64 "diff with an unknown revision"

# plan --rev: the manifests as a commit holds them, the working tree aside
echo "garbage: [" >"$PROJ/campaigns/broken.yaml"
ADSCTL_ACCESS_TOKEN=$SECRET run plan --rev HEAD~1 --api-url "$EMU_URL" \
	-o "$TEST_TMP/rev.json" "$PROJ"
expect_rc 0 "plan --rev HEAD~1"
grep -q 'daily_budget: *\$25.00$' "$TEST_TMP/out" ||
	fail "plan --rev plans the old budget: $(grep daily_budget "$TEST_TMP/out")"
cp "$TEST_TMP/rev.json" "$RESP_FILE"
check "d['commit'] == '$(git -C "$PROJ" rev-parse HEAD~1)' and not d['dirty']" \
	"plan --rev records that commit"
ADSCTL_ACCESS_TOKEN=$SECRET run plan --rev nosuchrev --api-url "$EMU_URL" "$PROJ"
expect_rc 64 "plan --rev with an unknown revision"
expect_err "unknown revision 'nosuchrev'"
rm "$PROJ/campaigns/broken.yaml"

# the saved plan records its commit; drift against HEAD: git changes
ADSCTL_ACCESS_TOKEN=$SECRET run plan --api-url "$EMU_URL" \
	-o "$TEST_TMP/p2.json" "$PROJ"
cp "$TEST_TMP/p2.json" "$RESP_FILE"
check "len(d['commit']) == 40 and d['branch'] == 'main' and \
not d['dirty']" "saved plan provenance"
# against HEAD, objects missing from the account are live drift; an
# uncommitted edit is a change in git
sed -i 's/age_min: 21/age_min: 30/' "$PROJ/campaigns/summer.yaml"
ADSCTL_ACCESS_TOKEN=$SECRET run drift --api-url "$EMU_URL" "$PROJ"
expect_rc 2 "drift with everything to create"
grep -q "against commit .* (HEAD)" "$TEST_TMP/out" || fail "drift baseline"
sed -n '/Changed in Ads Manager/,/^$/p' "$TEST_TMP/out" |
	grep -q "+ campaigns.summer:" || fail "missing objects are live drift"
sed -n '/Changed in git/,/^$/p' "$TEST_TMP/out" |
	grep -q "+ campaigns.summer.ad_sets.de$" ||
	fail "the edited ad set is a change in git"
# the journal's last successful apply is the baseline
mkdir -p "$PROJ/.adsctl/journal"
first=$(git -C "$PROJ" rev-parse HEAD~1)
printf '{"event":"apply_end","ok":true,"commit":"%s"}\n' "$first" \
	>"$PROJ/.adsctl/journal/2027-01-01T000000.jsonl"
ADSCTL_ACCESS_TOKEN=$SECRET run drift --api-url "$EMU_URL" \
	--format json "$PROJ"
expect_rc 2 "drift against the last apply"
cp "$TEST_TMP/out" "$RESP_FILE"
check "d['drift']['baseline'] == 'commit ${first%${first#???????}} \
(the last apply)'" "drift baseline from the journal"
ADSCTL_ACCESS_TOKEN=$SECRET run drift --api-url "$EMU_URL" \
	--baseline nosuchrev "$PROJ"
expect_rc 64 "drift --baseline with an unknown revision"
# a journal that cannot be read: HEAD is the baseline, and a warning says so
mv "$PROJ/.adsctl/journal" "$TEST_TMP/journal.saved"
printf 'not a folder\n' >"$PROJ/.adsctl/journal"
ADSCTL_ACCESS_TOKEN=$SECRET run drift --api-url "$EMU_URL" "$PROJ"
expect_rc 2 "drift with an unreadable journal"
grep -q "against commit .* (HEAD)" "$TEST_TMP/out" ||
	fail "drift falls back to HEAD"
expect_err "the baseline is HEAD instead of the last apply"
rm "$PROJ/.adsctl/journal"
mv "$TEST_TMP/journal.saved" "$PROJ/.adsctl/journal"

emu_stop
echo ok
