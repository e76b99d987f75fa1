#!/bin/sh
# Pack a prebuilt static `loft` and the OpenWrt files into an .ipk, without the SDK.
#
#   openwrt/make-ipk.sh mipsel-unknown-linux-musl            # arch mipsel_24kc
#   openwrt/make-ipk.sh armv7-unknown-linux-musleabihf --arch arm_cortex-a9_vfpv3-d16
#   openwrt/make-ipk.sh TARGET --bin path/to/loft --out DIR
#
# The binary defaults to dist/loft-VERSION-TARGET (cross/build.sh TARGET). The package
# architecture must be one the router accepts: `opkg print-architecture` on the router
# lists them; the default for each target is the most common one. Install on the router:
#   opkg install /tmp/loft_VERSION-1_ARCH.ipk
# (opkg-based OpenWrt, up to 24.10; later releases use apk.)
#
# An .ipk is a gzip'd tar of ./debian-binary ("2.0"), ./control.tar.gz and
# ./data.tar.gz, as OpenWrt's scripts/ipkg-build makes it.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
files="$here/loft/files"

[ $# -ge 1 ] || {
	echo "usage: $0 TARGET [--arch OPKG_ARCH] [--bin BINARY] [--out DIR]" >&2
	exit 2
}
target=$1
shift
arch="" bin="" out="${DIST:-$repo/dist}"
while [ $# -gt 0 ]; do
	case "$1" in
	--arch)
		arch=$2
		shift 2
		;;
	--bin)
		bin=$2
		shift 2
		;;
	--out)
		out=$2
		shift 2
		;;
	*)
		echo "$0: unknown argument $1" >&2
		exit 2
		;;
	esac
done

version=$(sed -n 's/^version *= *"\(.*\)"/\1/p' "$repo/Cargo.toml" | head -n 1)
release=$(sed -n 's/^PKG_RELEASE:=//p' "$here/loft/Makefile")
[ -n "$bin" ] || bin="$repo/dist/loft-$version-$target"
[ -f "$bin" ] || {
	echo "$0: no binary $bin; build it with cross/build.sh $target" >&2
	exit 1
}
if [ -z "$arch" ]; then
	case "$target" in
	mipsel-unknown-linux-musl) arch=mipsel_24kc ;;                 # ramips (MT7621, MT76x8)
	mips-unknown-linux-musl) arch=mips_24kc ;;                     # ath79
	armv7-unknown-linux-musleabihf) arch=arm_cortex-a7_neon-vfpv4 ;; # ipq40xx
	arm-unknown-linux-musleabi*) arch=arm_arm1176jzf-s_vfp ;;      # bcm2708 (Pi Zero/1)
	aarch64-unknown-linux-musl) arch=aarch64_cortex-a53 ;;         # mediatek/filogic, bcm2710
	x86_64-unknown-linux-musl) arch=x86_64 ;;
	*)
		echo "$0: no default OpenWrt arch for $target: give --arch" >&2
		exit 2
		;;
	esac
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/loft-ipk.XXXXXX")
trap 'rm -rf "$work"' EXIT

# data: the files as they land on the router.
d="$work/data"
mkdir -p "$d/usr/bin" "$d/etc/init.d" "$d/etc/config" "$d/etc/hotplug.d/mount" "$d/etc/loft"
cp "$bin" "$d/usr/bin/loft" && chmod 0755 "$d/usr/bin/loft"
cp "$files/loft.init" "$d/etc/init.d/loft" && chmod 0755 "$d/etc/init.d/loft"
cp "$files/loft.config" "$d/etc/config/loft" && chmod 0600 "$d/etc/config/loft"
cp "$files/loft.hotplug" "$d/etc/hotplug.d/mount/60-loft" && chmod 0644 "$d/etc/hotplug.d/mount/60-loft"
mkdir -p "$d/lib/upgrade/keep.d"
cp "$files/loft.keep" "$d/lib/upgrade/keep.d/loft" && chmod 0644 "$d/lib/upgrade/keep.d/loft"
chmod 0700 "$d/etc/loft"

# control: what opkg reads; the scripts are OpenWrt's usual ones (enable the init script
# on install, stop and disable it on removal).
c="$work/control"
mkdir -p "$c"
installed_size=$(du -sk "$d" | cut -f1)
installed_size=$((installed_size * 1024))
cat >"$c/control" <<EOF
Package: loft
Version: $version-$release
Depends: libc
Source: feeds/loft/loft
SourceName: loft
License: Apache-2.0
Section: net
Maintainer: Loft developers
Architecture: $arch
Installed-Size: $installed_size
Description: Loft: FTP/FTPS relay for encrypted chat (FTPChat), and its client.
 A static binary for $target. Rooms are files of Fernet tokens; the relay
 runs from a USB disk, started on mount and stopped before unmount.
EOF
# conffiles: what the package ships and the user edits. The files the relay makes at first
# start (certificate, local CA, invited users, invites) are not in the package, so they are
# not conffiles (opkg would complain on every install that it cannot hash them); sysupgrade
# keeps them through /lib/upgrade/keep.d/loft instead.
printf '%s\n' /etc/config/loft >"$c/conffiles"
cat >"$c/postinst" <<'EOF'
#!/bin/sh
[ "${IPKG_NO_SCRIPT}" = "1" ] && exit 0
[ -s "${IPKG_INSTROOT}/lib/functions.sh" ] || exit 0
. "${IPKG_INSTROOT}/lib/functions.sh"
default_postinst "$0" "$@"
EOF
cat >"$c/prerm" <<'EOF'
#!/bin/sh
[ -s "${IPKG_INSTROOT}/lib/functions.sh" ] || exit 0
. "${IPKG_INSTROOT}/lib/functions.sh"
default_prerm "$0" "$@"
EOF
chmod 0755 "$c/postinst" "$c/prerm"

# Reproducible archives: fixed order, owner and time, where GNU tar allows it.
mtime=${SOURCE_DATE_EPOCH:-$(git -C "$repo" log -1 --format=%ct 2>/dev/null || date +%s)}
tarc() { # DIR OUT.tar.gz [MEMBERS...]
	tdir=$1 tout=$2
	shift 2
	[ $# -gt 0 ] || set -- .
	if tar --version 2>/dev/null | grep -q 'GNU tar'; then
		(cd "$tdir" && tar --format=gnu --numeric-owner --owner=0 --group=0 --sort=name \
			--mtime="@$mtime" -cf - "$@") | gzip -n -9 >"$tout"
	else
		(cd "$tdir" && tar -cf - "$@") | gzip -n -9 >"$tout"
	fi
}
p="$work/pkg"
mkdir -p "$p"
echo "2.0" >"$p/debian-binary"
tarc "$d" "$p/data.tar.gz"
tarc "$c" "$p/control.tar.gz"
mkdir -p "$out"
ipk="$out/loft_${version}-${release}_${arch}.ipk"
tarc "$p" "$ipk" ./debian-binary ./data.tar.gz ./control.tar.gz
echo "$ipk ($(wc -c <"$ipk" | tr -d ' ') bytes)"
