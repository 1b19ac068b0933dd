#!/bin/sh
# Runs `adsctl validate` on one case of tests/manifests/ and compares its
# stdout with the case's `expected` file and its exit code with `exit`
# (3 when absent); stderr must stay empty. The case is copied to the build
# folder first, where a `generate` file may create what is too big to
# commit (huge-yaml, deep-nesting, big-image). ADS_UPDATE_GOLDEN=1 writes
# the output into `expected` instead, for review.
set -eu
case_dir=$(cd "$1" && pwd)
name=$(basename "$(dirname "$case_dir")")/$(basename "$case_dir")
ADSCTL=${ADSCTL:?set ADSCTL to the adsctl binary}
work=${ADS_BUILD_DIR:-${TMPDIR:-/tmp}}/tests/manifests/work/$name
rm -rf "$work"
mkdir -p "$work"
cp -R "$case_dir"/. "$work"/
rm -f "$work/expected" "$work/exit" "$work/generate"

MB10=10485760
if [ -f "$case_dir/generate" ]; then
	case $(cat "$case_dir/generate") in
	huge-yaml)
		# a 10 MB manifest: valid YAML, mostly comment lines
		{ cat "$case_dir/resources.yaml"
		  yes '# a comment line that pads this manifest to ten megabytes' |
			head -c $MB10; } >"$work/resources.yaml" ;;
	deep-nesting)
		# 100,000 nested flow sequences
		awk 'BEGIN { printf "campaigns: "
			for (i = 0; i < 100000; i++) printf "["
			for (i = 0; i < 100000; i++) printf "]"
			print "" }' >"$work/resources.yaml" ;;
	big-image)
		# a PNG signature followed by 10 MB
		{ printf '\211PNG\r\n\032\n'; head -c $MB10 /dev/zero; } \
			>"$work/big.png" ;;
	*)
		echo "$name: unknown generator" >&2
		exit 1 ;;
	esac
fi

want=3
[ -f "$case_dir/exit" ] && want=$(cat "$case_dir/exit")
status=0
# run_validate EXPECTED OUT LABEL [ARGS...]: `validate ARGS` in the case,
# its stdout compared with EXPECTED, its exit code with $want, and
# nothing on stderr
run_validate() {
	expected=$1 out=$2 label=$3
	shift 3
	set +e
	(cd "$work" && "$ADSCTL" validate "$@") >"$out" 2>"$work.err"
	rc=$?
	set -e
	if [ "${ADS_UPDATE_GOLDEN:-}" = 1 ]; then
		cp "$out" "$expected"
	fi
	if ! diff -u "$expected" "$out"; then
		echo "$name: ${label}stdout differs from $(basename "$expected") (above)" >&2
		status=1
	fi
	if [ "$rc" -ne "$want" ]; then
		echo "$name: ${label}exit code $rc, expected $want" >&2
		status=1
	fi
	if [ -s "$work.err" ]; then
		echo "$name: ${label}unexpected stderr:" >&2
		cat "$work.err" >&2
		status=1
	fi
}
run_validate "$case_dir/expected" "$work.out" ""
# with an expected.json, `validate --format json` too
if [ -f "$case_dir/expected.json" ]; then
	run_validate "$case_dir/expected.json" "$work.json" "--format json: " \
		--format json
fi
exit $status
