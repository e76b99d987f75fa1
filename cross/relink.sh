#!/bin/sh
# The linker of cross/build.sh's second link (LOFT_ORDER=1): links the way cargo-zigbuild
# does, with zig, then once more with the same lld command and the ordering file that
# cross/order.sh wrote, so that the functions a relay runs sit first and together.
#
# zig's `cc` takes no --symbol-ordering-file; its lld does. ZIG_VERBOSE_LINK=1 makes zig
# print the lld command it ran (its musl, crt files and compiler-rt are in zig's cache),
# and `zig ld.lld` runs that command again with the file.
#
# From cross/build.sh, as rustc's `-C linker=`, with:
#   LOFT_RELINK_TARGET  the Rust target (its cargo-zigbuild linker is
#                       $CARGO_TARGET_<TARGET>_LINKER, which cargo-zigbuild sets)
#   LOFT_RELINK_ORDER   the ordering file
#   LOFT_VENV           where zig is, if not on the PATH (python -m ziglang)
set -eu
: "${LOFT_RELINK_TARGET:?set by cross/build.sh}" "${LOFT_RELINK_ORDER:?set by cross/build.sh}"
var=CARGO_TARGET_$(printf %s "$LOFT_RELINK_TARGET" | tr 'a-z.-' 'A-Z__')_LINKER
eval "zigcc=\${$var:-}"
[ -n "$zigcc" ] || { echo "relink.sh: $var is not set: run under cargo-zigbuild" >&2; exit 1; }
if command -v zig >/dev/null 2>&1; then
	zig() { command zig "$@"; }
elif [ -x "${LOFT_VENV:-/opt/loft-venv}/bin/python3" ]; then
	zig() { "${LOFT_VENV:-/opt/loft-venv}/bin/python3" -m ziglang "$@"; }
else
	echo "relink.sh: no zig (pip install ziglang, or set LOFT_VENV)" >&2
	exit 1
fi
log=$(mktemp "${TMPDIR:-/tmp}/loft-relink.XXXXXX")
trap 'rm -f "$log"' EXIT
if ! ZIG_VERBOSE_LINK=1 "$zigcc" "$@" 2>"$log"; then
	cat "$log" >&2
	exit 1
fi
grep -v '^\(ld\.lld\|ar\) ' "$log" >&2 || true
cmd=$(grep '^ld\.lld ' "$log" | tail -n 1)
[ -n "$cmd" ] || { echo "relink.sh: zig printed no lld command (ZIG_VERBOSE_LINK)" >&2; exit 1; }
case "$cmd" in
*-r\ *) echo "relink.sh: zig's last lld command is a partial link: $cmd" >&2 && exit 1 ;;
esac
# The command's words are paths in zig's cache, the output and lld's options: no spaces.
# shellcheck disable=SC2086
zig ld.lld ${cmd#ld.lld } --symbol-ordering-file="$LOFT_RELINK_ORDER" --no-warn-symbol-ordering
