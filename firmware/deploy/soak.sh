#!/usr/bin/env bash
# Soak test of the board program: N frames (default 100,000) from a replay
# camera looping over a folder, the process's resident memory (VmRSS) sampled
# every 5 s; prints RSS at start and end and the run's summary. Memory must
# stay flat: a frame allocates nothing that outlives it.
#   firmware/deploy/soak.sh FIRMWARE BUNDLE DIR [FRAMES]
set -euo pipefail
fw=$1 bundle=$2 dir=$3 frames=${4:-100000}
out=$(mktemp) rss=$(mktemp)
trap 'rm -f "$out" "$rss"' EXIT
"$fw" -bundle "$bundle" -camera "replay:$dir" -loop -limit "$frames" -json >"$out" &
pid=$!
sleep 2
while kill -0 "$pid" 2>/dev/null; do
  awk '/VmRSS/ {print $2}' "/proc/$pid/status" >>"$rss" 2>/dev/null || true
  sleep 5
done
wait "$pid"
echo "frames $frames; VmRSS kB: start $(head -1 "$rss"), end $(tail -1 "$rss"), least $(sort -n "$rss" | head -1), most $(sort -n "$rss" | tail -1) ($(wc -l <"$rss") samples)"
tail -1 "$out"
