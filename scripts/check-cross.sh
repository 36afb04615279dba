#!/usr/bin/env bash
# Type-checks formcheck for Windows from this Linux machine: `cargo check --target
# x86_64-pc-windows-gnu --all-targets`, which builds the C parts (rusqlite's bundled SQLite, ...)
# with MinGW and type-checks every crate and formcheck itself, including the Windows window-capture
# backend (src/capture/window/xcap_backend.rs). Nothing is linked and nothing is run: a green check
# says it compiles, not that it works (docs/capture.md lists what is untested).
#
# Installs what it needs first, and is safe to run twice (each step checks before it acts):
#   - the Rust standard library for x86_64-pc-windows-gnu (rustup)
#   - Debian's gcc-mingw-w64-x86-64 (the C cross-compiler for that target)
#
# Not part of CI nor of scripts/test.sh: a first run takes about 20 minutes on 2 cores.
# Usage: scripts/check-cross.sh [extra cargo arguments]   (CARGO_TARGET_DIR is honoured)
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET=x86_64-pc-windows-gnu
DEB_PACKAGES=(gcc-mingw-w64-x86-64)

say() { printf '[check-cross] %s\n' "$*" >&2; }

if rustup target list --installed | grep -qx "$TARGET"; then
  say "Rust target $TARGET present"
else
  say "adding Rust target $TARGET"
  rustup target add "$TARGET"
fi

missing=()
for p in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  say "installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
else
  say "Debian packages present"
fi

say "cargo check --target $TARGET --all-targets $*"
cargo check --target "$TARGET" --all-targets "$@"
say "formcheck type-checks for Windows ($TARGET); it was not linked nor run"
