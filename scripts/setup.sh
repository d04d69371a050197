#!/usr/bin/env bash
# Installs what Easel needs on Debian/Ubuntu and is missing; does nothing when all is there.
#   scripts/setup.sh            what building and running the app needs
#   scripts/setup.sh --test     plus what the tests need (Chromium, exiftool, Xvfb, WebDriver)
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# Debian packages, each with a command or pkg-config name that proves it is there.
need=()
check_pkgconfig() { pkg-config --exists "$1" 2>/dev/null || need+=("$2"); }
check_cmd() { command -v "$1" >/dev/null 2>&1 || need+=("$2"); }
check_dpkg() { dpkg -s "$1" >/dev/null 2>&1 || need+=("$1"); }

check_cmd pkg-config pkg-config
check_cmd cc build-essential
check_cmd file file
check_pkgconfig webkit2gtk-4.1 libwebkit2gtk-4.1-dev
check_pkgconfig openssl libssl-dev
check_pkgconfig librsvg-2.0 librsvg2-dev
check_pkgconfig ayatana-appindicator3-0.1 libayatana-appindicator3-dev
check_pkgconfig dbus-1 libdbus-1-dev
check_dpkg libxdo-dev
check_dpkg fonts-dejavu-core
check_cmd xvfb-run xvfb
check_cmd xauth xauth
check_cmd dbus-run-session dbus-x11
if [ "$want_test" = 1 ]; then
  check_cmd chromium chromium
  check_cmd exiftool libimage-exiftool-perl
  check_cmd WebKitWebDriver webkit2gtk-driver
  check_cmd import imagemagick
  check_cmd xwininfo x11-utils
  check_dpkg at-spi2-core
  check_cmd python3 python3
  python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || need+=(python3-venv)
fi

if [ "${#need[@]}" -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "Not a Debian/Ubuntu system. Install the equivalents of: ${need[*]}" >&2
    exit 1
  fi
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  say "Installing system packages: ${need[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${need[@]}"
  # The downloaded .deb files are no longer needed; on a small CI disk they count.
  $sudo apt-get clean
fi

# Rust: the workspace pins no toolchain file; any stable >= the workspace's rust-version works.
if ! command -v cargo >/dev/null 2>&1; then
  [ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
fi
if ! command -v cargo >/dev/null 2>&1; then
  echo "Rust is missing. Install it with rustup (https://rustup.rs), then run this again." >&2
  exit 1
fi

# Node 20.19+ for the UI toolchain (Vite 8).
node_ok=0
if command -v node >/dev/null 2>&1; then
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' && node_ok=1
fi
if [ "$node_ok" = 0 ]; then
  echo "Node.js 20.19 or newer is needed for the UI (found: $(node --version 2>/dev/null || echo none))." >&2
  echo "Install it from your distribution or nodejs.org, then run this again." >&2
  exit 1
fi

# c2pa-python: the independent reader the tests check Easel's signed exports with (its
# wheels carry their own c2pa library). In a venv of its own; the tests look for it there
# (or at EASEL_C2PA_PYTHON).
c2pa_venv="$HOME/.cache/easel-test/c2pa-venv"
if [ "$want_test" = 1 ] && ! "$c2pa_venv/bin/python" -c 'import c2pa' >/dev/null 2>&1; then
  say "Installing c2pa-python into $c2pa_venv (independent Content Credentials reader for the tests)"
  python3 -m venv "$c2pa_venv"
  "$c2pa_venv/bin/pip" install -q --disable-pip-version-check 'c2pa-python==0.38.1'
fi

if [ "$want_test" = 1 ] && ! command -v tauri-driver >/dev/null 2>&1; then
  say "Installing tauri-driver (WebDriver bridge for the end-to-end tests)"
  cargo install tauri-driver --locked --version '^2'
fi

# The UI's npm packages, when the lock file changed since the last install.
if [ -f ui/package-lock.json ]; then
  stamp=ui/node_modules/.easel-lock
  if [ ! -f "$stamp" ] || ! cmp -s ui/package-lock.json "$stamp"; then
    say "Installing the UI's npm packages"
    (cd ui && npm ci --no-audit --no-fund)
    cp ui/package-lock.json "$stamp"
  fi
fi
