#!/usr/bin/env bash
# Installs what building and testing Kassa needs, skipping whatever is already there.
#
#   scripts/ensure-tools.sh            Rust target, wasm-bindgen-cli, worker-build, npm packages
#   scripts/ensure-tools.sh --browser  the same, plus Debian's chromium for browser tests
#   scripts/ensure-tools.sh --python   the same, plus .venv with schemathesis (conformance tests)
#
# Everything comes from package registries (crates.io, npm, Debian): worker-build's own
# downloads from GitHub are never used; we hand it these binaries through *_BIN variables.
set -euo pipefail
cd "$(dirname "$0")/.."

WORKER_BUILD_VERSION=0.8.7
want_browser=0
want_python=0
for arg in "$@"; do
  case "$arg" in
    --browser) want_browser=1 ;;
    --python) want_python=1 ;;
    *) printf 'usage: %s [--browser] [--python]\n' "$0" >&2; exit 2 ;;
  esac
done

step() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

command -v cargo >/dev/null || die "Rust is required: install it with rustup (https://rustup.rs)"
command -v npm >/dev/null || die "Node.js with npm is required (any Node >= 20; a Node 22 for wrangler is installed locally)"
export PATH="$HOME/.cargo/bin:$PATH"

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  step "Adding the Rust wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# wasm-bindgen's CLI must match the wasm-bindgen library in Cargo.lock exactly.
wb_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
[[ -n "$wb_version" ]] || die "could not read the wasm-bindgen version from Cargo.lock"
if [[ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $wb_version" ]]; then
  step "Installing wasm-bindgen-cli $wb_version from crates.io (once; a few minutes)"
  cargo install wasm-bindgen-cli --version "=$wb_version" --force
fi

if [[ "$(worker-build --version 2>/dev/null)" != "$WORKER_BUILD_VERSION" ]]; then
  step "Installing worker-build $WORKER_BUILD_VERSION from crates.io (once; about 4 minutes)"
  cargo install worker-build --version "$WORKER_BUILD_VERSION" --locked --force
fi

# npm install only when package-lock.json changed since the last install.
if [[ ! -f node_modules/.kassa-installed || package-lock.json -nt node_modules/.kassa-installed ]]; then
  step "Installing npm dev dependencies (wrangler, Node 22, wasm-opt, esbuild, test drivers)"
  # `npm install`, not `npm ci`: registries here have not always served the other
  # platforms' optional workerd binaries, and `npm ci` insists on a lock file that lists
  # them; `npm install` takes the lock file as it is and completes it where it can.
  npm install --no-audit --no-fund --loglevel=error
  touch node_modules/.kassa-installed
fi

if [[ $want_browser == 1 && ! -x /usr/bin/chromium ]]; then
  step "Installing Debian's chromium for the browser tests"
  if [[ $(id -u) == 0 ]]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
  elif sudo -n true 2>/dev/null; then
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
  else
    die "browser tests need /usr/bin/chromium: run 'sudo apt-get install chromium'"
  fi
fi

# Python tools, pinned, in a project-local venv (.venv, git-ignored): schemathesis drives the
# conformance layer, openapi-spec-validator checks api/openapi.json. A venv keeps them off the
# system Python; the pins file makes a version bump here reinstall on the next run.
SCHEMATHESIS_VERSION=4.32.5
OPENAPI_SPEC_VALIDATOR_VERSION=0.9.0
py_pins="schemathesis==$SCHEMATHESIS_VERSION openapi-spec-validator==$OPENAPI_SPEC_VALIDATOR_VERSION"
if [[ $want_python == 1 && "$(cat .venv/.kassa-pins 2>/dev/null)" != "$py_pins" ]]; then
  command -v python3 >/dev/null || die "the conformance tests need python3 (>= 3.11, for schemathesis) with its venv module"
  step "Installing $py_pins from PyPI into .venv"
  python3 -m venv --clear .venv \
    || die "python3 -m venv failed: on Debian, 'apt-get install python3-venv'"
  # shellcheck disable=SC2086 # the pins are separate words on purpose
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-input $py_pins
  echo "$py_pins" > .venv/.kassa-pins
fi

# Local secrets, in wrangler's .dev.vars convention: generated once, never committed.
if [[ ! -f .dev.vars ]]; then
  step "Generating .dev.vars (local secrets) from .dev.vars.example"
  node scripts/dev-vars.mjs .dev.vars.example .dev.vars
fi
