#!/bin/sh
# Runs one check of check.py; skips (exit 77) when python3 is missing.
if ! command -v python3 >/dev/null 2>&1; then
	echo "SKIP: python3 is not installed"
	exit 77
fi
exec python3 "$(dirname "$0")/check.py" "$@"
