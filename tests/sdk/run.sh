# Drives the npm package facebook-nodejs-business-sdk against the emulator:
# creates a campaign, an ad set, a creative and an ad, and reads them back.
# Exit 77 (skipped) when node, npm or the npm registry is unavailable.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../integration/lib.sh"

command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || {
	echo "SKIP: node or npm is not installed"
	exit 77
}
SDK_DIR="${ADS_BUILD_DIR:-$TEST_TMP}/sdk-node"
if [ ! -d "$SDK_DIR/node_modules/facebook-nodejs-business-sdk" ]; then
	mkdir -p "$SDK_DIR"
	if ! (cd "$SDK_DIR" &&
		timeout 240 npm install --no-audit --no-fund --loglevel=error \
			facebook-nodejs-business-sdk >"$TEST_TMP/npm.log" 2>&1); then
		echo "SKIP: cannot install facebook-nodejs-business-sdk from npm"
		tail -5 "$TEST_TMP/npm.log"
		exit 77
	fi
fi
VERSION=$(node -p "require('$SDK_DIR/node_modules/facebook-nodejs-business-sdk/package.json').version")

emu_start
EMU_URL=$EMU_URL NODE_PATH="$SDK_DIR/node_modules" node "$HERE/sdk-test.js" \
	>"$TEST_TMP/sdk.out" 2>&1
rc=$?
cat "$TEST_TMP/sdk.out"
[ $rc -eq 0 ] || fail "facebook-nodejs-business-sdk $VERSION against the emulator"
raw GET "$EMU_URL/_emulator/stats"
check "d['graph_calls'] >= 8" "the SDK's calls reached the emulator"
emu_stop
echo "ok: facebook-nodejs-business-sdk $VERSION created and read a campaign, ad set, creative and ad"
