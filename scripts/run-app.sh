#!/usr/bin/env bash
# Sets everything up (once) and opens formcheck. With no camera it opens straight on the demo; with
# no display (a server) it runs under a virtual one (xvfb-run). Extra arguments go to formcheck.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
command -v cargo >/dev/null || source "$HOME/.cargo/env"
cargo build --release --quiet
bin=target/release/formcheck
# Speak every cue into the cache now, so the first cue of a set is not late (non-fatal: without
# espeak-ng the app shows the cues on screen only).
"$bin" cues --prepare >&2 || echo "[run] spoken cues not prepared: cues will be shown on screen only" >&2
args=("$@")
if [ ${#args[@]} -eq 0 ] && ! "$bin" cameras | grep -q '^camera:'; then
  echo "[run] no camera found: opening the demo (a guided set of hip hinges)" >&2
  args=(--source demo --exercise hinge)
fi
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "[run] no display: running under xvfb-run (nothing will be visible on this machine)" >&2
  exec xvfb-run -a -s "-screen 0 1280x800x24" "$bin" "${args[@]}"
fi
exec "$bin" "${args[@]}"
