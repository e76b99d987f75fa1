#!/bin/sh
# Runs each fuzz target for a set time (default 60 s each):
#
#   fuzz/run.sh [SECONDS] [TARGET...]      targets: room_line config codec
#
# Needs nightly and cargo-fuzz (`rustup toolchain install nightly; cargo install cargo-fuzz`).
# Corpora live in fuzz/corpus/TARGET (not committed); the first run seeds them from the
# shared FTPChat vectors and the config `loft init` writes. A crash is saved under
# fuzz/artifacts/TARGET; turn it into a regression test (tests/fuzz_regressions.rs) with
# the fix. Exit status 1 if any target found a crash.
set -u
cd "$(dirname "$0")"
secs=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-room_line config codec}

seed() {
    mkdir -p corpus/room_line corpus/config corpus/codec
    [ -n "$(ls corpus/room_line)" ] && return
    python3 - <<'PY'
import json, zlib
v = json.load(open("../tests/fixtures/ftpchat-v1.7.json"))
for i, t in enumerate(v["tokens"]):
    tok = t["token"].encode()
    open(f"corpus/room_line/vector{i}", "wb").write(tok)
    open(f"corpus/codec/line{i}", "wb").write(b"\x00" + tok)
    open(f"corpus/codec/sealed{i}", "wb").write(b"\x01" + zlib.compress(t["plaintext"].encode()))
    open(f"corpus/codec/plain{i}", "wb").write(b"\x02" + t["plaintext"].encode())
for i, junk in enumerate([b"", b"gAAAA", b"not a token", b"gAAAAA==" * 20]):
    open(f"corpus/room_line/junk{i}", "wb").write(junk)
open("corpus/config/minimal", "w").write('root = "/srv"\n')
open("corpus/config/limits", "w").write('root = "/srv"\n[limits]\nmax_per_ip = 4\ndata_timeout = 5\n'
                                        '[limits.failed_logins]\nblock = "both"\n')
open("corpus/config/users", "w").write('root = "/srv"\n[[users]]\nname = "a"\npassword = "x"\nhome = "../b"\n')
PY
    # The full template, as `loft init` writes it.
    tmp=$(mktemp -d)
    if (cd .. && cargo build --quiet --bin loft) && \
        echo seed-password | ../target/debug/loft init --root "$tmp/root" -c "$tmp/loft.toml" \
            --password-stdin >/dev/null 2>&1; then
        cp "$tmp/loft.toml" corpus/config/template
    fi
    rm -rf "$tmp"
}

seed
status=0
for t in $targets; do
    echo "== $t: $secs s"
    before=$(ls "artifacts/$t" 2>/dev/null | wc -l)
    mkdir -p target
    cargo +nightly fuzz run "$t" "corpus/$t" -- -max_total_time="$secs" -rss_limit_mb=2048 \
        -print_final_stats=1 >"target/run-$t.log" 2>&1
    grep -E "^(Done|stat::number_of_executed_units|stat::new_units_added|SUMMARY)|panicked|Failing input" \
        "target/run-$t.log"
    after=$(ls "artifacts/$t" 2>/dev/null | wc -l)
    if [ "$after" -gt "$before" ]; then
        echo "!! $t: new crash input in fuzz/artifacts/$t (log: fuzz/target/run-$t.log)"
        status=1
    fi
done
exit $status
