#!/usr/bin/env bash
# Builds formcheck's two packages for x86_64 Linux from the release build:
#   dist/formcheck_VERSION_amd64.deb             for Debian 12 and its relatives (apt install ./...deb)
#   dist/formcheck-VERSION-x86_64-linux.tar.gz   portable: unpack anywhere, run bin/formcheck
# Both hold the same tree (the .deb under /usr, the tarball under its own folder):
#   bin/formcheck                                the release binary, stripped
#   lib/formcheck/models/*.onnx                  every model in models/
#   lib/formcheck/libonnxruntime.so.1.31.1       ONNX Runtime, from .ort/ (scripts/setup.sh)
#   share/applications/formcheck.desktop         the app menu entry
#   share/icons/hicolor/scalable/apps/formcheck.svg
#   share/man/man1/formcheck*.1.gz               the manual pages (clap_mangen, `formcheck man DIR`)
#   share/doc/formcheck/                         licences, changelog, README, model provenance
# The program finds lib/formcheck/ from its own path (src/paths.rs, src/runtime.rs), so the tree
# works wherever it is unpacked. The .deb uses dpkg-deb, which Debian already has: no cargo-deb to
# compile. It is compressed with zstd (dpkg reads it since Debian 12 and Ubuntu 21.10; the binary
# needs glibc 2.35 anyway): xz takes minutes on two busy cores and the ONNX weights barely shrink.
#
# Usage: scripts/package.sh [--no-build] [--binary PATH] [--out DIR] [--fast]
#   --no-build     package the release binary already built (default: run `cargo build --release`)
#   --fast         gzip -1 for the tarball instead of -6 (the package test; a few % larger)
#   --binary PATH  the binary to package (default: ${CARGO_TARGET_DIR:-target}/release/formcheck)
#   --out DIR      where the packages go (default: dist/)
# ONNX Runtime and its licence notices are taken from .ort/ (scripts/setup.sh), else from beside
# ORT_DYLIB_PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

say() { printf '[package] %s\n' "$*" >&2; }
die() {
  printf '[package] error: %s\n' "$*" >&2
  exit 1
}

BUILD=1
GZIP_LEVEL=6
BIN=""
OUT="$ROOT/dist"
while (($#)); do
  case "$1" in
    --no-build) BUILD=0 ;;
    --fast) GZIP_LEVEL=1 ;;
    --binary)
      BIN=${2:?--binary needs a path}
      shift
      ;;
    --out)
      OUT=${2:?--out needs a folder}
      shift
      ;;
    -h | --help)
      sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
      exit 0
      ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
  shift
done

VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
[ -n "$VERSION" ] || die "no version in Cargo.toml"
ORT_VERSION=1.31.1
[ "$(uname -m)" = x86_64 ] || die "these packages are for x86_64; this machine is $(uname -m)"

if ((BUILD)); then
  command -v cargo >/dev/null || source "$HOME/.cargo/env"
  say "building the release binary"
  cargo build --release --quiet
fi
[ -n "$BIN" ] || BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/formcheck"
[ -x "$BIN" ] || die "no release binary at $BIN: run without --no-build, or pass --binary PATH"

# The project's .ort/ (scripts/setup.sh puts the licence notices beside the library), else ORT_DYLIB_PATH.
ORT_LIB="$ROOT/.ort/libonnxruntime.so.$ORT_VERSION"
[ -f "$ORT_LIB" ] || ORT_LIB=${ORT_DYLIB_PATH:-$ORT_LIB}
ORT_LIB=$(readlink -f "$ORT_LIB")
ORT_SRC=$(dirname "$ORT_LIB")
[ -f "$ORT_LIB" ] || die "no ONNX Runtime at $ORT_LIB: run scripts/setup.sh"
case "$(basename "$ORT_LIB")" in
  "libonnxruntime.so.$ORT_VERSION") ;;
  *) die "$ORT_LIB is not ONNX Runtime $ORT_VERSION (libonnxruntime.so.$ORT_VERSION)" ;;
esac
for f in LICENSE ThirdPartyNotices.txt; do
  [ -f "$ORT_SRC/$f" ] || die "ONNX Runtime's $f is missing beside $ORT_LIB: run scripts/setup.sh (it takes it from the wheel)"
