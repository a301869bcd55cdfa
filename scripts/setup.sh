#!/usr/bin/env bash
# Installs what Chatref needs to run and test locally; safe to run again (quick when all is present).
# `npm start` and `npm test` run it first (prestart/pretest), so when nothing is missing it says one line.
#   - Debian packages: redis-server, chromium (browser tests)
#   - FerretDB 1.24.2 built from the Go module proxy into .tools/bin (pinned by tools/ferretdb/go.mod), with
#     the launcher's _id index keeper tested first (tools/ferretdb/idindex.go)
#   - npm dependencies (when package-lock.json changed)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
say() { printf 'setup: %s\n' "$*"; }
installed=false  # when nothing was missing, one line says so (this runs before every npm start/test)

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    say "please install these Debian packages as root: ${missing[*]}"; exit 1
  fi
  say "installing ${missing[*]} (apt)"
  installed=true
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

ferretdb="$root/.tools/bin/ferretdb"
stamp="$root/.tools/bin/ferretdb.stamp"
want=$(cat tools/ferretdb/go.mod tools/ferretdb/go.sum tools/ferretdb/*.go | sha256sum | cut -d' ' -f1)
if ! [ -x "$ferretdb" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  command -v go >/dev/null 2>&1 || { say "Go is needed to build FerretDB (https://go.dev/doc/install)"; exit 1; }
  say "building FerretDB 1.24.2 (first time: a few minutes)"
  installed=true
  mkdir -p "$root/.tools/bin"
  (cd tools/ferretdb && go test ./... >/dev/null && go build -trimpath -o "$ferretdb" .)
  echo "$want" > "$stamp"
fi

lock_hash() { sha256sum package-lock.json | cut -d' ' -f1; }
if ! [ -d node_modules ] || [ "$(cat node_modules/.lock-hash 2>/dev/null)" != "$(lock_hash)" ]; then
  # npm install rather than npm ci: the registry reachable here does not serve other platforms' optional
  # binaries (e.g. @biomejs/cli-win32-x64), so the lock cannot list them and npm ci refuses the lock.
  say "installing npm dependencies"
  installed=true
  npm install --no-audit --no-fund --loglevel=error
  # Hashed after the install: npm may rewrite the lock (e.g. to list more optional binaries), and the next
  # run must find it unchanged rather than install again.
  lock_hash > node_modules/.lock-hash
fi
if $installed; then say "done"; else say "redis-server, chromium, FerretDB and npm dependencies present"; fi
