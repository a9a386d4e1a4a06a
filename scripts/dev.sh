#!/usr/bin/env bash
# The main job, from a fresh clone: installs what is missing, starts Redis (if none answers), a
# Temporal dev server with its UI, the downstream sandbox, the worker and the receiver. Ctrl-C stops
# what it started.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/ensure-deps.sh
# One process (no npx/tsx relay in between), so Ctrl-C reaches the code that stops what it started.
exec node --import tsx scripts/dev.ts "$@"
