#!/usr/bin/env bash
# run-tests.sh: builds and runs the whole XCTest suite, then prints one closing line
# "N passed, N failed, N skipped" taken from XCTest's own summary. Exits with the
# test run's status (non-zero when a test failed or the build broke).
set -uo pipefail
cd "$(dirname "$0")/.."
swift build || exit $?
log=$(mktemp)
trap 'rm -f "$log"' EXIT
swift test --disable-swift-testing 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
summary=$(grep -E "^[[:space:]]*Executed [0-9]+ tests?, with" "$log" | tail -n 1 || true)
if [ -n "$summary" ]; then
  # e.g. "Executed 299 tests, with 10 tests skipped and 0 failures (0 unexpected) in ..."
  total=$(grep -oE "Executed [0-9]+" <<<"$summary" | grep -oE "[0-9]+")
  failed=$(grep -oE "[0-9]+ failures?" <<<"$summary" | grep -oE "[0-9]+" || echo 0)
  skipped=$(grep -oE "[0-9]+ tests? skipped" <<<"$summary" | grep -oE "[0-9]+" || echo 0)
  echo
  echo "$((total - failed - skipped)) passed, $failed failed, $skipped skipped"
fi
exit "$status"
