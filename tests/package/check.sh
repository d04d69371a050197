#!/usr/bin/env bash
# Checks the .deb as a user gets it: bundles the debug build the end-to-end tests made (no
# second compile), inspects it with dpkg-deb (contents, dependencies, desktop entry, icons,
# AppStream metadata), unpacks it into a temporary root with `dpkg-deb -x`, runs the
# unpacked `easel-cli --version` and launches the unpacked app under Xvfb until its window
# shows.
set -euo pipefail
cd "$(dirname "$0")/../.."

fail() { echo "package check: $*" >&2; exit 1; }

bash scripts/package.sh --debug
deb=$(ls target/debug/bundle/deb/*.deb)
echo "==> inspecting $deb"

contents=$(dpkg-deb -c "$deb" | awk '{print $6}' | sed -e 's#^\./##' -e 's#^#/#')
has() { grep -qx "$1" <<<"$contents" || fail "$1 is not in the package"; }
has /usr/bin/easel
has /usr/bin/easel-cli
has /usr/share/applications/Easel.desktop
has /usr/share/metainfo/app.easel.desktop.metainfo.xml
for size in 16x16 24x24 32x32 48x48 64x64 128x128 256x256 512x512; do
  has "/usr/share/icons/hicolor/$size/apps/easel.png"
done

[ "$(dpkg-deb -f "$deb" Package)" = easel ] || fail "package name is $(dpkg-deb -f "$deb" Package)"
depends=$(dpkg-deb -f "$deb" Depends)
for dep in libwebkit2gtk-4.1-0 libgtk-3-0; do
  grep -q "$dep" <<<"$depends" || fail "Depends lacks $dep: $depends"
done
echo "    Depends: $depends"

root=$(mktemp -d)
cleanup() { rm -rf "$root"; }
trap cleanup EXIT
dpkg-deb -x "$deb" "$root"

desktop="$root/usr/share/applications/Easel.desktop"
grep -qx 'Exec=easel' "$desktop" || fail "desktop entry: $(grep '^Exec' "$desktop")"
grep -qx 'Icon=easel' "$desktop" || fail "desktop entry: $(grep '^Icon' "$desktop")"
grep -qx 'Type=Application' "$desktop" || fail "desktop entry has no Type=Application"
grep -q '^Categories=.*Graphics' "$desktop" || fail "desktop entry: $(grep '^Categories' "$desktop")"
if command -v desktop-file-validate >/dev/null 2>&1; then desktop-file-validate "$desktop"; fi
grep -q '<launchable type="desktop-id">Easel.desktop</launchable>' \
  "$root/usr/share/metainfo/app.easel.desktop.metainfo.xml" || fail "AppStream launchable"
for size in 16 32 128 256 512; do
  got=$(file -b "$root/usr/share/icons/hicolor/${size}x${size}/apps/easel.png")
  grep -q "$size x $size" <<<"$got" || fail "icon ${size}x${size} is $got"
done

version=$("$root/usr/bin/easel-cli" --version)
echo "    unpacked easel-cli --version: $version"
[ "$version" = "easel-cli $(dpkg-deb -f "$deb" Version)" ] || fail "easel-cli --version said: $version"

echo "==> launching the unpacked app under Xvfb"
profile="$root/profile"
mkdir -p "$profile"
EASEL_DATA_DIR="$profile" EASEL_KEY_STORE=file timeout 120 xvfb-run -a -s "-screen 0 1440x960x24" \
  dbus-run-session -- bash -c '
    "$1" & app=$!
    for _ in $(seq 1 120); do
      if xwininfo -root -tree 2>/dev/null | grep -q "\"Easel\"" && [ -f "$EASEL_DATA_DIR/easel.sqlite3" ]; then
        echo "    window \"Easel\" is shown and its library is open"
        kill "$app"; wait "$app" 2>/dev/null || true
        exit 0
      fi
      kill -0 "$app" 2>/dev/null || { echo "the app exited before its window showed" >&2; exit 1; }
      sleep 0.5
    done
    echo "no Easel window within 60 s" >&2
    kill "$app"; exit 1
  ' _ "$root/usr/bin/easel" || fail "the unpacked app did not show its window"
[ -f "$profile/easel.sqlite3" ] || fail "the unpacked app did not open its library"
echo "Package check passed: $deb"
