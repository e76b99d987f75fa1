#!/usr/bin/env bash
# The OpenWrt package against OpenWrt's own userland, built from source: no router, no SDK.
#
#   openwrt/test/real.sh              build (or reuse) the userland, assemble a root, run the tests
#   openwrt/test/real.sh --build-only build (or reuse) the userland and stop
#
# 1. Builds libubox (+ jshn), ubus (ubusd, the ubus CLI), uci, udebug's library (procd
#    needs it), procd and opkg-lede from vendor/openwrt/ (pinned commits, see its README)
#    with cmake, against Debian's glibc and json-c. The result is cached in
#    $LOFT_OPENWRT_CACHE (default ~/.cache/loft-openwrt), in a folder named by a hash of
#    the vendored sources, this script's build part and the compiler: a second run
#    reuses it.
# 2. Assembles a root: Debian's static busybox (its applets are the shell and tools, as
#    on OpenWrt), those binaries and the glibc/json-c libraries they load, OpenWrt's
#    /etc/rc.common, /lib/functions.sh, /lib/functions/{service,procd}.sh,
#    /lib/config/uci.sh and /usr/share/libubox/jshn.sh, /etc/opkg.conf, /etc/config/.
# 3. Packs the static x86_64 musl `loft` into an .ipk with openwrt/make-ipk.sh and
#    installs/removes it with opkg --offline-root (as the image builder does).
# 4. Boots the root in new mount, PID and network namespaces (unshare): procd as PID 1,
#    in its container mode (`container` set: it leaves /dev alone and exits at the end
#    instead of rebooting), runs its boot: ubusd, /etc/inittab, `rcS S boot`
#    (/etc/rc.d/S*). In it (nsenter): `opkg install` on the "device",
#    /etc/init.d/loft enable/start/reload/stop, respawn, the firewall rule as procd data,
#    the mount hotplug script on a "disk" (a tmpfs mounted as /dev/sda1), an FTPChat
#    client (Python ftplib, FTPS) and the chat page over HTTPS, `opkg remove` keeping the
#    edited /etc/config/loft; then SIGTERM to procd (a reboot: `rcS K shutdown`), and a
#    second boot with the disk there, where S95loft starts the relay at boot.
#
# Needs root (namespaces, chroot, mount), cmake, make, cc, pkg-config, libjson-c-dev,
# python3 with `cryptography`, curl, and apt-get (to fetch busybox-static once) or
# LOFT_BUSYBOX=/path/to/a/static/busybox. The loft binary: LOFT_BIN, or
# dist/loft-VERSION-x86_64-unknown-linux-musl (cross/build.sh x86_64-unknown-linux-musl;
# built here when missing). With CI set, a missing tool fails the run; without, it is
# skipped, saying so. Exit 0 only if every check passed.
# SC2015: `check && pass || fail` is meant (pass never fails); SC2016: code for the root's shell;
# SC2317: functions called indirectly (wait_for, trap).
# shellcheck disable=SC2015,SC2016,SC2317
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
self="$here/$(basename "$0")"
ow=$(cd "$here/.." && pwd)
repo=$(cd "$ow/.." && pwd)
vendor="$repo/vendor/openwrt"
CACHE=${LOFT_OPENWRT_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/loft-openwrt}

