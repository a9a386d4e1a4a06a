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
rm -f .data/jest-results*.json
status=0
npx jest --ci --json --outputFile=.data/jest-results.json "$@" || status=$?
node -e '
  const files = process.argv.slice(1).filter((f) => require("node:fs").existsSync(f));
  const sum = (k) => files.reduce((n, f) => n + require(f)[k], 0);
  console.log(`tests: ${sum("numPassedTests")} passed, ${sum("numFailedTests")} failed` + (sum("numPendingTests") ? `, ${sum("numPendingTests")} skipped` : ""));
  if (files.length === 0 || sum("numTotalTests") === 0) process.exitCode = 1;
' "$PWD/.data/jest-results.json" || status=1
exit $status
