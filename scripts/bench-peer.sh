#!/usr/bin/env bash
# formcheck against the MediaPipe peer (../shared/tools/mediapipe_baseline.py), in the same run:
# each round runs the peer, then formcheck with each model, one after the other on the same clip,
# and prints fps, CPU seconds, peak memory and formcheck's fps over that round's peer fps.
# Ratios from one round are comparable; absolute figures move with the machine's load (printed).
#
# Usage: scripts/bench-peer.sh [CLIP] [ROUNDS] [MODELS...]
#   CLIP    default ../shared/corpus/clips/wahoo_good_mornings.mp4
#   ROUNDS  default 3
#   MODELS  default blazepose-lite blazepose-full thunder
# Environment: FORMCHECK (the binary; default $CARGO_TARGET_DIR or target, release/formcheck),
#   PEER_PY (a Python with mediapipe 0.10.21, see the tool's README; default ../.venv-mp/bin/python),
#   PEER (default ../shared/tools/mediapipe_baseline.py), EXERCISE (default hinge: the mask runs),
#   THREADS (formcheck's inference threads; default all cores).
set -euo pipefail
cd "$(dirname "$0")/.."
clip=${1:-../shared/corpus/clips/wahoo_good_mornings.mp4}
rounds=${2:-3}
shift $(($# > 2 ? 2 : $#))
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(blazepose-lite blazepose-full thunder)
bin=${FORMCHECK:-${CARGO_TARGET_DIR:-target}/release/formcheck}
peer_py=${PEER_PY:-../.venv-mp/bin/python}
peer=${PEER:-../shared/tools/mediapipe_baseline.py}
exercise=${EXERCISE:-hinge}
for f in "$clip" "$bin" "$peer_py" "$peer"; do
    [ -e "$f" ] || { echo "bench-peer: $f not found (see the usage at the top of $0)" >&2; exit 2; }
done
threads=()
[ -z "${THREADS:-}" ] || threads=(--threads "$THREADS")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Runs a command under GNU time; prints "fps cpu_s peak_mb" (fps from the program's own output).
measure() {
    local kind=$1
    shift
    /usr/bin/time -f '%U %S %M' -o "$tmp/time" "$@" >"$tmp/out" 2>"$tmp/err" || {
        echo "bench-peer: failed: $*" >&2
        cat "$tmp/err" >&2
        exit 1
    }
    local fps
    if [ "$kind" = peer ]; then
        fps=$(grep -o 'fps [0-9.]*' "$tmp/out" | awk '{print $2}')
    else
        fps=$(grep -o '[0-9.]* fps |' "$tmp/out" | awk '{print $1}')
    fi
    read -r user sys rss <"$tmp/time"
    awk -v f="$fps" -v u="$user" -v s="$sys" -v m="$rss" 'BEGIN { printf "%s %.1f %.0f\n", f, u + s, m / 1024 }'
}

echo "clip $clip, $rounds round(s), $(nproc) cores; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %-16s %7s %8s %8s %8s %8s\n' round runner fps cpu_s peak_MB ratio cpu_ms/f
frames=$(ffprobe -v error -select_streams v:0 -count_packets -show_entries stream=nb_read_packets -of csv=p=0 "$clip")
declare -A sum
for r in $(seq 1 "$rounds"); do
    read -r pfps pcpu pmem < <(measure peer "$peer_py" "$peer" "$clip" 4 17)
    printf '%-6s %-16s %7s %8s %8s %8s %8.1f\n' "$r" mediapipe-peer "$pfps" "$pcpu" "$pmem" 1.00 \
        "$(awk -v c="$pcpu" -v n="$frames" 'BEGIN { print 1000 * c / n }')"
    for m in "${models[@]}"; do
        read -r fps cpu mem < <(measure formcheck "$bin" analyze "$clip" --exercise "$exercise" --model "$m" --quiet "${threads[@]}")
        ratio=$(awk -v a="$fps" -v b="$pfps" 'BEGIN { printf "%.2f", a / b }')
        sum[$m]="${sum[$m]:-} $ratio"
        printf '%-6s %-16s %7s %8s %8s %8s %8.1f\n' "$r" "$m" "$fps" "$cpu" "$mem" "$ratio" \
            "$(awk -v c="$cpu" -v n="$frames" 'BEGIN { print 1000 * c / n }')"
    done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
for m in "${models[@]}"; do
    echo "$m / peer fps, per round:${sum[$m]}  (range $(tr ' ' '\n' <<<"${sum[$m]}" | sort -n | sed '/^$/d' | sed -n '1p;$p' | paste -sd- -))"
done
