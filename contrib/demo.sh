#!/bin/sh
# The quick start's main job, run by `make demo`: adsctl on every example
# project against the built-in Marketing API emulator, no Meta account
# needed. For each example: validate, plan, apply, and plan again (which
# must say "No changes"). The examples are copied to a temporary folder
# first, so the emulator's state and the apply journal (.adsctl/) never
# land in the repository.
#   sh contrib/demo.sh [ADSCTL]     (default: build/src/adsctl)
set -eu
ADSCTL=${1:-build/src/adsctl}
case "$ADSCTL" in
/*) ;;
*) ADSCTL=$(pwd)/$ADSCTL ;;
esac
here=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -x "$ADSCTL" ]; then
	echo "demo: no adsctl at $ADSCTL (run 'make' first)" >&2
	exit 1
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/adsctl-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
# The emulator accepts any token; no real credential is involved.
unset ADSCTL_ACCESS_TOKEN ADSCTL_API_URL ADSCTL_APP_SECRET
export ADSCTL_ACCESS_TOKEN=demo-token

bold=
plain=
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
	bold=$(printf '\033[1m')
	plain=$(printf '\033[0m')
fi
run() {
	echo
	echo "${bold}\$ adsctl $*${plain}"
	(cd "$work" && "$ADSCTL" "$@")
}

"$ADSCTL" --version | head -n 1
echo "Running the examples against the built-in emulator (in $work)."
status=0
for dir in "$here"/examples/*/; do
	[ -f "$dir/adsctl.yaml" ] || continue
	name=$(basename "$dir")
	cp -r "$dir" "$work/$name"
	rm -rf "$work/$name/.adsctl"
	echo
	echo "${bold}== examples/$name${plain}"
	if ! run validate "$name" ||
		! run plan --emulator "$name" ||
		! run apply --emulator --auto-approve "$name" ||
		! run plan --emulator --detailed-exitcode "$name"; then
		echo "demo: examples/$name did not go through" >&2
		status=1
	fi
done
echo
if [ $status -eq 0 ]; then
	echo "${bold}Every example was applied, and planning again shows no changes.${plain}"
	echo "Next: copy an example, point it at your account (stack, account in"
	echo "adsctl.yaml), set ADSCTL_ACCESS_TOKEN and run 'adsctl plan'."
fi
exit $status
