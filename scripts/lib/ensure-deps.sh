# Sourced by scripts/dev.sh, scripts/test.sh and scripts/bench.sh: installs the node modules the lock file names,
# once, and again whenever package-lock.json changes. Needs only node and npm on the machine.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "node and npm are required (Node.js >= 20.3)" >&2
  exit 1
fi
stamp=node_modules/.deps-stamp
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "[setup] installing node modules (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi
