#!/bin/sh
# Build static `loft` release binaries without Docker, into dist/, with SHA256SUMS.
#
#   cross/build.sh x86_64-unknown-linux-musl
#   cross/build.sh mipsel-unknown-linux-musl armv7-unknown-linux-musleabihf
#   cross/build.sh all
#   cross/build.sh --check mipsel-unknown-linux-musl   # type-check only (fast, no link)
#
# What it needs (see cross/README.md):
#   - rustup with the stable toolchain, and `rustup target add` for the tier-2 targets
#     (x86_64 and aarch64 musl: the script adds them itself);
#   - a nightly toolchain with rust-src, for the targets rustup ships no std for
#     (ARMv6/ARMv7 musl on this mirror, MIPS everywhere): std is built from source
#     with -Zbuild-std;
#   - zig and cargo-zigbuild as the C compiler (ring) and linker for every target:
#     `pip install ziglang cargo-zigbuild` (the script looks in $LOFT_VENV/bin,
#     default /opt/loft-venv, then $PATH).
#
# Environment:
#   CARGO_TARGET_DIR  default: target/cross (inside the ignored /target)
#   DIST              default: dist
#   LOFT_VENV         a venv that holds zig (ziglang) and cargo-zigbuild
#   LOFT_FEATURES     passed as --features (default: `cluster` for x86_64 and aarch64,
#                     the router's set for MIPS, the default features otherwise)
#   LOFT_NO_DEFAULT_FEATURES
#                     1: --no-default-features, e.g. a relay-only router build without
#                     the client (`loft send|read|chat|rooms`): the default feature `client`
#   LOFT_NICE         prefix for cargo, default "nice -n 19"
#   LOFT_SIZE_BUDGET  bytes a MIPS build with the default features may take (default
#                     3500000); over it the build fails, printing the size and the budget
#   LOFT_SMALL        1 (default): the nightly (build-std) targets are built for size:
#                     panics abort without a message (-Cpanic=immediate-abort), no
#                     panic locations, no unwind tables, std built with optimize_for_size
#                     and without backtrace symbolization; MIPS .pdr sections dropped
#                     (llvm-objcopy from `rustup component add llvm-tools`).
#                     0: keep panic messages.
#   LOFT_ORDER        1 (default): the binary is linked with the functions a relay runs
#                     first, together (cross/order.sh, cross/relink.sh; needs
#                     qemu-user-static, curl and python3 with cryptography): two links
#                     instead of one, and about 1.1 MB less memory with no session (x86_64).
#                     0: one link, in the compiler's order.
set -eu

ALL_TARGETS="x86_64-unknown-linux-musl aarch64-unknown-linux-musl armv7-unknown-linux-musleabihf arm-unknown-linux-musleabi mipsel-unknown-linux-musl mips-unknown-linux-musl"

usage() {
	echo "usage: $0 [--check] TARGET...|all" >&2
	echo "targets: $ALL_TARGETS" >&2
	exit 2
}

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
cd "$repo"

: "${CARGO_TARGET_DIR:=$repo/target/cross}"
: "${DIST:=$repo/dist}"
: "${LOFT_VENV:=/opt/loft-venv}"
: "${LOFT_NICE=nice -n 19}"
export CARGO_TARGET_DIR
# The Python that runs cross/order.sh's client (it needs cryptography): the one found
# before the venv's, which holds only zig and cargo-zigbuild.
: "${PYTHON:=$(command -v python3 || echo python3)}"
export PYTHON
if [ -x "$LOFT_VENV/bin/cargo-zigbuild" ]; then
	PATH="$LOFT_VENV/bin:$PATH"
	export PATH
fi

mode=build
if [ "${1:-}" = "--check" ]; then
	mode=check
	shift
fi
[ $# -ge 1 ] || usage
if [ "$1" = all ]; then
	# shellcheck disable=SC2086
	set -- $ALL_TARGETS
fi

need() {
	command -v "$1" >/dev/null 2>&1 || {
		echo "$0: $1 not found: $2" >&2
		exit 1
	}
}

version=$(sed -n 's/^version *= *"\(.*\)"/\1/p' Cargo.toml | head -n 1)

# How each target is built: toolchain, whether std comes from source, extra RUSTFLAGS.
plan() {
	case "$1" in
	x86_64-unknown-linux-musl)
		toolchain=stable build_std=no rustflags="" router=no qemu_user=qemu-x86_64-static
		;;
	aarch64-unknown-linux-musl)
		toolchain=stable build_std=no rustflags="" router=no qemu_user=qemu-aarch64-static
		;;
	armv7-unknown-linux-musleabihf | arm-unknown-linux-musleabi | arm-unknown-linux-musleabihf)
		# No rust-std for these on every mirror: build std; zig brings musl's crt1.o.
		toolchain=nightly build_std=yes rustflags="-C link-self-contained=no" router=no qemu_user=qemu-arm-static
		;;
	mipsel-unknown-linux-musl | mips-unknown-linux-musl)
		# Tier 3 and not static by default. Non-PIC code (relocation-model=static) is
		# about 15% smaller on MIPS than the default PIC (no $gp set-up and GOT loads);
		# see check_mips_t9 for the one catch.
		toolchain=nightly build_std=yes rustflags="-C target-feature=+crt-static -C link-self-contained=no -C relocation-model=static"
		# The router default: relay, client and web page, without `loft chat`'s line
		# editor (the `line-editor` feature, about 168 KB): what fits the size budget.
		router=yes qemu_user=qemu-$(case "$1" in mipsel-*) echo mipsel ;; *) echo mips ;; esac)-static
		;;
	*)
		echo "$0: unknown target $1" >&2
		usage
		;;
	esac
}

# MIPS position-independent functions expect their own address in $t9 when called; the
# linker adds a stub that sets it for calls from non-PIC code only when the callee's object
# is marked PIC. Hand-written assembly in musl (dlsym) has the PIC prologue without the
# mark: a direct jal into it from our non-PIC code would run with a stale $t9 and crash
# (src/main.rs replaces musl's dlsym for that reason). Fail the build if any such call is
# left: find the functions whose prologue computes $gp from $t9 ($25), then any direct
# jump or call to one of them.
check_mips_t9() {
	objdump=$1 bin=$2
	dis=$(mktemp "${TMPDIR:-/tmp}/loft-dis.XXXXXX")
	"$objdump" -d --no-show-raw-insn "$bin" >"$dis"
	# Works on the stripped binary: a function that needs $t9 starts with
	# lui $gp,..; addiu $gp,$gp,..; addu $gp,$gp,$25 (the address of the lui is its entry).
	bad=$(awk '
		FNR == 1 { pass++; a1 = a2 = i1 = i2 = "" }
		pass == 1 && $1 ~ /^[0-9a-f]+:$/ {
			if (i2 ~ /^lui \$gp,/ && i1 ~ /^addiu \$gp, \$gp,/ && $2 " " $3 " " $4 " " $5 == "addu $gp, $gp, $25") {
				f = a2; sub(/:$/, "", f); sub(/^0+/, "", f); t9["0x" f] = 1
			}
			a2 = a1; i2 = i1; a1 = $1; i1 = $2 " " $3 " " $4 " " $5
		}
		pass == 2 && $2 ~ /^(jal|j|bal)$/ && ($3 in t9) { print $1 " " $2 " " $3 }
	' "$dis" "$dis")
	rm -f "$dis"
	if [ -n "$bad" ]; then
		echo "$0: $bin: direct calls into functions that need \$t9 (PIC) from non-PIC code:" >&2
		echo "$bad" >&2
		exit 1
	fi
}

# The router budget: a MIPS binary with the router's default features (relay, client, web,
# no line editor), built
# for size, must fit in LOFT_SIZE_BUDGET bytes (default 3,500,000: what a 4 MB router
# flash holds beside OpenWrt). docs/install.md#sizes says where the bytes go.
check_budget() {
	case "$1" in
	mips*) ;;
	*) return 0 ;;
	esac
	[ -z "${LOFT_FEATURES:-}" ] && [ "${LOFT_NO_DEFAULT_FEATURES:-0}" != 1 ] && [ "${LOFT_SMALL:-1}" = 1 ] || return 0
	budget=${LOFT_SIZE_BUDGET:-3500000}
	if [ "$2" -gt "$budget" ]; then
		echo "$0: $1: $2 bytes, over the size budget of $budget bytes by $(($2 - budget)) bytes" >&2
		echo "  (docs/install.md#sizes lists where the bytes go; cargo bloat or nm --size-sort on an unstripped build finds more)" >&2
		exit 1
	fi
	echo "== $1: within the size budget: $2 of $budget bytes ($((budget - $2)) bytes left)"
}

