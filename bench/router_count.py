"""Count guest instructions from qemu-user's log, for bench/router_cpu.sh: LOG STATUS.

qemu runs with `-d in_asm,exec,nochain -D LOG` (LOG a FIFO): `in_asm` prints each
translation block (TB) once, when it is translated, with one line per guest instruction
(on MIPS a branch and its delay slot are both in the block); `exec` with `nochain`
prints one `Trace` line for every execution of a TB. The sum over the Trace lines of
their blocks' instruction counts is the number of guest user-space instructions executed.
That is exact, as counting single instructions with `-singlestep` is, but writes about a
fifth of the lines (this qemu flushes its log after every line, so lines are the cost).

A TB is known by [cs_base/pc/flags/cflags] in its Trace line; its size is taken from
the in_asm block just translated at that pc (the Trace line of a new TB follows its in_asm
block). "Stopped execution of TB chain before PTR" means that TB did not run after all: it
is taken off again.

Every 0.2 s STATUS is rewritten with: instructions, Trace lines, seconds since the count
last changed, TBs whose size was not known (should be 0).

With PROFILE set (bench/router_cpu.sh does it for its PROFILE=N), the instructions are also
summed per TB start address, and on SIGUSR1 written to STATUS.pcs.K (K = 1, 2, ...: one
"pc count" line per TB) for bench/router_attr.py to attribute to functions. With WATCH
("start-end,start-end", hex: the address ranges of functions such as memcpy), the
instructions run inside those ranges are also charged to the last TB run outside them
(the caller), written to STATUS.callers.K."""

import os
import signal
import sys
import threading
import time

log, status = sys.argv[1], sys.argv[2]
insns = tbs = unknown = 0


def report():
    seen, changed = -1, time.monotonic()
    while True:
        time.sleep(0.2)
        now, count = time.monotonic(), (insns, tbs)
        if count != seen:
            seen, changed = count, now
        tmp = status + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{count[0]} {count[1]} {now - changed:.1f} {unknown}\n")
        os.replace(tmp, status)


threading.Thread(target=report, daemon=True).start()

profile = bool(os.environ.get("PROFILE"))
watch = [tuple(int(x, 16) for x in r.split("-")) for r in os.environ.get("WATCH", "").split(",") if r]
per_pc = {}  # guest pc of a TB -> instructions run in it
callers = {}  # guest pc of the TB before a watched range was entered -> instructions run in it
outside = 0  # the last TB's pc outside the watched ranges
dumps = 0


def dump(_sig, _frame):
    global dumps
    dumps += 1
    with open(f"{status}.pcs.{dumps}", "w") as out:
        out.writelines(f"{pc:x} {n}\n" for pc, n in list(per_pc.items()))
    with open(f"{status}.callers.{dumps}", "w") as out:
        out.writelines(f"{pc:x} {n}\n" for pc, n in list(callers.items()))


if profile:
    signal.signal(signal.SIGUSR1, dump)

sizes = {}  # b"cs_base/pc/flags/cflags" -> instructions in the TB
by_ptr = {}  # host code pointer -> instructions, for the "Stopped execution" lines
pending = {}  # guest pc -> instructions of the in_asm block translated last at it
last_at = {}  # guest pc -> instructions of any TB seen at it (fallback)
block_pc = None
block_n = 0
with open(log, "rb", buffering=1 << 20) as f:
    for line in f:
        if line.startswith(b"Trace "):
            i = line.index(b"[")
            key = line[i + 1 : line.index(b"]", i)]
            n = sizes.get(key)
            if n is None:
                pc = int(key.split(b"/")[1], 16)
                n = pending.pop(pc, None)
                if n is None:
                    n = last_at.get(pc)
                    if n is None:
                        unknown += 1
                        continue
                sizes[key] = n
                last_at[pc] = n
            by_ptr[line.split(b" ", 3)[2]] = n
            insns += n
            tbs += 1
            if profile:
                pc = int(key.split(b"/")[1], 16)
                per_pc[pc] = per_pc.get(pc, 0) + n
                if any(a <= pc < b for a, b in watch):
                    callers[outside] = callers.get(outside, 0) + n
                else:
                    outside = pc
        elif block_pc is not None or block_n:
            if line.startswith(b"0x"):
                block_n += 1
            else:
                pending[block_pc] = block_n
                block_pc, block_n = None, 0
        elif line.startswith(b"0x") and block_n == 0 and block_pc is None:
            # The first instruction of a block just after its "IN:" line.
            block_pc, block_n = int(line[2 : line.index(b":")], 16), 1
        elif line.startswith(b"Stopped execution of TB chain before "):
            n = by_ptr.get(line.split()[6])
            if n:
                insns -= n
                tbs -= 1
time.sleep(0.5)  # the last status
