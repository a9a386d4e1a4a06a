#!/usr/bin/env bash
# The benchmark, from a fresh clone: installs what is missing, then runs bench/run.ts (which starts
# its own Temporal dev server and Redis where none answers). BENCH_* variables: README, Benchmark.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/ensure-deps.sh
exec node --import tsx bench/run.ts "$@"
