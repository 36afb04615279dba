#!/usr/bin/env bash
# Installs everything formcheck needs on a fresh Debian 12 machine of this kind. Safe to run twice:
# each step checks first and does nothing when its work is already done.
#   - Debian packages: libclang-dev (nokhwa), ffmpeg (video files), xvfb (window without a display),
#     libasound2-dev (audio), espeak-ng (spoken cues), pkg-config, chromium (the report test renders
#     the HTML report headless), desktop-file-utils (the package test validates the desktop entry),
#     openbox and xdotool (the window-capture test: a window manager lists the windows, xdotool
#     minimises one)
#   (scripts/check-cross.sh, run by hand and not by CI, installs its own gcc-mingw-w64-x86-64)
#   - ONNX Runtime 1.31.1 shared library and its licence notices, taken from the PyPI wheel into
#     .ort/ (git-ignored); scripts/package.sh ships all three
set -euo pipefail
cd "$(dirname "$0")/.."

ORT_VERSION=1.31.1
ORT_DIR="$PWD/.ort"
ORT_LIB="$ORT_DIR/libonnxruntime.so.$ORT_VERSION"
DEB_PACKAGES=(libclang-dev ffmpeg xvfb xauth imagemagick libasound2-dev espeak-ng pkg-config unzip chromium
  desktop-file-utils openbox xdotool)

say() { printf '[setup] %s\n' "$*" >&2; }

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

if [ -f "$ORT_LIB" ] && [ -f "$ORT_DIR/LICENSE" ] && [ -f "$ORT_DIR/ThirdPartyNotices.txt" ]; then
  say "ONNX Runtime $ORT_VERSION present in .ort/"
else
  say "fetching ONNX Runtime $ORT_VERSION from the PyPI wheel"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  python3 -m pip download --quiet --no-deps --only-binary=:all: \
    --platform manylinux_2_28_x86_64 --python-version 3.11 \
    -d "$tmp" "onnxruntime==$ORT_VERSION"
  wheel=$(ls "$tmp"/onnxruntime-*.whl)
  mkdir -p "$ORT_DIR"
  unzip -q -o -j "$wheel" "onnxruntime/capi/libonnxruntime.so.$ORT_VERSION" \
    onnxruntime/LICENSE onnxruntime/ThirdPartyNotices.txt -d "$ORT_DIR"
  say "ONNX Runtime installed at $ORT_LIB"
fi
ln -sf "libonnxruntime.so.$ORT_VERSION" "$ORT_DIR/libonnxruntime.so"
