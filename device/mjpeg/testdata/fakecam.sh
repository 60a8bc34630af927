#!/bin/sh
# A stand-in for rpicam-vid in the tests: writes the MJPEG recording $1 to
# stdout, notes each run in $2, says why it stops on stderr, and exits 3
# (a camera that dies after a few frames).
cat "$1"
echo run >> "$2"
echo "fakecam: sensor lost" >&2
exit 3
