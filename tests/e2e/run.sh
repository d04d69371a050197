#!/usr/bin/env bash
# End-to-end tests of the real Easel window: builds the UI and the app (embedding ui/dist),
# then drives it through tauri-driver + WebKitWebDriver on a virtual display against the
# contract-checked OpenAI stand-in. Screenshots land in tests/artifacts/e2e/.
#   tests/e2e/run.sh            build, then test
#   EASEL_E2E_SKIP_BUILD=1 ...  test the binaries already built (the app must have been built
#                                with --features custom-protocol, as below: without it
#                                target/debug/easel is a devUrl build)
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

missing=()
for cmd in xvfb-run dbus-run-session WebKitWebDriver tauri-driver npm; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "Missing for the end-to-end tests: ${missing[*]} (run scripts/setup.sh --test)" >&2
  exit 1
fi

started=$(date +%s)
if [ "${EASEL_E2E_SKIP_BUILD:-0}" != 1 ]; then
  echo "==> building the UI"
  (cd ui && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npm run build)
  echo "==> building the app (debug, UI embedded)"
  # Built as its tests build it (Tauri with its `test` feature, from the shell's
  # dev-dependencies): scripts/test.sh has just built exactly this, so nothing is compiled
  # twice, and target/debug/easel is the same binary either way.
  cargo test -p easel-app --features custom-protocol --locked --no-run
  echo "==> building the tests"
  cargo test -p easel-e2e --no-run --locked
fi

rm -rf tests/artifacts/e2e
mkdir -p tests/artifacts/e2e

echo "==> running the window under Xvfb"
# A screen larger than the 1280x800 window; its own D-Bus session so nothing outlives the run.
# The test starts and stops tauri-driver (and so the app) itself. Every wait in it has its own
# limit; the outer one only turns a hang nobody foresaw into a failure instead of a CI timeout.
timeout --kill-after=30 "${EASEL_E2E_TIMEOUT:-1500}" \
  xvfb-run -a -s "-screen 0 1440x960x24" dbus-run-session -- \
  cargo test -p easel-e2e --locked -- --ignored --nocapture --test-threads=1

echo "End-to-end tests passed in $(( $(date +%s) - started )) s; screenshots in tests/artifacts/e2e/."
