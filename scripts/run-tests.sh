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
summary=$(grep -E "^[[:space:]]*Executed [0-9]+ tests?, with" "$log" | tail -n 1)
if [ -n "$summary" ]; then
  total=$(sed -E 's/.*Executed ([0-9]+) tests?.*/\1/' <<<"$summary")
  failed=$(sed -E 's/.*with ([0-9]+) failures?.*/\1/' <<<"$summary")
  skipped=0
  if grep -qE "with [0-9]+ tests? skipped" <<<"$summary"; then
    skipped=$(sed -E 's/.*with ([0-9]+) tests? skipped.*/\1/' <<<"$summary")
  fi
  echo
  echo "$((total - failed - skipped)) passed, $failed failed, $skipped skipped"
fi
exit "$status"