build_one() {
	target=$1
	plan "$target"
	order=${LOFT_ORDER:-1}
	if [ "$build_std" = no ]; then
		rustup target list --toolchain "$toolchain" --installed | grep -qx "$target" ||
			rustup target add --toolchain "$toolchain" "$target"
		zflags=""
	else
		rustup component list --toolchain "$toolchain" --installed | grep -q '^rust-src' || {
			echo "$0: $target needs: rustup toolchain install nightly --profile minimal && rustup component add rust-src --toolchain nightly" >&2
			exit 1
		}
		zflags="-Zbuild-std=std,panic_abort"
	fi
	features=""
	[ -z "${LOFT_FEATURES:-}" ] || features="--features $LOFT_FEATURES"
	[ "${LOFT_NO_DEFAULT_FEATURES:-0}" != 1 ] || features="$features --no-default-features"
	if [ -z "$features" ] && [ "$router" = yes ]; then features="--no-default-features --features client,web"; fi
	# Servers and Pis (x86_64, aarch64) get cluster mode (docs/cluster.md); the router
	# builds (ARM, MIPS) leave it out, for their size budget.
	case "$target" in x86_64-* | aarch64-*) [ -n "$features" ] || features="--features cluster" ;; esac
	if [ "$build_std" = yes ] && [ "${LOFT_SMALL:-1}" = 1 ]; then
		rustflags="$rustflags -Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -C force-unwind-tables=no"
		# std without backtrace symbolization (gimli, addr2line), size-optimized algorithms.
		zflags="$zflags -Zbuild-std-features=optimize_for_size"
	fi
	# -A linker-messages: zig warns that the missing rustlib/<target>/lib does not exist.
	RUSTFLAGS="${rustflags} -A linker-messages ${LOFT_RUSTFLAGS:-}"
	export RUSTFLAGS
	start=$(date +%s)
	if [ "$mode" = check ]; then
		echo "== check $target ($toolchain${zflags:+, build-std})"
		need cargo-zigbuild "pip install ziglang cargo-zigbuild (or set LOFT_VENV)"
		# ring's build script compiles C even for a check: zig is the C compiler here too.
		# shellcheck disable=SC2086
		RUSTUP_TOOLCHAIN=$toolchain $LOFT_NICE cargo-zigbuild check --locked --release --target "$target" $zflags $features --bins
		echo "== $target: checked in $(($(date +%s) - start)) s"
		return 0
	fi
	need cargo-zigbuild "pip install ziglang cargo-zigbuild (or set LOFT_VENV)"
	bin="$CARGO_TARGET_DIR/$target/release/loft"
	if [ "$order" = 1 ]; then
		# The code a relay runs first and together (cross/order.sh): a build with its
		# symbols runs a relay under qemu-user, then the same build is linked again with
		# the functions in the order they ran (cross/relink.sh). Only the final link
		# differs between the two builds: the crates are compiled once.
		echo "== build $target ($toolchain${zflags:+, build-std}, zigbuild; link 1 of 2: with symbols)"
		# shellcheck disable=SC2086
		RUSTUP_TOOLCHAIN=$toolchain $LOFT_NICE cargo-zigbuild rustc --locked --release --target "$target" $zflags $features --bin loft -- -C strip=none
		mkdir -p "$CARGO_TARGET_DIR/order"
		ordering="$CARGO_TARGET_DIR/order/$target.txt"
		cp "$bin" "$CARGO_TARGET_DIR/order/loft-$target"
		"$here/order.sh" "$qemu_user" "$CARGO_TARGET_DIR/order/loft-$target" "$ordering"
		echo "== build $target (link 2 of 2: the functions that ran, first)"
		# shellcheck disable=SC2086
		LOFT_RELINK_TARGET=$target LOFT_RELINK_ORDER=$ordering LOFT_VENV=$LOFT_VENV RUSTUP_TOOLCHAIN=$toolchain \
			$LOFT_NICE cargo-zigbuild rustc --locked --release --target "$target" $zflags $features --bin loft -- -C linker="$here/relink.sh"
	else
		echo "== build $target ($toolchain${zflags:+, build-std}, zigbuild)"
		# shellcheck disable=SC2086
		$LOFT_NICE cargo "+$toolchain" zigbuild --locked --release --target "$target" $zflags $features --bin loft
	fi
	mkdir -p "$DIST"
	out="$DIST/loft-$version-$target"
	cp "$bin" "$out"
	chmod 0755 "$out"
	# Sections the kernel never loads, that the linker's strip keeps (MIPS: .pdr, .mdebug).
	objcopy="$(rustc "+$toolchain" --print sysroot)/lib/rustlib/$(rustc "+$toolchain" -vV | sed -n 's/^host: //p')/bin/llvm-objcopy"
	if [ -x "$objcopy" ]; then
		"$objcopy" --remove-section=.pdr --remove-section=.mdebug.abi32 --remove-section=.comment "$out"
	else
		echo "note: no llvm-objcopy (rustup component add llvm-tools --toolchain $toolchain): sections like .pdr stay" >&2
	fi
	case "$target:$rustflags" in
	mips*relocation-model=static*)
		objdump="$(dirname "$objcopy")/llvm-objdump"
		[ -x "$objdump" ] || {
			echo "$0: $target needs llvm-objdump to check the non-PIC build: rustup component add llvm-tools --toolchain $toolchain" >&2
			exit 1
		}
		check_mips_t9 "$objdump" "$out"
		;;
	esac
	secs=$(($(date +%s) - start))
	size=$(wc -c <"$out" | tr -d ' ')
	echo "== $target: $out, $size bytes, ${secs} s"
	check_budget "$target" "$size"
	if command -v file >/dev/null 2>&1; then
		file "$out" | grep -q 'statically linked' || {
			echo "$0: $out is not statically linked:" >&2
			file "$out" >&2
			exit 1
		}
	fi
}

for t in "$@"; do
	build_one "$t"
done

if [ "$mode" = build ]; then
	(cd "$DIST" && ls loft-* >/dev/null 2>&1 && sha256sum loft-*-*-* >SHA256SUMS && cat SHA256SUMS)
fi
