#!/usr/bin/env bash
# Installs what Chatref needs to run and test locally; safe to run again (quick when all is present).
#   - Debian packages: redis-server, chromium (browser tests)
#   - FerretDB 1.24.2 built from the Go module proxy into .tools/bin (pinned by tools/ferretdb/go.mod), with
#     the launcher's _id index keeper tested first (tools/ferretdb/idindex.go)
#   - npm dependencies (when package-lock.json changed)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
say() { printf 'setup: %s\n' "$*"; }

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    say "please install these Debian packages as root: ${missing[*]}"; exit 1
  fi
  say "installing ${missing[*]} (apt)"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  say "redis-server and chromium present"
fi

ferretdb="$root/.tools/bin/ferretdb"
stamp="$root/.tools/bin/ferretdb.stamp"
want=$(cat tools/ferretdb/go.mod tools/ferretdb/go.sum tools/ferretdb/*.go | sha256sum | cut -d' ' -f1)
if [ -x "$ferretdb" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  say "FerretDB present"
else
  command -v go >/dev/null 2>&1 || { say "Go is needed to build FerretDB (https://go.dev/doc/install)"; exit 1; }
  say "building FerretDB 1.24.2 (first time: a few minutes)"
  mkdir -p "$root/.tools/bin"
  (cd tools/ferretdb && go test ./... >/dev/null && go build -trimpath -o "$ferretdb" .)
  echo "$want" > "$stamp"
fi

lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -d node_modules ] && [ "$(cat node_modules/.lock-hash 2>/dev/null)" = "$lock_hash" ]; then
  say "npm dependencies present"
else
  # npm install rather than npm ci: the registry reachable here does not serve other platforms' optional
  # binaries (e.g. @biomejs/cli-win32-x64), so the lock cannot list them and npm ci refuses the lock.
  say "installing npm dependencies"
  npm install --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > node_modules/.lock-hash
fi
say "done"
