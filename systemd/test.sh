#!/bin/sh
# Checks systemd/loft.service without systemd running (no PID 1 needed):
#   systemd-analyze verify              (syntax, directives, executables)
#   systemd-analyze security --offline  (exposure score; fails above LOFT_MAX_EXPOSURE)
# against a throwaway root that holds the unit, a stand-in /usr/local/bin/loft, kill,
# and the host's own unit files (for the targets the unit names).
#
#   systemd/test.sh            prints the exposure score; exit 0 if all passed
# Exit 77 (skip) without systemd-analyze (Debian: apt-get install systemd).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
: "${LOFT_MAX_EXPOSURE:=2.0}"

command -v systemd-analyze >/dev/null 2>&1 || {
	echo "skip: systemd-analyze not installed"
	exit 77
}
units=""
for d in /lib/systemd/system /usr/lib/systemd/system; do
	if [ -f "$d/multi-user.target" ]; then
		units=$d
		break
	fi
done
[ -n "$units" ] || {
	echo "skip: no systemd unit files on this machine"
	exit 77
}

root=$(mktemp -d "${TMPDIR:-/tmp}/loft-systemd.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/usr/local/bin" "$root/usr/bin" "$root/etc/systemd/system" "$root/usr/lib/systemd"
printf '#!/bin/sh\n' >"$root/usr/local/bin/loft"
chmod 0755 "$root/usr/local/bin/loft"
cp "$(command -v kill)" "$root/usr/bin/kill" 2>/dev/null || printf '#!/bin/sh\n' >"$root/usr/bin/kill"
chmod 0755 "$root/usr/bin/kill"
ln -s usr/bin "$root/bin"
cp -R "$units" "$root/usr/lib/systemd/system"
cp "$here/loft.service" "$root/etc/systemd/system/loft.service"

if ! systemd-analyze verify --root="$root" loft.service >"$root/verify.out" 2>&1 || [ -s "$root/verify.out" ]; then
	echo "FAIL: systemd-analyze verify:"
	cat "$root/verify.out"
	exit 1
fi
echo "ok: systemd-analyze verify loft.service (no findings)"

systemd-analyze security --offline=yes --root="$root" loft.service >"$root/security.out" 2>&1 || true
score=$(sed -n 's/.*Overall exposure level for loft.service: \([0-9.]*\).*/\1/p' "$root/security.out")
[ -n "$score" ] || {
	echo "FAIL: no exposure score from systemd-analyze security:"
	cat "$root/security.out"
	exit 1
}
grep '✗' "$root/security.out" | sed 's/  */ /g' || true
if awk -v s="$score" -v m="$LOFT_MAX_EXPOSURE" 'BEGIN { exit !(s <= m) }'; then
	echo "ok: systemd-analyze security: exposure $score (at most $LOFT_MAX_EXPOSURE)"
else
	echo "FAIL: exposure $score is above $LOFT_MAX_EXPOSURE"
	exit 1
fi
