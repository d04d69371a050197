#!/usr/bin/env bash
# Installs what is missing, then runs every test: formatting, lints, Rust tests, the UI's type
# check and unit tests, browser tests of the UI, and end-to-end tests of the real app window.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
# Keep debug builds lean on small machines (see the workspace's [profile.dev]).
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# A CI run builds once from scratch: incremental caches would only take disk (gigabytes).
if [ "${CI:-}" = true ]; then
  export CARGO_INCREMENTAL=0
fi

bash scripts/setup.sh --test

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
started=$(date +%s)

step "cargo fmt --check"
cargo fmt --all --check

step "core has no Tauri in its dependency tree"
if cargo tree -p easel-core -e normal,build --prefix none | grep -iE '^(tauri|wry|tao|webkit2gtk)\b'; then
  echo "easel-core must not depend on Tauri or a webview" >&2
  exit 1
fi

step "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "Rust tests (core, CLI)"
# The Tauri shell is tested below, once the UI is built, in the one configuration the
# end-to-end tests and the .deb use too: Tauri is compiled once, not once per feature set.
cargo test --workspace --exclude easel-app --locked

if [ -f ui/package.json ]; then
  step "UI: build, type check, unit tests"
  (cd ui && npm run build && npm run check && npm test)
  step "UI: browser tests (Chromium)"
  (cd ui && npm run test:browser)
fi

step "Tauri shell: unit tests, command round trips, bindings up to date (UI embedded)"
cargo test -p easel-app --features custom-protocol --locked

if [ -x tests/e2e/run.sh ]; then
  step "End-to-end tests of the app window"
  bash tests/e2e/run.sh
fi

if [ -x tests/package/check.sh ]; then
  # Bundles the debug build the end-to-end step just made: nothing is compiled twice.
  step "The .deb: contents, dependencies, desktop entry, icons; unpacked app and easel-cli run"
  bash tests/package/check.sh
fi

echo
echo "All tests passed in $(( $(date +%s) - started )) s."
