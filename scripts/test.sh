#!/usr/bin/env bash
# The one test command for a fresh machine: installs what is missing (Debian
# packages, npm dependencies, the local cluster's Go binaries — cached under
# ~/.cache/istio-revisions), then runs type check, unit tests, the package check
# and the integration suite against a real local Kubernetes control plane.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v openssl >/dev/null || need_apt+=(openssl)
command -v git >/dev/null || need_apt+=(git)
[ -f /etc/ssl/certs/ca-certificates.crt ] || need_apt+=(ca-certificates)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
[ -x /usr/bin/time ] || need_apt+=(time)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "[test] installing Debian packages: ${need_apt[*]}"
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq "${need_apt[@]}"; else sudo apt-get update -qq && sudo apt-get install -y -qq "${need_apt[@]}"; fi
fi
command -v go >/dev/null || export PATH="/usr/local/go/bin:$PATH"

# npm dependencies, reinstalled only when package-lock.json changed.
stamp=node_modules/.package-lock.sha
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "[test] npm ci"
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi

exec node scripts/test.mjs "$@"
