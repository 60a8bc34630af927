#!/usr/bin/env bash
# Soak test of the board program: N frames (default 100,000) from a replay
# camera looping over a folder, the process's resident memory (VmRSS) sampled
# every 5 s; prints RSS at start and end and the run's summary. Memory must
# stay flat: a frame allocates nothing that outlives it.
#   firmware/deploy/soak.sh FIRMWARE BUNDLE DIR [FRAMES]
set -euo pipefail
if (($# < 3)); then echo "usage: $0 FIRMWARE BUNDLE DIR [FRAMES]" >&2; exit 2; fi
fw=$1 bundle=$2 dir=$3 frames=${4:-100000}
[[ -x $fw ]] || { echo "soak: no board program at $fw (make build)" >&2; exit 1; }
[[ -f $bundle ]] || { echo "soak: no bundle at $bundle (make demo writes out/demo/board.bundle)" >&2; exit 1; }
[[ -d $dir ]] || { echo "soak: no image folder at $dir (DATA=...)" >&2; exit 1; }
out=$(mktemp) rss=$(mktemp)
trap 'rm -f "$out" "$rss"' EXIT
"$fw" -bundle "$bundle" -camera "replay:$dir" -loop -limit "$frames" -json >"$out" &
pid=$!
sleep 2
while kill -0 "$pid" 2>/dev/null; do
  awk '/VmRSS/ {print $2}' "/proc/$pid/status" >>"$rss" 2>/dev/null || true
  sleep 5
done
wait "$pid" || { echo "soak: the board program failed (exit $?)" >&2; exit 1; }
[[ -s $rss ]] || { echo "soak: the run ended before the first memory sample" >&2; tail -1 "$out"; exit 1; }
echo "frames $frames; VmRSS kB: start $(head -1 "$rss"), end $(tail -1 "$rss"), least $(sort -n "$rss" | head -1), most $(sort -n "$rss" | tail -1) ($(wc -l <"$rss") samples)"
tail -1 "$out"
