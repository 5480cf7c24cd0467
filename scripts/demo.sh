#!/usr/bin/env bash
# The main job on a fresh machine: install what is missing, build, start the
# local cluster with the seed scenario and open the extension against it.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v openssl >/dev/null || { apt-get update -qq && apt-get install -y -qq openssl; }
command -v go >/dev/null || export PATH="/usr/local/go/bin:$PATH"
stamp=node_modules/.package-lock.sha
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then npm ci --no-audit --no-fund && echo "$want" > "$stamp"; fi
node scripts/demo.mjs "$@"
# then open it in a real VS Code (code-server) and print the URL to open in a browser
exec node scripts/demo-vscode.mjs