# ------------------------------------------------------------------------- the inner part
# Runs as PID 1 of the new PID namespace (see the end of this file), in its own mount and
# network namespaces, with the host's file system still visible (for the Python client and
# curl); the OpenWrt side runs chrooted in "$R".
if [ "${1:-}" = --inner ]; then
	set +e +o pipefail
	R=$2
	IPK=$3
	T=$4 # a folder for logs, outside the root
	failures=0
	pass() { echo "ok - $1"; }
	fail() {
		echo "not ok - $1"
		failures=$((failures + 1))
	}
	# A command inside the root, with OpenWrt's PATH and no host environment.
	in_root() {
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb chroot "$R" "$@"
	}
	in_sh() { in_root /bin/sh -c "$1"; }
	# Poll CMD (a shell function or command) up to N tenths of a second.
	wait_for() {
		local n=$1
		shift
		while [ "$n" -gt 0 ]; do
			"$@" && return 0
			sleep 0.1
			n=$((n - 1))
		done
		return 1
	}
	listening() { # PORT
		python3 - "$1" <<'EOF'
import socket, sys
s = socket.socket()
s.settimeout(1)
try:
    s.connect(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
EOF
	}
	not_listening() { ! listening "$1"; }
	# The relay instance's pid from procd, via ubus (jshn, as procd.sh parses JSON).
	relay_pid() {
		in_sh '. /usr/share/libubox/jshn.sh; _json_no_warning=1
			json_load "$(ubus call service list "{\"name\":\"loft\"}")" 2>/dev/null || exit 1
			json_select loft 2>/dev/null || exit 1
			json_select instances 2>/dev/null || exit 1
			json_select main 2>/dev/null || exit 1
			json_get_var running running; json_get_var pid pid
			[ "$running" = 1 ] && echo "$pid"' 2>/dev/null
	}
	has_pid() { [ -n "$(relay_pid)" ]; }
	no_pid() { [ -z "$(relay_pid)" ]; }
	# The namespace's /proc is the one mounted in the root (this shell's /proc is the host's).
	alive() { [ -d "$R/proc/$1" ] && ! grep -q '^State:.*Z' "$R/proc/$1/status" 2>/dev/null; }
	gone() { ! alive "$1"; }

	# procd is PID 1 of this PID namespace (started by the --ns part below, in OpenWrt's
	# container mode); this shell has entered its namespaces with nsenter.
	if wait_for 150 in_root ubus -t 1 list service >/dev/null 2>&1; then
		pass "procd is on ubus: $(in_root ubus list | tr '\n' ' ')"
	else
		fail "procd registered on ubus; its output: $(cat "$T/procd.out" 2>/dev/null)"
		exit 1
	fi
	p1=$(tr '\0' ' ' <"$R/proc/1/cmdline")
	ubusd_ppid=$(for d in "$R"/proc/[0-9]*; do
		[ "$(tr -d '\0' 2>/dev/null <"$d/cmdline")" = /sbin/ubusd ] && sed -n 's/^PPid:[[:space:]]*//p' "$d/status"
	done)
	case "$p1" in "/sbin/procd "*) p1_ok=1 ;; *) p1_ok= ;; esac
	[ -n "$p1_ok" ] && [ "$ubusd_ppid" = 1 ] &&
		pass "PID 1 is procd ($p1), in container mode; it started ubusd (its child)" ||
		fail "PID 1 is '$p1', ubusd's parent '$ubusd_ppid'"
	wait_for 50 test -S "$R/dev/log" && pass "/etc/rc.d/S12log ran at boot (rcS S boot from /etc/inittab): syslogd is up" ||
		fail "no syslog at boot"

	# ---------------------------------------------------------- opkg install on the device
	cp "$IPK" "$R/tmp/loft.ipk"
	if in_root opkg install /tmp/loft.ipk >"$T/opkg-install.log" 2>&1 && ! grep -q 'Collected errors' "$T/opkg-install.log"; then
		pass "opkg install /tmp/loft.ipk in the root: $(tr '\n' ' ' <"$T/opkg-install.log")"
	else
		fail "opkg install in the root: $(cat "$T/opkg-install.log")"
	fi
	[ -L "$R/etc/rc.d/S95loft" ] && [ -L "$R/etc/rc.d/K10loft" ] &&
		pass "the postinst (default_postinst) enabled the service: rc.d/S95loft, K10loft" ||
		fail "rc.d links after install: $(ls "$R/etc/rc.d")"
	# default_postinst also ran `/etc/init.d/loft start`: off until configured, no instance.
	no_pid && pass "not started by the install (option enabled '0')" || fail "a relay ran after a bare install"

	# ---------------------------------------------------------- configure with uci
	ftp_port=2121 web_port=8443 pasv=50000-50020
	in_sh "uci set loft.main.enabled=1; uci set loft.main.port=$ftp_port; uci set loft.main.web_port=$web_port
		uci set loft.main.ipv6=0; uci set loft.main.passive_ports=$pasv; uci set loft.main.firewall=1
		uci set loft.main.shutdown_grace=1; uci commit loft" &&
		pass "uci set/commit loft.main.*" || fail "uci set"
	if printf 'chat-password-1\n' | in_root /etc/init.d/loft passwd chat >"$T/passwd.log" 2>&1 &&
		in_root uci -q get loft.@user[0].password | grep -q '^\$pbkdf2-sha256\$'; then
		pass "/etc/init.d/loft passwd chat stores a PBKDF2 hash in UCI"
	else
		fail "passwd: $(cat "$T/passwd.log")"
	fi

	# ---------------------------------------------------------- the disk is not there yet
	mkdir -p "$R/mnt/sda1"
	in_root /etc/init.d/loft start >"$T/start0.log" 2>&1 || true
	no_pid && grep -q 'not mounted' "$T/start0.log" &&
		pass "start waits for the disk: $(tr '\n' ' ' <"$T/start0.log")" ||
		fail "start without the disk: $(cat "$T/start0.log"); pid $(relay_pid)"

	# ---------------------------------------------------------- the disk appears: hotplug add
	# A tmpfs mounted with the source name /dev/sda1 stands for the USB disk: the hotplug
	# script finds it in /proc/mounts as blockd's mounts appear there.
	mount -t tmpfs /dev/sda1 "$R/mnt/sda1"
	mkdir -p "$R/mnt/sda1/loft"
	# The event, delivered by procd's hotplug dispatcher (the hotplug.mount ubus object,
	# which runs /etc/hotplug.d/mount/* as `. /lib/functions.sh; . SCRIPT` with the env).
	in_root ubus call hotplug.mount call '{"env":["ACTION=add","DEVICE=sda1"]}' >/dev/null 2>&1 ||
		fail "ubus call hotplug.mount call"
	if wait_for 150 has_pid && wait_for 150 listening "$ftp_port"; then
		pid1=$(relay_pid)
		pass "the mount event (ACTION=add DEVICE=sda1) started the relay under procd: pid $pid1, port $ftp_port"
	else
		fail "the relay after the mount event; procd log: $(tail -20 "$T/procd.log")"
		pid1=
	fi

	# ---------------------------------------------------------- enable && start (idempotent)
	in_sh '/etc/init.d/loft enable && /etc/init.d/loft start' >"$T/start1.log" 2>&1 &&
		[ -n "$pid1" ] && [ "$(relay_pid)" = "$pid1" ] &&
		pass "/etc/init.d/loft enable && /etc/init.d/loft start: same instance (pid $pid1)" ||
		fail "enable && start: $(cat "$T/start1.log"); pid $(relay_pid), was $pid1"
	in_root ubus call service list '{"name":"loft","verbose":true}' >"$T/service.json" 2>&1
	python3 - "$T/service.json" "$ftp_port" "$pasv" "$web_port" >"$T/service.check" 2>&1 <<'EOF' &&
