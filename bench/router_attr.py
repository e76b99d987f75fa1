"""Guest instructions per function, for bench/router_cpu.sh's PROFILE: BIN BEFORE AFTER SESSIONS TOP.

BEFORE and AFTER are two dumps of bench/router_count.py (pc -> instructions, taken after
the warm-up and after the measured sessions); their difference is attributed to the
function of BIN (an unstripped static build: its addresses are the guest's) that holds
each pc, by `nm`. Prints the TOP functions, per session and as a share."""

import bisect
import collections
import re
import subprocess
import sys

binary, before, after, sessions, top = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])


def load(path):
    with open(path) as f:
        return {int(pc, 16): int(n) for pc, n in (line.split() for line in f)}


symbols = []
nm = subprocess.run(["nm", "-n", "-C", "--defined-only", binary], capture_output=True, text=True, check=True)
for line in nm.stdout.splitlines():
    parts = line.split(" ", 2)
    if len(parts) == 3 and parts[1] in "tTwW":
        symbols.append((int(parts[0], 16), re.sub(r"::h[0-9a-f]{16}$", "", parts[2])))
if not symbols:
    sys.exit(f"{binary}: no symbols (PROFILE needs a build with them: target/cross/order/loft-TARGET)")
starts = [a for a, _ in symbols]
a, b = load(before), load(after)
per = collections.Counter()
for pc, n in b.items():
    n -= a.get(pc, 0)
    if n > 0:
        i = bisect.bisect_right(starts, pc) - 1
        per[symbols[i][1] if i >= 0 else "?"] += n
total = sum(per.values())
print(f"{total / sessions:.0f} instructions per session attributed")
for name, n in per.most_common(top):
    print(f"{n / sessions:12.0f} {100 * n / max(total, 1):5.1f}%  {name[:160]}")
