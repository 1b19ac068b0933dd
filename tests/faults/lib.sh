# Shared by campaign.sh and kill.sh (POSIX sh; source it after setting
# `keep`): a work folder, an emulator in a process of its own, cleanup.
#   fault_emu_start CONFIG.json   start it; sets URL
#   admin METHOD PATH [BODY]       call /_emulator/PATH
#   fail MESSAGE
# Environment: ADSCTL (the binary; default build/src/adsctl).
ADSCTL=${ADSCTL:-build/src/adsctl}
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/adsctl-faults.XXXXXX")
EMU_PID= APPLY_PID= URL=

cleanup() {
	[ -n "$APPLY_PID" ] && kill -9 "$APPLY_PID" 2>/dev/null
	[ -n "$EMU_PID" ] && kill "$EMU_PID" 2>/dev/null && wait "$EMU_PID" 2>/dev/null
	if [ -n "${keep:-}" ]; then
		rm -rf "$keep" && mv "$TMP" "$keep"
	else
		rm -rf "$TMP"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

fault_emu_start() {
	"$ADSCTL" emulator --port 0 --config "$1" >"$TMP/emu.out" \
		2>"$TMP/emu.err" &
	EMU_PID=$!
	i=0
	while [ ! -s "$TMP/emu.out" ]; do
		i=$((i + 1))
		[ $i -gt 200 ] && fail "the emulator did not start: $(cat "$TMP/emu.err")"
		sleep 0.05
	done
	URL=$(head -1 "$TMP/emu.out")
}

admin() { curl -sf -X "$1" "$URL/_emulator/$2" ${3:+-d "$3"}; }
