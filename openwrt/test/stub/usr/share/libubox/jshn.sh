# A stand-in for libubox's jshn.sh (the real one needs the jshn binary), for the stub
# tests of the hotplug script: json_load keeps the text; json_select checks that the key
# is in it; json_get_var NAME KEY takes the first "KEY":NUMBER. openwrt/test/real.sh runs
# the real jshn.
# shellcheck shell=sh
_stub_json=
json_load() {
	_stub_json=$1
	[ -n "$_stub_json" ]
}
json_select() {
	case "$_stub_json" in *"\"$1\""*) return 0 ;; esac
	return 1
}
json_get_var() {
	eval "$1=\$(printf '%s' \"\$_stub_json\" | sed -n 's/.*\"$2\":\([0-9]*\).*/\1/p')"
}