done
models=(models/*.onnx)
[ -f "${models[0]}" ] || die "no models in models/"

STAGE=$(mktemp -d "${TMPDIR:-/tmp}/formcheck-package.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
P="$STAGE/prefix"
mkdir -p "$P/bin" "$P/lib/formcheck/models" "$P/share/applications" "$P/share/icons/hicolor/scalable/apps" \
  "$P/share/man/man1" "$P/share/doc/formcheck/models"

say "staging $VERSION from $BIN"
# Stripped here, not in Cargo.toml: the tests and benchmarks use the same release profile and keep
# its line tables for readable backtraces.
strip --strip-all -o "$P/bin/formcheck" "$BIN"
cp "${models[@]}" "$P/lib/formcheck/models/"
install -m 0644 "$ORT_LIB" "$P/lib/formcheck/"
install -m 0644 assets/package/formcheck.desktop "$P/share/applications/"
install -m 0644 assets/package/formcheck.svg "$P/share/icons/hicolor/scalable/apps/"
"$P/bin/formcheck" man "$P/share/man/man1"
gzip -9n "$P"/share/man/man1/*.1
D="$P/share/doc/formcheck"
install -m 0644 LICENSE-MIT LICENSE-APACHE README.md "$D/"
gzip -9nc CHANGELOG.md >"$D/changelog.gz"
install -m 0644 models/README.md models/LICENSE-Apache-2.0.txt "$D/models/"
install -m 0644 "$ORT_SRC/LICENSE" "$D/onnxruntime-LICENSE"
gzip -9nc "$ORT_SRC/ThirdPartyNotices.txt" >"$D/onnxruntime-ThirdPartyNotices.txt.gz"
cat >"$D/copyright" <<EOF
formcheck $VERSION: MIT OR Apache-2.0 (LICENSE-MIT, LICENSE-APACHE).
models/: the pose and segmentation models; their origin and licences are in models/README.md
  (the Apache-2.0 text they refer to is models/LICENSE-Apache-2.0.txt).
libonnxruntime.so.$ORT_VERSION: ONNX Runtime, MIT (onnxruntime-LICENSE), with the notices of the
  software it includes (onnxruntime-ThirdPartyNotices.txt.gz).
EOF
chmod -R u=rwX,go=rX "$P"
chmod 0755 "$P/bin/formcheck"

mkdir -p "$OUT"
TARNAME="formcheck-$VERSION-x86_64-linux"
DEB="$OUT/formcheck_${VERSION}_amd64.deb"
TGZ="$OUT/$TARNAME.tar.gz"

# The .deb: the tree under /usr, hard links (no copy of the models).
R="$STAGE/deb"
mkdir -p "$R/DEBIAN"
cp -al "$P" "$R/usr"
cat >"$R/DEBIAN/control" <<EOF
Package: formcheck
Version: $VERSION
Architecture: amd64
Maintainer: the formcheck developers
Installed-Size: $(du -sk "$R/usr" | cut -f1)
Depends: ffmpeg, espeak-ng, libasound2 | libasound2t64, libc6 (>= 2.35), libgcc-s1, libstdc++6, libegl1, libx11-6, libx11-xcb1, libxcursor1, libxi6, libxkbcommon0, libxkbcommon-x11-0, libwayland-client0, libwayland-egl1
Section: misc
Priority: optional
Description: coaches back-rehab exercises through a webcam, on this computer
 formcheck watches a person do a hip hinge with a dowel, a bird dog or a side
 plank, counts reps and holds, and says when the form is off, against a
 therapist's plan. Pose estimation runs on this computer (ONNX Runtime, shipped
 in /usr/lib/formcheck); no frame leaves the machine.
EOF
say "building $DEB"
dpkg-deb --root-owner-group -Zzstd -z3 --build "$R" "$DEB" >/dev/null

# The tarball: the same tree in one folder, owned by root in the archive.
mv "$P" "$STAGE/$TARNAME"
say "building $TGZ"
tar -C "$STAGE" --owner=0 --group=0 --numeric-owner -cf - "$TARNAME" | gzip "-$GZIP_LEVEL" -n >"$TGZ"

say "binary $(stat -c %s "$BIN") bytes unstripped, $(stat -c %s "$STAGE/$TARNAME/bin/formcheck") stripped"
say "$(stat -c %s "$DEB") bytes: $DEB"
say "$(stat -c %s "$TGZ") bytes: $TGZ"
printf '%s\n%s\n' "$DEB" "$TGZ"
