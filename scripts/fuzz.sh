#!/usr/bin/env bash
# Runs every Fuzz* target in the module for the given time each (default 60s).
# Fails on the first crash; the failing input lands in testdata/fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
t="${1:-60s}"
status=0
for dir in $(go list -f '{{.Dir}}' ./...); do
  pkg=$(go list "$dir")
  for f in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | awk '{print $2}' | sort -u); do
    echo "== $pkg $f ($t)"
    if ! go test -run '^$' -fuzz "^${f}\$" -fuzztime "$t" "$pkg"; then
      status=1
    fi
  done
done
exit $status
