#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what is missing, starts what the tests need
# (Redis if none answers, a headless Temporal dev server, via the jest global setup), type-checks,
# lints, checks for import cycles and runs every test. Extra arguments go to jest (e.g. a path).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/ensure-deps.sh

# The console's browser test drives Debian's chromium (never a browser download). CI runs as root
# with no stdin; elsewhere sudo is used when there is one.
if ! command -v chromium >/dev/null; then
  echo "[test] installing chromium (Debian package) for the browser test" >&2
  sudo=""; [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && sudo="sudo -n"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi

echo "[test] type-check" >&2
npx tsc --noEmit -p tsconfig.json
echo "[test] lint" >&2
npx eslint --max-warnings=0 .
echo "[test] import cycles" >&2
npx madge --circular --no-spinner --extensions ts core src sources sagas sandbox scripts test bench

mkdir -p .data
results=.data/jest-results.json
rm -f "$results"
status=0
npx jest --ci --json --outputFile="$results" "$@" || status=$?
if [ -f "$results" ]; then
  node -e '
    const r = require(process.argv[1]);
    console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));
    if (r.numTotalTests === 0) process.exitCode = 1;
  ' "$PWD/$results" || status=1
fi
exit $status
