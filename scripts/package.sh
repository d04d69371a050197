#!/usr/bin/env bash
# Builds Easel's Debian package with the Tauri bundler: the app (`easel`) and the command line
# (`easel-cli`) in /usr/bin, a desktop entry, icons at every size and AppStream metadata.
#   scripts/package.sh          release build → target/release/bundle/deb/Easel_<version>_<arch>.deb
#   scripts/package.sh --debug  bundles the debug build the end-to-end tests made (same features:
#                               custom-protocol, UI embedded), compiling only what is missing
# The bundler is the npm package @tauri-apps/cli, pinned in ui/package.json: a prebuilt
# binary, where `cargo install tauri-cli` would compile for 10+ minutes on a small machine.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

profile=release
[ "${1:-}" = "--debug" ] && profile=debug

bash scripts/setup.sh
tauri=ui/node_modules/.bin/tauri

if [ "$profile" = release ]; then
  echo "==> Building the UI and the release binaries"
  (cd ui && npm run build)
  cargo build --release --locked -p easel-app --features custom-protocol
  cargo build --release --locked -p easel-cli
  bundle_flags=()
else
  # The e2e step builds exactly this; build it here only when it is not there yet.
  if [ ! -x target/debug/easel ] || [ ! -x target/debug/easel-cli ] || [ ! -f ui/dist/index.html ]; then
    echo "==> Building the UI and the debug binaries"
    (cd ui && npm run build)
    cargo build --locked -p easel-app --features custom-protocol
    cargo build --locked -p easel-cli
  fi
  bundle_flags=(--debug)
fi

# easel-cli comes from this profile's build; paths are relative to src-tauri/.
extra=$(mktemp --suffix=.json)
trap 'rm -f "$extra"' EXIT
cat >"$extra" <<JSON
{ "bundle": { "linux": { "deb": { "files": {
  "/usr/bin/easel-cli": "../target/$profile/easel-cli",
  "/usr/share/metainfo/app.easel.desktop.metainfo.xml": "../packaging/linux/app.easel.desktop.metainfo.xml"
} } } } }
JSON

echo "==> Bundling the .deb ($profile)"
rm -rf "target/$profile/bundle/deb"
"$tauri" bundle "${bundle_flags[@]}" --bundles deb --features custom-protocol --config "$extra" --ci

deb=$(ls "target/$profile"/bundle/deb/*.deb)
# The bundler writes gzip; xz (what Debian itself uses) makes the download about 45 % smaller.
# Same files, same control data: dpkg-deb unpacks the package and builds it again.
echo "==> Recompressing with xz"
level=6
[ "$profile" = debug ] && level=0
unpacked=$(mktemp -d)
dpkg-deb -R "$deb" "$unpacked"
dpkg-deb --root-owner-group -Zxz "-z$level" -b "$unpacked" "$deb" >/dev/null
rm -rf "$unpacked"
echo "==> $deb ($(du -h "$deb" | cut -f1))"
