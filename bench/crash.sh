#!/bin/sh
# Crash trials: SIGKILL the relay at random moments while 16 senders append (half the
# trials with a small rotation), restart, check every acknowledged message is there once,
# no torn line, and sizes agree. See bench/crash.py.
#
#   bench/crash.sh [TRIALS] [--seed=N]     (default 24 trials, 2 kills each)
#   LOFT=/path/to/loft bench/crash.sh      (test another binary; default: a debug build)
set -eu
cd "$(dirname "$0")/.."
if [ -z "${LOFT:-}" ]; then
    cargo build --quiet --bin loft
    LOFT=target/debug/loft
fi
exec python3 bench/crash.py "$LOFT" "$@"
