#!/usr/bin/env bash
# Installs what is missing, builds Easel and launches it. Extra arguments go to the app.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

bash scripts/setup.sh

echo "==> Building the UI"
(cd ui && npm run build)
echo "==> Building the app"
cargo build --release -p easel-app --features custom-protocol
app=target/release/easel

# With no display (a server, a CI box), run inside a virtual one.
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "No display found: running under Xvfb."
  exec xvfb-run -a dbus-run-session -- "$app" "$@"
fi
exec "$app" "$@"
