#!/bin/sh
# How fast the chat page opens a busy room: a room of 2,400 messages (rotated into
# archives, all kept) on a real relay, opened in headless Chromium at phone size with the
# relay's CA trusted; the time from "Open room" to its newest message on screen.
# Runs tests/it/web_app.rs RUNS times (default 3) and prints each figure.
#   bench/page_open.sh [RUNS]
set -eu
cd "$(dirname "$0")/.."
runs=${1:-3}
i=0
while [ "$i" -lt "$runs" ]; do
	i=$((i + 1))
	cargo test -q --test it web_app:: -- --nocapture 2>&1 | sed -n 's/^figure: /run '"$i"': /p'
done
