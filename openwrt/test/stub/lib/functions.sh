# A stand-in for OpenWrt's /lib/functions.sh, for testing the init and hotplug scripts
# on a machine without OpenWrt: the UCI part (config_load, config_get, config_get_bool,
# config_foreach, config_list_foreach) with the same semantics, reading UCI files from
# $UCI_CONFIG_DIR; procd and jshn calls are recorded in $PROCD_LOG.
# shellcheck shell=sh disable=SC2034,SC2154

CONFIG_SECTIONS=""
CONFIG_SECTION=""
CONFIG_NUM_SECTIONS=0

# UCI file syntax is shell syntax: `config TYPE [NAME]`, `option NAME VALUE`, `list NAME VALUE`.
config() {
	CONFIG_NUM_SECTIONS=$((CONFIG_NUM_SECTIONS + 1))
	CONFIG_SECTION=${2:-cfg$(printf '%02d' "$CONFIG_NUM_SECTIONS")}
	CONFIG_SECTIONS="$CONFIG_SECTIONS $CONFIG_SECTION"
	eval "CONFIG_${CONFIG_SECTION}_TYPE=\$1"
}

option() {
	eval "CONFIG_${CONFIG_SECTION}_$1=\$2"
}

list() {
	eval "_n=\${CONFIG_${CONFIG_SECTION}_$1_LENGTH:-0}"
	_n=$((_n + 1))
	eval "CONFIG_${CONFIG_SECTION}_$1_LENGTH=\$_n"
	eval "CONFIG_${CONFIG_SECTION}_$1_ITEM$_n=\$2"
	eval "CONFIG_${CONFIG_SECTION}_$1=\"\${CONFIG_${CONFIG_SECTION}_$1:+\${CONFIG_${CONFIG_SECTION}_$1} }\$2\""
}

config_load() {
	for _s in $CONFIG_SECTIONS; do
		unset "CONFIG_${_s}_TYPE"
	done
	CONFIG_SECTIONS=""
	CONFIG_NUM_SECTIONS=0
	# shellcheck source=/dev/null
	[ -f "$UCI_CONFIG_DIR/$1" ] && . "$UCI_CONFIG_DIR/$1"
	return 0
}

# config_get VAR SECTION OPTION [DEFAULT] | config_get SECTION OPTION (prints)
config_get() {
	case "$3" in
	"") eval "echo \"\${CONFIG_${1}_${2}:-\${4}}\"" ;;
	*) eval "$1=\${CONFIG_${2}_${3}:-\${4}}" ;;
	esac
}

config_get_bool() {
	config_get _tmp "$2" "$3" "$4"
	case "$_tmp" in
	1 | on | true | yes | enabled) _tmp=1 ;;
	0 | off | false | no | disabled) _tmp=0 ;;
	*) _tmp="$4" ;;
	esac
	eval "$1=\$_tmp"
}

config_foreach() {
	_fn=$1
	_type=$2
	shift 2
	for _sec in $CONFIG_SECTIONS; do
		eval "_t=\${CONFIG_${_sec}_TYPE}"
		[ "$_t" = "$_type" ] || continue
		"$_fn" "$_sec" "$@"
	done
}

config_list_foreach() {
	_sec=$1 _opt=$2 _fn=$3
	shift 3
	eval "_len=\${CONFIG_${_sec}_${_opt}_LENGTH:-0}"
	_i=1
	while [ "$_i" -le "$_len" ]; do
		eval "_v=\${CONFIG_${_sec}_${_opt}_ITEM$_i}"
		"$_fn" "$_v" "$@"
		_i=$((_i + 1))
	done
}

# procd and jshn: recorded, one call a line.
_rec() { printf '%s\n' "$*" >>"${PROCD_LOG:-/dev/null}"; }
procd_open_instance() { _rec procd_open_instance "$@"; }
procd_set_param() { _rec procd_set_param "$@"; }
procd_close_instance() { _rec procd_close_instance "$@"; }
procd_open_data() { _rec procd_open_data "$@"; }
procd_close_data() { _rec procd_close_data "$@"; }
procd_add_reload_trigger() { _rec procd_add_reload_trigger "$@"; }
procd_send_signal() { _rec procd_send_signal "$@"; }
json_add_array() { _rec json_add_array "$@"; }
json_add_object() { _rec json_add_object "$@"; }
json_add_string() { _rec json_add_string "$@"; }
json_close_object() { _rec json_close_object "$@"; }
json_close_array() { _rec json_close_array "$@"; }
reload_config() { _rec reload_config "$@"; }
