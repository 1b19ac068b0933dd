# Shared helpers for integration tests (POSIX sh). Source it:
#   . "$(dirname "$0")/lib.sh"
# Environment from ctest: ADSCTL (the binary), ADS_BUILD_DIR, ADS_SOURCE_DIR.
#
#   emu_start [adsctl emulator options...]  start the emulator; sets EMU_URL
#   emu_stop                                SIGTERM it and wait (state saved)
#   api METHOD PATH [curl args...]          Graph call with token $TOKEN under
#                                           /$API_VERSION/; body in $RESP_FILE,
#                                           HTTP status in $STATUS
#   raw METHOD URL [curl args...]           any URL (admin endpoints, next links)
#   jq_py 'EXPR'                            print EXPR evaluated in python3 with
#                                           d = the last response's JSON
#   check 'EXPR' [what]                     fail unless EXPR is true for d
#   assert_eq ACTUAL EXPECTED [what]
#   expect_error STATUS CODE [SUBCODE]      last response is a Graph error
#   apply_converges PROJECT WHAT            adsctl apply --auto-approve against
#                                           $EMU_URL, then plan must show no
#                                           changes (DESIGN.md §5); output in
#                                           $TEST_TMP/out, plan, err
#   example_project EXAMPLE DIR ACCOUNT [git]
#                                           examples/EXAMPLE copied to DIR for
#                                           ACCOUNT; "git": committed in a repo
#   fail MESSAGE
set -u

: "${ADSCTL:?run through ctest (ADSCTL is not set)}"
# the system interpreter starts 10x faster than a pyenv shim
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
TOKEN=${TOKEN:-test-token}
API_VERSION=${API_VERSION:-v25.0}
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/adsctl-it.XXXXXX")
RESP_FILE="$TEST_TMP/resp.json"
HDR_FILE="$TEST_TMP/headers.txt"
EMU_PID=
EMU_URL=
STATUS=

fail() {
	echo "FAIL: $*" >&2
	if [ -s "$RESP_FILE" ]; then
		echo "last response ($STATUS):" >&2
		head -c 2000 "$RESP_FILE" >&2
		echo >&2
	fi
	exit 1
}

cleanup() {
	if [ -n "$EMU_PID" ]; then
		kill "$EMU_PID" 2>/dev/null
		wait "$EMU_PID" 2>/dev/null
	fi
	rm -rf "$TEST_TMP"
}
trap cleanup EXIT INT TERM

# example_project EXAMPLE DIR ACCOUNT [git]: a copy of examples/EXAMPLE in
# DIR, without its .adsctl/, for ACCOUNT; with "git", DIR is a repository
# with the copy as its one commit.
example_project() {
	cp -r "$ADS_SOURCE_DIR/examples/$1" "$2"
	rm -rf "$2/.adsctl"
	sed -i "s/^account: .*/account: $3/" "$2/adsctl.yaml"
	if [ "${4:-}" = git ]; then
		git -C "$2" init -q
		git -C "$2" -c user.name=t -c user.email=t@example.com add -A
		git -C "$2" -c user.name=t -c user.email=t@example.com commit -qm one
	fi
}

emu_start() {
	out="$TEST_TMP/emu.out"
	: >"$out"
	"$ADSCTL" emulator --port 0 "$@" >"$out" 2>"${EMU_ERR_LOG:-$TEST_TMP/emu.err}" &
	EMU_PID=$!
	i=0
	while [ ! -s "$out" ]; do
		i=$((i + 1))
		[ $i -gt 200 ] && fail "emulator did not start: $(cat "$TEST_TMP/emu.err")"
		kill -0 "$EMU_PID" 2>/dev/null ||
			fail "emulator exited: $(cat "$TEST_TMP/emu.err")"
		sleep 0.05
	done
	EMU_URL=$(head -1 "$out")
	case "$EMU_URL" in
	http://127.0.0.1:*) ;;
	*) fail "unexpected first line from adsctl emulator: $EMU_URL" ;;
	esac
}

emu_stop() {
	[ -n "$EMU_PID" ] || return 0
	kill -TERM "$EMU_PID"
	wait "$EMU_PID"
	rc=$?
	EMU_PID=
	if [ $rc -ne 0 ]; then
		tail -40 "${EMU_ERR_LOG:-$TEST_TMP/emu.err}" >&2
		fail "adsctl emulator exited with $rc"
	fi
}

raw() {
	m=$1
	u=$2
	shift 2
	: >"$RESP_FILE"
	STATUS=$(curl -sg -o "$RESP_FILE" -D "$HDR_FILE" -w '%{http_code}' \
		-X "$m" "$u" "$@") || STATUS=000
}

api() {
	m=$1
	p=$2
	shift 2
	case "$p" in
	*\?*) sep='&' ;;
	*) sep='?' ;;
	esac
	raw "$m" "$EMU_URL/$API_VERSION/$p${sep}access_token=$TOKEN" "$@"
}

jq_py() {
	$PY - "$RESP_FILE" "$1" <<'PY'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except ValueError:
    d = None
v = eval(sys.argv[2])
print(json.dumps(v) if isinstance(v, (dict, list)) else v)
PY
}

check() {
	r=$(jq_py "bool($1)") || fail "${2:-check}: cannot evaluate $1"
	[ "$r" = "True" ] || fail "${2:-check}: expected $1"
}

assert_eq() {
	[ "$1" = "$2" ] || fail "${3:-value}: expected '$2', got '$1'"
}

expect_error() {
	assert_eq "$STATUS" "$1" "HTTP status"
	assert_eq "$(jq_py "d['error']['code']")" "$2" "error code"
	if [ $# -ge 3 ]; then
		assert_eq "$(jq_py "d['error'].get('error_subcode')")" "$3" \
			"error subcode"
	fi
}

header() {
	grep -i "^$1:" "$HDR_FILE" | head -1 | sed 's/^[^:]*: *//' | tr -d '\r'
}

apply_converges() {
	"$ADSCTL" apply --api-url "$EMU_URL" --auto-approve "$1" \
		>"$TEST_TMP/out" 2>"$TEST_TMP/err"
	rc=$?
	[ $rc -eq 0 ] || { cat "$TEST_TMP/out" "$TEST_TMP/err" >&2;
		fail "$2: apply exited $rc"; }
	"$ADSCTL" plan --api-url "$EMU_URL" --detailed-exitcode "$1" \
		>"$TEST_TMP/plan" 2>"$TEST_TMP/err"
	rc=$?
	[ $rc -eq 0 ] || { cat "$TEST_TMP/out" "$TEST_TMP/plan" "$TEST_TMP/err" >&2;
		fail "$2: the plan after apply is not empty (exit $rc)"; }
}
