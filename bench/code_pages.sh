#!/bin/sh
# How much of a build's code a relay's sessions touch, by the kernel's measure: the
# 64 KiB windows (the kernel's fault-around, 16 pages) that hold code it ran, for any
# target that qemu-user runs (issue 25: memory with no session, where RSS cannot be read
# from a MIPS relay under qemu). Compare a build linked in the compiler's order with one
# that cross/build.sh linked with the relay's functions first (LOFT_ORDER).
#
#   bench/code_pages.sh QEMU LOFT...     e.g. qemu-mipsel-static dist/loft-*-mipsel-*
#
# Each LOFT runs the sessions of cross/order.sh (FTPS and plain FTPChat sessions, the
# chat page) under `qemu -d in_asm`, whose log has the address of every block of code
# the first time it runs (stripped builds too). Printed: how many instructions ran, the 4 KiB pages and the 64 KiB windows it touched, and the size of the
# executable segment. The windows are what an idle relay keeps of its code, at most (the
# kernel maps what of each window is in the page cache).
set -eu
[ $# -ge 2 ] || { echo "usage: $0 QEMU LOFT..." >&2; exit 2; }
qemu=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
: "${PYTHON:=python3}"
for loft in "$@"; do
	work=$(mktemp -d "${TMPDIR:-/tmp}/loft-pages.XXXXXX")
	# order.sh keeps qemu's log where ORDER_LOG says; its list of names is not needed.
	ORDER_LOG="$work/in_asm.log" ORDER_ANY=1 "$repo/cross/order.sh" "$qemu" "$loft" "$work/names" >/dev/null
	text=$(readelf -lW "$loft" | awk '$1 == "LOAD" && / R?W?E / { print $5 }' | head -n 1)
	"$PYTHON" - "$work/in_asm.log" "$loft" "$text" <<'EOF'
import re, sys
log, loft, text = sys.argv[1], sys.argv[2], int(sys.argv[3], 16)
line = re.compile(rb"^0x([0-9a-f]+):")
addrs = set()
with open(log, "rb") as f:
    for l in f:
        m = line.match(l)
        if m:
            addrs.add(int(m.group(1), 16))
pages = {a >> 12 for a in addrs}
windows = {a >> 16 for a in addrs}
print(f"{loft}: {len(addrs)} instructions ran at least once, in {len(pages) * 4} KiB of "
      f"4 KiB pages and {len(windows) * 64} KiB of 64 KiB windows, of {text / 1024:.0f} KiB "
      f"of code")
EOF
	rm -rf "$work"
done
