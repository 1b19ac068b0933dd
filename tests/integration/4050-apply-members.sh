# Customer-list members: a 25,000-row list goes through one usersreplace
# session of three calls (at most 10,000 hashed rows each); only hashes
# leave the machine; the marker records the digest, so nothing is uploaded
# again until the list changes; a changed list replaces the members.
. "$(dirname "$0")/lib.sh"

export ADSCTL_ACCESS_TOKEN=$TOKEN
emu_start
P="$TEST_TMP/proj"
mkdir -p "$P/audiences" "$P/data"
cat >"$P/adsctl.yaml" <<'EOF'
stack: it-members
account: act_4050
include: [audiences/*.yaml]
prune: archive
EOF
cat >"$P/audiences/list.yaml" <<'EOF'
audiences:
  buyers:
    name: Buyers
    subtype: CUSTOM
    customer_file_source: USER_PROVIDED_ONLY
    members: { file: ../data/buyers.csv, columns: [EMAIL, PHONE] }
EOF
$PY - "$P/data/buyers.csv" 25000 <<'EOF'
import sys
with open(sys.argv[1], "w") as f:
    f.write("EMAIL,PHONE\n")
    for i in range(int(sys.argv[2])):
        f.write("Person.%d@Example.COM,+49 30 %07d\n" % (i, i))
EOF
A() { "$ADSCTL" --api-url "$EMU_URL" "$@"; }

raw POST "$EMU_URL/_emulator/stats/reset"
A apply --auto-approve "$P" >"$TEST_TMP/out" 2>"$TEST_TMP/err" ||
	{ cat "$TEST_TMP/out" "$TEST_TMP/err" >&2; fail "apply exited $?"; }
raw GET "$EMU_URL/_emulator/stats"
check "sum(v for k, v in d['by_route'].items() if 'usersreplace' in k) == 3" \
	"three usersreplace calls"
api GET "act_4050/customaudiences?fields=id,approximate_count,description"
check "d['data'][0]['approximate_count'] == 25000" "25,000 members"
check "'members=' in d['data'][0]['description']" "marker with the digest"
AUD=$(jq_py "d['data'][0]['id']")
$PY - "$P" <<'EOF' || fail "journal of the upload"
import glob, json, sys
recs = [json.loads(l) for f in glob.glob(sys.argv[1] + "/.adsctl/journal/*.jsonl")
        for l in open(f)]
up = [q for r in recs if r["event"] == "step" for q in r["requests"]
      if q["path"].endswith("/usersreplace")]
assert len(up) == 1 and up[0]["rows"] == 25000 and up[0]["calls"] == 3, up
assert up[0]["sessions"] == 1, up
EOF
# no raw value anywhere adsctl writes
for f in "$P"/.adsctl/journal/*.jsonl "$TEST_TMP/out" "$TEST_TMP/err"; do
	! grep -qi 'example\.com\|person\.1' "$f" || fail "a raw member value in $f"
done

# unchanged list: nothing to do, nothing uploaded
raw POST "$EMU_URL/_emulator/stats/reset"
A plan --detailed-exitcode "$P" >/dev/null 2>&1 || fail "plan after the upload: exit $?"
A apply --auto-approve "$P" >/dev/null 2>&1 || fail "second apply"
raw GET "$EMU_URL/_emulator/stats"
check "not any('usersreplace' in k for k in d['by_route'])" "no second upload"

# a changed list replaces the members
$PY - "$P/data/buyers.csv" 12000 <<'EOF'
import sys
with open(sys.argv[1], "w") as f:
    f.write("EMAIL,PHONE\n")
    for i in range(int(sys.argv[2])):
        f.write("other.%d@example.com,+49 40 %07d\n" % (i, i))
EOF
A plan "$P" 2>/dev/null | grep -q '^~ audiences\.buyers' || fail "members change not planned"
A apply --auto-approve "$P" >/dev/null 2>&1 || fail "apply of the new list"
api GET "$AUD?fields=approximate_count"
check "d['approximate_count'] == 12000" "members replaced"
A plan --detailed-exitcode "$P" >/dev/null 2>&1 || fail "plan after the new list: exit $?"
emu_stop