import json, sys
s = json.load(open(sys.argv[1]))["loft"]
i = s["instances"]["main"]
assert i["running"], i
cmd = i["command"]
assert cmd[0] == "/usr/bin/loft" and cmd[1] == "serve" and cmd[-1] == "/var/etc/loft/loft.toml", cmd
assert i["respawn"] == {"threshold": 3600, "timeout": 5, "retry": 5}, i.get("respawn")
assert "reload_signal" not in i, i
assert i["term_timeout"] == 3, i.get("term_timeout")
assert i["limits"] == {"nofile": "4096 4096"}, i.get("limits")
fw = i["data"]["firewall"]
ports = sorted(r["dest_port"] for r in fw)
assert ports == sorted([sys.argv[2], sys.argv[3], sys.argv[4]]), fw
assert all(r["type"] == "rule" and r["proto"] == "tcp" and r["target"] == "ACCEPT" and r["src"] == "*" for r in fw), fw
trig = s["triggers"]
assert any(t[0] == "config.change" for t in trig), trig
print("instance main:", " ".join(cmd), "| firewall ports", ports, "| triggers", [t[0] for t in trig])
EOF
		pass "ubus call service list: $(cat "$T/service.check")" ||
		fail "ubus call service list: $(cat "$T/service.check") $(cat "$T/service.json")"
	if [ -n "$pid1" ] && tr '\0' ' ' <"$R/proc/$pid1/cmdline" | grep -q '^/usr/bin/loft serve -c /var/etc/loft/loft.toml'; then
		pass "pid $pid1 is \`loft serve\` ($(tr '\0' ' ' <"$R/proc/$pid1/cmdline"))"
	else
		fail "the instance's process"
	fi

	# ---------------------------------------------------------- FTPChat client and the page
	cert="$R/etc/loft/loft.crt"
	[ -s "$cert" ] && [ -s "$R/etc/loft/loft-ca.crt" ] &&
		pass "a certificate and local CA were made at first start (/etc/loft)" || fail "no certificate in /etc/loft"
	export FTP_PASSWORD=chat-password-1 ROOM_KEY=room-secret
	client="$repo/tests/support/client_ftpchat.py"
	if python3 "$client" send --tls --port "$ftp_port" --user chat --room lobby --name ann "hello from procd" >"$T/send.log" 2>&1 &&
		python3 "$client" dump --tls --port "$ftp_port" --user chat --room lobby >"$T/dump.log" 2>&1 &&
		grep -q 'ann: hello from procd' "$T/dump.log"; then
		pass "FTPChat client over FTPS: a message in (APPE) and out (RETR): $(tail -n 1 "$T/dump.log")"
	else
		fail "FTPChat client: $(cat "$T/send.log" "$T/dump.log")"
	fi
	grep -q "hello" "$R/mnt/sda1/loft/lobby.txt" 2>/dev/null &&
		fail "the room holds plaintext" ||
		{ [ -s "$R/mnt/sda1/loft/lobby.txt" ] && pass "the room is on the disk (/mnt/sda1/loft/lobby.txt), tokens only"; } ||
		fail "no room file on the disk"
	if curl -sS --compressed -D "$T/page.headers" --cacert "$cert" --resolve "localhost:$web_port:127.0.0.1" -o "$T/page.html" -w '%{http_code}' \
		"https://localhost:$web_port/" >"$T/page.code" 2>"$T/page.err" && [ "$(cat "$T/page.code")" = 200 ] &&
		grep -qi '<script' "$T/page.html"; then
		pass "the chat page: GET https://localhost:$web_port/ is 200 with the certificate from /etc/loft"
	else
		fail "the chat page: $(cat "$T/page.code" "$T/page.err" 2>/dev/null)"
	fi
	web() { # METHOD PATH [BODY] -> body on stdout
		curl -sS --fail --cacert "$cert" --resolve "localhost:$web_port:127.0.0.1" -X "$1" \
			${SESSION:+-H "Authorization: Bearer $SESSION"} ${3:+--data-binary "$3"} \
			"https://localhost:$web_port$2"
	}
	SESSION=
	if login=$(web POST /api/login '{"user":"chat","password":"chat-password-1"}') &&
		SESSION=$(printf '%s' "$login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["session"])'); then
		pass "the chat API: POST /api/login"
	else
		fail "POST /api/login: $login"
	fi
	token=$(python3 "$client" seal room-secret "$(date '+%Y-%m-%d %H:%M'):bob: hello from the page")
	if web POST /api/append?room=lobby "$token
" >"$T/append.json" && web GET "/api/log?room=lobby&from=0" >"$T/log.json" &&
		python3 - "$T/log.json" "$token" <<'EOF'; then
import json, sys
lines = json.load(open(sys.argv[1]))["lines"]
assert sys.argv[2] in lines and len(lines) == 2, lines
EOF
		pass "the chat API: POST /api/append a token, GET /api/log reads both messages"
	else
		fail "the chat API append/log: $(cat "$T/append.json" "$T/log.json" 2>/dev/null)"
	fi
	python3 "$client" dump --tls --port "$ftp_port" --user chat --room lobby >"$T/dump2.log" 2>&1
	grep -q 'bob: hello from the page' "$T/dump2.log" &&
		pass "the page's message read over FTPS by the FTPChat client" || fail "FTPS read of the page's message: $(cat "$T/dump2.log")"

	# ---------------------------------------------------------- respawn
	if [ -n "$pid1" ]; then
		kill -9 "$pid1"
		if wait_for 150 eval '[ -n "$(relay_pid)" ] && [ "$(relay_pid)" != "$pid1" ]' &&
			wait_for 100 listening "$ftp_port"; then
			pid2=$(relay_pid)
			pass "a killed relay (SIGKILL to $pid1) is respawned by procd: pid $pid2"
		else
			fail "respawn after SIGKILL; procd log: $(tail -5 "$T/procd.log")"
			pid2=$(relay_pid)
		fi
	fi

	# ---------------------------------------------------------- reload: SIGHUP
	# `passwd` commits and runs /sbin/reload_config (procd's), which sends config.change for
	# the changed package; procd's trigger (procd_add_reload_trigger) then runs
	# `/etc/init.d/loft reload` after 1 s: nothing else is called here.
	printf 'dave-password-2\n' | in_root /etc/init.d/loft passwd dave >>"$T/passwd.log" 2>&1
	if FTP_PASSWORD=dave-password-2 wait_for 100 python3 "$client" dump --tls --port "$ftp_port" --user dave --room lobby >"$T/dump3.log" 2>&1 &&
		[ "$(relay_pid)" = "$pid2" ]; then
		pass "passwd dave (uci commit, reload_config, procd's config.change trigger, reload): dave logs in, same pid $pid2 (SIGHUP, no restart)"
	else
		fail "passwd + trigger + SIGHUP: pid $(relay_pid) (was $pid2); $(cat "$T/dump3.log")"
	fi
	n_rel=$(grep -c 'loft\[.*config reloaded' "$R/tmp/log/messages")
	[ "$n_rel" -ge 1 ] &&
		pass "the relay logged it: $(grep 'config reloaded' "$R/tmp/log/messages" | tail -n 1 | cut -c1-160)" ||
		fail "no reload line in the relay's log (procd sends its stdout/stderr to syslog)"
	in_sh 'uci set loft.main.max_per_ip=8; uci commit loft; /etc/init.d/loft reload' >"$T/reload1.log" 2>&1
	if wait_for 50 eval '[ "$(grep -c "loft\[.*config reloaded" "$R/tmp/log/messages")" -gt "$n_rel" ]' &&
		[ "$(relay_pid)" = "$pid2" ]; then
		pass "uci set loft.main.max_per_ip=8; uci commit; /etc/init.d/loft reload: SIGHUP again, same pid $pid2"
	else
		fail "explicit reload of a limit: pid $(relay_pid) (was $pid2); $(cat "$T/reload1.log")"
	fi

	# ---------------------------------------------------------- reload: restart (port change)
	ftp_port2=2122
	in_sh "uci set loft.main.port=$ftp_port2; uci commit loft; /etc/init.d/loft reload" >"$T/reload2.log" 2>&1 || true
	if wait_for 100 eval '[ -n "$(relay_pid)" ] && [ "$(relay_pid)" != "$pid2" ]' && wait_for 100 listening "$ftp_port2" &&
		wait_for 50 not_listening "$ftp_port"; then
		pid3=$(relay_pid)
		pass "uci set loft.main.port=$ftp_port2; uci commit; reload: restarted (pid $pid2 -> $pid3), on the new port only"
	else
		fail "reload with a new port: pid $(relay_pid); $(cat "$T/reload2.log")"
		pid3=$(relay_pid)
	fi
	FTP_PASSWORD=chat-password-1 python3 "$client" dump --tls --port "$ftp_port2" --user chat --room lobby >"$T/dump4.log" 2>&1 &&
		grep -q 'hello from procd' "$T/dump4.log" && pass "the room is still there on the new port" ||
		fail "FTPS on the new port: $(cat "$T/dump4.log")"

	# ---------------------------------------------------------- config.change trigger
	# procd's trigger (procd_add_reload_trigger loft): a config.change event for "loft"
	# runs /etc/init.d/loft reload after PROCD_RELOAD_DELAY (1 s). This is what
	# /sbin/reload_config (and LuCI) send after `uci commit`.
	in_sh "uci set loft.main.port=$ftp_port; uci commit loft; ubus call service event '{\"type\":\"config.change\",\"data\":{\"package\":\"loft\"}}'" ||
		fail "ubus call service event"
	if wait_for 150 eval '[ -n "$(relay_pid)" ] && [ "$(relay_pid)" != "$pid3" ]' && wait_for 150 listening "$ftp_port" &&
		wait_for 50 not_listening "$ftp_port2"; then
		pass "a config.change event for loft made procd run the reload: restarted (pid $pid3 -> $(relay_pid)), on $ftp_port again"
	else
		fail "the config.change trigger: pid $(relay_pid) (was $pid3)"
	fi
	pid4=$(relay_pid)

	# ---------------------------------------------------------- the disk goes: hotplug remove
	# blockd runs the mount scripts with ACTION=remove and waits for them before it unmounts
	# (through /sbin/hotplug-call, which sources each script after /lib/functions.sh). procd's
	# dispatcher only runs them asynchronously, so this runs the script in that same way
	# and waits, then unmounts: the unmount must find the disk no longer in use.
	# A download in progress keeps a file on the disk open: the relay gives it
	# shutdown_grace (1 s here) after SIGTERM, so a script that did not wait would return
	# while the relay still runs and holds the disk.
	tok=$(python3 "$client" seal room-secret "filler")
	python3 -c 'import sys; sys.stdout.write((sys.argv[1] + "\n") * 200000)' "$tok" >"$R/mnt/sda1/loft/big.txt"
	FTP_PASSWORD=chat-password-1 python3 - "$ftp_port" >"$T/slow.log" 2>&1 <<'EOF' &
import ftplib, os, ssl, sys, time
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
f = ftplib.FTP_TLS(context=ctx)
f.connect("127.0.0.1", int(sys.argv[1]), timeout=30)
f.login("chat", os.environ["FTP_PASSWORD"])
f.prot_p()
conn = f.transfercmd("RETR big.txt")
conn.recv(1024)
print("reading slowly", flush=True)
time.sleep(20)
EOF
	slow=$!
	wait_for 100 grep -q 'reading slowly' "$T/slow.log" || fail "the slow download did not start: $(cat "$T/slow.log")"
	t_rm=$(date +%s%N)
	if in_sh 'export ACTION=remove DEVICE=sda1; (. /lib/functions.sh; . /etc/hotplug.d/mount/60-loft)' >"$T/remove.log" 2>&1 &&
		gone "$pid4" && no_pid; then
		pass "ACTION=remove during a download: the relay (pid $pid4) is gone when the hotplug script returns ($((($(date +%s%N) - t_rm) / 1000000)) ms)"
	else
		fail "ACTION=remove: pid $pid4 still there when the script returned? $(cat "$T/remove.log")"
	fi
	kill "$slow" 2>/dev/null
	if umount "$R/mnt/sda1" 2>"$T/umount.log"; then
		pass "the disk unmounts right after (nothing holds it)"
	else
		fail "umount: $(cat "$T/umount.log")"
		umount -l "$R/mnt/sda1" || true
	fi
	# Other disks are not the relay's.
	mkdir -p "$R/mnt/sdb1"
	mount -t tmpfs /dev/sdb1 "$R/mnt/sdb1"
	in_root ubus call hotplug.mount call '{"env":["ACTION=add","DEVICE=sdb1"]}' >/dev/null 2>&1
	sleep 2
	no_pid && pass "another disk (sdb1 on /mnt/sdb1) is not the relay's: not started" ||
		fail "started for another device's mount event"
	umount "$R/mnt/sdb1"
	mount -t tmpfs /dev/sda1 "$R/mnt/sda1"
	mkdir -p "$R/mnt/sda1/loft"
	in_root ubus call hotplug.mount call '{"env":["ACTION=add","DEVICE=sda1"]}' >/dev/null 2>&1
	wait_for 150 has_pid && wait_for 100 listening "$ftp_port" &&
		pass "the disk back (ACTION=add): running again, pid $(relay_pid)" || fail "not restarted on the second add"

	# ---------------------------------------------------------- stop, disable
	pid5=$(relay_pid)
	in_root /etc/init.d/loft stop >"$T/stop.log" 2>&1 || true
	if wait_for 60 gone "$pid5" && no_pid && not_listening "$ftp_port"; then
		pass "/etc/init.d/loft stop: instance deleted, process $pid5 gone, port closed"
	else
		fail "stop: $(cat "$T/stop.log")"
	fi
	in_root /etc/init.d/loft start >/dev/null 2>&1 || true
	wait_for 100 has_pid || fail "start again"

	# ---------------------------------------------------------- opkg remove on the device
	cp "$R/etc/config/loft" "$T/config.before"
	if in_root opkg remove loft >"$T/opkg-remove.log" 2>&1; then
		pass "opkg remove loft: $(tr '\n' ' ' <"$T/opkg-remove.log")"
	else
		fail "opkg remove: $(cat "$T/opkg-remove.log")"
	fi
	if wait_for 60 no_pid && [ ! -e "$R/usr/bin/loft" ] && [ ! -e "$R/etc/init.d/loft" ] &&
		[ ! -e "$R/etc/hotplug.d/mount/60-loft" ] && [ ! -e "$R/etc/rc.d/S95loft" ]; then
		pass "the prerm stopped and disabled it; binary, init script, hotplug script gone"
	else
		fail "after remove: pid $(relay_pid); $(ls "$R/usr/bin" "$R/etc/rc.d" "$R/etc/init.d")"
	fi
	cmp -s "$T/config.before" "$R/etc/config/loft" &&
		pass "the edited /etc/config/loft is kept (a modified conffile)" || fail "/etc/config/loft lost on remove"
	in_root opkg install /tmp/loft.ipk >"$T/opkg-reinstall.log" 2>&1 || fail "reinstall: $(cat "$T/opkg-reinstall.log")"
	cmp -s "$T/config.before" "$R/etc/config/loft" && wait_for 150 has_pid &&
		pass "reinstalled: the kept config is used as it is and the relay runs from it again (postinst start)" ||
		fail "reinstall: config changed or not running; $(cat "$T/opkg-reinstall.log")"
	# Left running: the shutdown is next.

	exit "$failures"
fi

# ------------------------------------------------------------------------- the namespace
# Run by unshare (new mount, PID and network namespaces): the mounts an OpenWrt system has
# before procd (/proc, /tmp with /var in it, /dev, the log folder kept outside), the "disk"
# if asked, loopback up; then procd as PID 1, chrooted into the root. `container` in the
# environment is procd's own switch for running in a container: it then leaves /dev alone
# at coldplug and exits instead of rebooting at the end.
if [ "${1:-}" = --ns ]; then
	R=$2 L=$3 DISK=$4
	mount --make-rprivate /
	mount -t proc proc "$R/proc"
	mount -t tmpfs -o mode=1777 tmpfs "$R/tmp"
	mkdir -p "$R/tmp/log" "$R/tmp/run/ubus" "$R/tmp/lock" "$R/tmp/state" "$R/tmp/.uci"
	mount --bind "$L" "$R/tmp/log"
	mount -t tmpfs -o mode=755 tmpfs "$R/dev"
	for d in null zero random urandom tty console; do
		touch "$R/dev/$d"
		if [ "$d" = console ]; then mount --bind /dev/null "$R/dev/$d"; else mount --bind "/dev/$d" "$R/dev/$d"; fi
	done
	if [ "$DISK" = 1 ]; then
		mount -t tmpfs /dev/sda1 "$R/mnt/sda1"
		mkdir -p "$R/mnt/sda1/loft"
	fi
	chroot "$R" /sbin/ip link set lo up
	exec env -i container=loft-real-sh PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb \
		chroot "$R" /sbin/procd -S >"$L/procd.out" 2>&1
fi

# ------------------------------------------------------------------------- the outer part
need() { # TOOL WHY
	command -v "$1" >/dev/null 2>&1 && return 0
	if [ -n "${CI:-}" ]; then
		echo "real.sh: $1 is missing ($2): CI installs it, so this is a failure" >&2
		exit 1
	fi
	echo "real.sh: SKIP: $1 is missing ($2)" >&2
	exit 0
}
if [ "$(id -u)" != 0 ]; then
	[ -z "${CI:-}" ] || {
		echo "real.sh: needs root (namespaces, chroot, mounts)" >&2
		exit 1
	}
	echo "real.sh: SKIP: needs root (namespaces, chroot, mounts)" >&2
	exit 0
fi
for t in cmake make cc pkg-config; do need "$t" "to build OpenWrt's userland"; done
pkg-config --exists json-c || need libjson-c-dev-pkgconfig "libjson-c-dev"
t0=$(date +%s)

# The cache key: the vendored sources, the build recipe below (between the markers), the
# compiler and the C library.
recipe=$(sed -n '/^# BUILD-RECIPE-START/,/^# BUILD-RECIPE-END/p' "$0")
key=$( {
	(cd "$vendor" && find . -type f ! -name README.md -print0 | sort -z | xargs -0 sha256sum)
	printf '%s\n' "$recipe"
	cc --version 2>&1 | sed -n 1p
	ldd --version 2>&1 | sed -n 1p
} | sha256sum | cut -c1-16)
B="$CACHE/userland-$key"
S="$B/stage"

# BUILD-RECIPE-START
build_userland() {
	local w="$B.tmp" flags libc_ok
	rm -rf "$w" "$B"
	mkdir -p "$w/stage"
	local st="$w/stage"
	local cm=(-DCMAKE_INSTALL_PREFIX=/usr -DCMAKE_INSTALL_LIBDIR=lib -DCMAKE_BUILD_TYPE=Release
		"-DCMAKE_PREFIX_PATH=$st/usr" "-DCMAKE_EXE_LINKER_FLAGS=-L$st/usr/lib -Wl,-rpath-link,$st/usr/lib"
		"-DCMAKE_SHARED_LINKER_FLAGS=-L$st/usr/lib")
	local j
	j=$(nproc 2>/dev/null || echo 2)
	one() { # NAME CFLAGS CMAKE-OPTIONS...
		local n=$1 cf=$2
		shift 2
		echo "  building $n" >&2
		if ! { cmake -S "$vendor/$n" -B "$w/b-$n" "${cm[@]}" "-DCMAKE_C_FLAGS=-I$st/usr/include $cf" "$@" &&
			make -C "$w/b-$n" -j"$j" && make -C "$w/b-$n" install DESTDIR="$st"; } >"$w/$n.log" 2>&1; then
			tail -n 40 "$w/$n.log" >&2
			echo "real.sh: building $n failed (log: $w/$n.log)" >&2
			return 1
		fi
	}
	one libubox "" -DBUILD_LUA=OFF -DBUILD_EXAMPLES=OFF
	one ubus "" -DBUILD_LUA=OFF -DBUILD_EXAMPLES=OFF
	one uci "" -DBUILD_LUA=OFF
	# udebug: only its library (procd links it); its CMakeLists also builds a ucode module
	# and the udebugd daemon, which need ucode.
	echo "  building udebug (libudebug)" >&2
	cc -O2 -fPIC -shared -I"$st/usr/include" -L"$st/usr/lib" -Wl,-soname,libudebug.so \
		-o "$st/usr/lib/libudebug.so" "$vendor/udebug/lib.c" "$vendor/udebug/lib-pcap.c" -lubox -lubus
	cp "$vendor/udebug/udebug.h" "$vendor/udebug/udebug-pcap.h" "$st/usr/include/"
	# procd on glibc: strlcpy (musl has it; glibc from 2.38), and GCC 12's format-overflow
	# false positive in signal.c (msg is set whenever event is). See vendor/openwrt/README.md.
	flags="-include $vendor/compat/glibc-compat.h -Wno-error=format-overflow"
	libc_ok=$(printf '#include <string.h>\nint main(void){char b[4];return (int)strlcpy(b,"x",4);}\n' |
		cc -x c -o /dev/null - 2>/dev/null && echo 1 || echo 0)
	[ "$libc_ok" = 1 ] || flags="$flags -DLOFT_NEED_STRLCPY"
	one procd "$flags" -DJAIL_SUPPORT=OFF -DSECCOMP_SUPPORT=OFF -DUTRACE_SUPPORT=OFF \
		"-Dudebug_include_dir=$st/usr/include" "-Dudebug=$st/usr/lib/libudebug.so"
	one opkg-lede "" -DBUILD_TESTS=OFF -DENABLE_USIGN=OFF "-DVERSION=38eccbb (2024-10-16)"
	rm -rf "$st/usr/include" "$st/usr/lib/"*.a
	mkdir -p "$B"
	mv "$st" "$S"
	rm -rf "$w"
}
# BUILD-RECIPE-END

if [ -x "$S/usr/sbin/procd" ]; then
	echo "== OpenWrt userland: cached ($B)"
else
	echo "== OpenWrt userland: building into $B"
	mkdir -p "$CACHE"
	# Older builds (other keys) are not needed any more.
	find "$CACHE" -maxdepth 1 -name 'userland-*' ! -name "userland-$key" -exec rm -rf {} +
	build_userland
	echo "   built in $(($(date +%s) - t0)) s"
fi
[ "${1:-}" = --build-only ] && exit 0

need unshare "util-linux, for the namespaces"
need nsenter "util-linux, to run the checks in the namespaces"
need chroot "coreutils"
need python3 "the FTPChat client"
need curl "the chat page"
python3 -c 'import cryptography' 2>/dev/null || need python3-cryptography "the FTPChat client's Fernet"

# Debian's static busybox: /bin/sh and the tools in the root, as busybox is on OpenWrt.
bb=${LOFT_BUSYBOX:-}
if [ -z "$bb" ]; then
	bb="$CACHE/busybox-static/bin/busybox"
	if [ ! -x "$bb" ]; then
		need apt-get "to fetch Debian's busybox-static (or set LOFT_BUSYBOX)"
		d=$(mktemp -d)
		(cd "$d" && apt-get -o APT::Sandbox::User=root download -q busybox-static >/dev/null) || {
			echo "real.sh: apt-get download busybox-static failed" >&2
			exit 1
		}
		mkdir -p "$CACHE/busybox-static"
		dpkg -x "$d"/busybox-static_*.deb "$CACHE/busybox-static"
		rm -rf "$d"
	fi
fi
if ! file -L "$bb" 2>/dev/null | grep 'statically linked' >/dev/null; then
	echo "real.sh: $bb is not a static busybox" >&2
	exit 1
fi

# The static x86_64 musl loft and its .ipk (the router arch would need qemu: x86_64 runs
# natively and the package logic is the same).
version=$(sed -n 's/^version *= *"\(.*\)"/\1/p' "$repo/Cargo.toml" | sed -n 1p)
bin=${LOFT_BIN:-$repo/dist/loft-$version-x86_64-unknown-linux-musl}
if [ ! -x "$bin" ]; then
	echo "== building $bin (cross/build.sh x86_64-unknown-linux-musl)"
	"$repo/cross/build.sh" x86_64-unknown-linux-musl
fi
file -L "$bin" | grep -E 'static(-pie)? linked|statically linked' >/dev/null || {
	echo "real.sh: $bin is not a static binary" >&2
	exit 1
}

work=$(mktemp -d "${TMPDIR:-/tmp}/loft-openwrt.XXXXXX")
cleanup() {
	[ -n "${KEEP:-}" ] && {
		echo "kept $work"
		return
	}
	rm -rf "$work"
}
trap cleanup EXIT
ipk=$("$ow/make-ipk.sh" x86_64-unknown-linux-musl --bin "$bin" --out "$work" | sed 's/ (.*//')
echo "== $ipk"

# ---------------------------------------------------------------- the root
R="$work/root"
mkdir -p "$R"/{bin,sbin,lib,usr/bin,usr/sbin,usr/lib,usr/share/libubox,etc/config,etc/init.d,etc/rc.d} \
	"$R"/{etc/hotplug.d/mount,lib/functions,lib/config,proc,dev,tmp,root,mnt,overlay,usr/lib/opkg/info}
cp "$bb" "$R/bin/busybox"
for a in $("$R/bin/busybox" --list-full); do
	[ -e "$R/$a" ] || [ -L "$R/$a" ] || ln -s /bin/busybox "$R/$a"
done
cp -a "$S/usr/." "$R/usr/"
# Where OpenWrt has them.
ln -sf /usr/sbin/procd "$R/sbin/procd"
ln -sf /usr/sbin/ubusd "$R/sbin/ubusd"
ln -sf /usr/bin/ubus "$R/bin/ubus"
rm -f "$R/sbin/uci" "$R/bin/opkg"
ln -s /usr/bin/uci "$R/sbin/uci"
ln -s /usr/bin/opkg-cl "$R/bin/opkg"
# flock (procd.sh locks each init script's calls): OpenWrt's busybox has the applet,
# Debian's static busybox does not, so util-linux's flock stands in.
flock_bin=$(command -v flock || true)
[ -n "$flock_bin" ] || need flock "util-linux: procd.sh runs flock, which Debian's static busybox lacks"
[ -e "$R/usr/bin/flock" ] || cp -L "$flock_bin" "$R/usr/bin/flock"
# The glibc and json-c libraries the binaries load (busybox and loft need none).
for f in "$R"/usr/bin/* "$R"/usr/sbin/* "$R"/usr/lib/*.so*; do
	[ -f "$f" ] && [ ! -L "$f" ] || continue
	LD_LIBRARY_PATH="$R/usr/lib" ldd "$f" 2>/dev/null | sed -n 's/.*=> \(\/[^ ]*\).*/\1/p; s/^\t\(\/[^ ]*\) .*/\1/p'
done | sort -u | while read -r lib; do
	case "$lib" in "$R"/*) continue ;; esac
	mkdir -p "$R$(dirname "$lib")"
	cp -L "$lib" "$R$lib"
done
# OpenWrt's shell libraries (base-files, procd, uci, libubox).
cp "$vendor/base-files/etc/rc.common" "$R/etc/rc.common"
cp "$vendor/base-files/lib/functions.sh" "$R/lib/functions.sh"
cp "$vendor/base-files/lib/functions/service.sh" "$R/lib/functions/service.sh"
cp "$vendor/procd-files/procd.sh" "$R/lib/functions/procd.sh"
install -m 0755 "$vendor/procd-files/reload_config" "$R/sbin/reload_config"
cp "$vendor/uci-files/lib/config/uci.sh" "$R/lib/config/uci.sh"
cp "$vendor/libubox/sh/jshn.sh" "$R/usr/share/libubox/jshn.sh"
# /var is /tmp, as on OpenWrt (a fresh tmpfs in the namespace; these for the offline install).
ln -s tmp "$R/var"
mkdir -p "$R/tmp/lock" "$R/tmp/run"
cat >"$R/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/ash
nobody:*:65534:65534:nobody:/var:/bin/false
EOF
cat >"$R/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
EOF
cat >"$R/etc/config/system" <<'EOF'
config system
	option hostname 'OpenWrt'
EOF
cat >"$R/etc/opkg.conf" <<'EOF'
dest root /
dest ram /tmp
lists_dir ext /var/opkg-lists
option overlay_root /overlay
arch all 1
arch noarch 1
arch x86_64 10
EOF
# The image's package database: libc is installed (loft's control says Depends: libc).
cat >"$R/usr/lib/opkg/status" <<'EOF'
Package: libc
Version: 1.2.5-r4
Depends: libgcc
Status: install user installed
Architecture: x86_64
Installed-Time: 1700000000

Package: libgcc
Version: 13.3.0-r4
Status: install user installed
Architecture: x86_64
Installed-Time: 1700000000

EOF
for p in libc libgcc; do : >"$R/usr/lib/opkg/info/$p.list"; done
echo "== root assembled: $(du -sh "$R" | cut -f1) ($(find "$R" -type f | wc -l) files)"

failures=0
pass() { echo "ok - $1"; }
fail() {
	echo "not ok - $1"
	failures=$((failures + 1))
}

# ---------------------------------------------------------------- opkg --offline-root
# As the image builder installs packages: from the build host, into a root that is not
# running, with IPKG_INSTROOT set for the maintainer scripts.
# opkg skips maintainer scripts with --offline-root unless --force-postinstall; OpenWrt's
# image build runs them with IPKG_INSTROOT set, which is what the scripts look at.
opkg_off() {
	IPKG_INSTROOT="$R" LD_LIBRARY_PATH="$S/usr/lib" "$S/usr/bin/opkg-cl" -f "$R/etc/opkg.conf" \
		--offline-root "$R" --force-postinstall "$@"
}
if opkg_off install "$ipk" >"$work/off-install.log" 2>&1 && ! grep -q 'Collected errors' "$work/off-install.log"; then
	pass "opkg --offline-root install: $(tr '\n' ' ' <"$work/off-install.log")"
else
	fail "opkg --offline-root install: $(cat "$work/off-install.log")"
fi
[ -x "$R/usr/bin/loft" ] && [ -x "$R/etc/init.d/loft" ] && [ -f "$R/etc/config/loft" ] &&
	[ -f "$R/etc/hotplug.d/mount/60-loft" ] && [ -d "$R/etc/loft" ] && [ -f "$R/lib/upgrade/keep.d/loft" ] &&
	pass "the package's files are in the root" || fail "files after the offline install"
grep -qx /etc/config/loft "$R/usr/lib/opkg/info/loft.conffiles" 2>/dev/null &&
	grep -q '^Conffiles:' "$R/usr/lib/opkg/status" && pass "opkg recorded /etc/config/loft as a conffile" ||
	fail "conffiles not recorded"
[ -L "$R/etc/rc.d/S95loft" ] && [ -L "$R/etc/rc.d/K10loft" ] &&
	pass "postinst with IPKG_INSTROOT enabled it (rc.d/S95loft, K10loft), as in an image build" ||
	fail "rc.d after the offline install: $(ls "$R/etc/rc.d")"
[ "$(stat -c %a "$R/etc/config/loft" 2>/dev/null)" = 600 ] && pass "/etc/config/loft is 0600 (it will hold password hashes)" ||
	fail "/etc/config/loft mode $(stat -c %a "$R/etc/config/loft" 2>/dev/null)"
if opkg_off remove loft >"$work/off-remove.log" 2>&1 && [ ! -e "$R/usr/bin/loft" ] &&
	[ ! -e "$R/etc/rc.d/S95loft" ] && [ ! -e "$R/usr/lib/opkg/info/loft.list" ] &&
	! grep -q '^Package: loft' "$R/usr/lib/opkg/status"; then
	pass "opkg --offline-root remove: files, rc.d links and the package record gone"
else
	fail "opkg --offline-root remove: $(cat "$work/off-remove.log")"
fi
leftover=$(cd "$R" && find etc/loft etc/config/loft 2>/dev/null | tr "\n" " " || true)
echo "# left after the offline remove (unmodified conffiles go, /etc/loft is the package's dir): ${leftover:-nothing}"

# ---------------------------------------------------------------- procd, in namespaces
# OpenWrt's boot, as procd runs it from /etc/inittab, and a syslog for it: busybox syslogd
# in place of OpenWrt's logd (ubox, not built), as an init script of the usual kind.
cat >"$R/etc/inittab" <<'EOF'
::sysinit:/etc/init.d/rcS S boot
::shutdown:/etc/init.d/rcS K shutdown
EOF
cat >"$R/etc/init.d/log" <<'EOF'
#!/bin/sh /etc/rc.common
# The test root's syslog: busybox syslogd in place of OpenWrt's logd.
START=12
STOP=89
USE_PROCD=1
start_service() {
	procd_open_instance
	procd_set_param command /sbin/syslogd -n -O /tmp/log/messages
	procd_close_instance
}
EOF
chmod 0755 "$R/etc/init.d/log"
ln -s ../init.d/log "$R/etc/rc.d/S12log"
ln -s ../init.d/log "$R/etc/rc.d/K89log"

# Starts a namespace with procd as PID 1; NS_PID: procd's pid here, NS_LAUNCHER: unshare's.
boot_ns() { # LOGDIR DISK
	# (sh -c: procd's reboot() in a PID namespace ends it with SIGHUP, and unshare then
	# kills itself with it; the shell around it just exits 129, without a job notice.)
	sh -c 'unshare --mount --pid --net --fork "$@"; exit $?' real.sh "$self" --ns "$R" "$1" "$2" 2>"$1/ns.err" &
	NS_LAUNCHER=$!
	NS_PID=
	local i u
	for i in $(seq 100); do
		u=$(awk '{print $1}' "/proc/$NS_LAUNCHER/task/$NS_LAUNCHER/children" 2>/dev/null)
		[ -n "$u" ] && NS_PID=$(awk '{print $1}' "/proc/$u/task/$u/children" 2>/dev/null)
		[ -n "$NS_PID" ] && tr '\0' ' ' <"/proc/$NS_PID/cmdline" 2>/dev/null | grep '^/sbin/procd' >/dev/null && return 0
		sleep 0.1
	done
	echo "real.sh: procd did not start (try $i)" >&2
	return 1
}
ns() { nsenter -t "$NS_PID" -m -n -p "$@"; }
ns_root() { ns env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root chroot "$R" "$@"; }
# SIGTERM to procd, as `reboot` sends it: the shutdown runs /etc/rc.d/K* shutdown (from
# /etc/inittab), then procd ends every process and, in a container, exits.
shutdown_ns() { # LOGDIR
	local t n0
	t=$(date +%s)
	n0=$(wc -l <"$1/messages" 2>/dev/null || echo 0)
	kill -TERM "$NS_PID"
	for _ in $(seq 300); do
		kill -0 "$NS_LAUNCHER" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$NS_LAUNCHER" 2>/dev/null; then
		fail "procd did not finish the shutdown in 30 s"
		kill -KILL "$NS_PID" 2>/dev/null
	else
		pass "SIGTERM to procd (reboot): shutdown done, procd exited in $(($(date +%s) - t)) s: $(grep -o -- '- [A-Za-z ]* -' "$1/procd.out" | tr '\n' ' ')"
	fi
	wait "$NS_LAUNCHER" 2>/dev/null || true
	# K10loft (stop) runs before K89log: the relay's last line reaches the log.
	tail -n +"$((n0 + 1))" "$1/messages" >"$1/messages.shutdown"
	# K10loft shutdown (stop_service logs, then procd deletes the instance) before K89log.
	grep 'loft: stopping the relay' "$1/messages.shutdown" >/dev/null &&
		pass "rcS K shutdown ran K10loft (its stop is in the log, before K89log stopped the log)" ||
		fail "K10loft did not run at shutdown: $(tail -n 5 "$1/messages.shutdown")"
	# procd's stop does not wait, and the log is stopped right after: the relay's own last
	# line reaches it only when it is quick enough (it is a figure, not a check).
	echo "# the relay's own last line at shutdown: $(grep 'loft\[.*stopped cleanly' "$1/messages.shutdown" | cut -c1-150 || echo "lost (the log stopped first)")"
}

echo "== boot 1: procd as PID 1 in new mount, PID and network namespaces (chroot $R)"
T="$work/logs"
mkdir -p "$T"
rc=0
boot_ns "$T" 0 || exit 1
ns "$self" --inner "$R" "$ipk" "$T" || rc=$?
failures=$((failures + rc))
shutdown_ns "$T"

# Boot 2: the package installed and enabled, the disk there at boot: S95loft boot starts it.
echo "== boot 2: the disk present at boot"
T2="$work/logs2"
mkdir -p "$T2"
boot_ns "$T2" 1 || exit 1
relay2() {
	ns_root ubus call service list '{"name":"loft"}' 2>/dev/null |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["loft"]["instances"]["main"]["pid"])' 2>/dev/null
}
t=$(date +%s)
for _ in $(seq 200); do
	[ -n "$(relay2)" ] && break
	sleep 0.1
done
if [ -n "$(relay2)" ]; then
	pass "at boot, rcS S boot ran S95loft: the relay runs (pid $(relay2)) $(($(date +%s) - t)) s after procd started"
else
	fail "the relay did not start at boot: $(tail -n 5 "$T2/messages")"
fi
export FTP_PASSWORD=chat-password-1 ROOM_KEY=room-secret
client="$repo/tests/support/client_ftpchat.py"
ok2=
for _ in $(seq 50); do
	if ns python3 "$client" send --tls --port 2121 --user chat --room lobby --name ann "after the reboot" >"$T2/send.log" 2>&1; then
		ok2=1
		break
	fi
	sleep 0.2
done
[ -n "$ok2" ] && ns python3 "$client" dump --tls --port 2121 --user chat --room lobby 2>&1 | grep 'after the reboot' >/dev/null &&
	pass "after the reboot, a message in and out over FTPS" || fail "FTPS after the reboot: $(cat "$T2/send.log")"
shutdown_ns "$T2"
echo "== real.sh: $(($(date +%s) - t0)) s in all"
if [ "$failures" = 0 ]; then
	echo "all passed"
else
	echo "$failures failed"
	KEEP=1
fi
exit "$failures"
