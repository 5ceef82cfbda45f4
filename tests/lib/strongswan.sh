# shellcheck shell=bash
# Private strongSwan instances (charon-systemd) for the shell suites
# (sourced after common.sh): each has its own strongswan.conf, vici
# socket, swanctl dir and log file in a directory DIR, and runs in a
# network namespace. No resolve plugin, so that no instance writes the
# host's /etc/resolv.conf. The functions report through fail and return 1
# on error.

SW_CHARON=/usr/sbin/charon-systemd

# require_strongswan: skip unless charon-systemd, swanctl and pki exist.
require_strongswan() {
	[ -x "$SW_CHARON" ] ||
		skip "$SW_CHARON missing (apt-get install charon-systemd)"
	require_tools swanctl pki
}

# sw_mkdirs DIR: what swanctl --load-all reads below SWANCTL_DIR.
sw_mkdirs() {
	local sub
	for sub in x509 x509ca x509ocsp x509aa x509ac x509crl pubkey private \
		   rsa ecdsa bliss pkcs8 pkcs12; do
		mkdir -p "$1/$sub"
	done
	chmod 700 "$1/private" "$1/rsa" "$1/ecdsa" "$1/pkcs8" "$1/pkcs12"
}

# sw_write_conf DIR [OPTION LINE...]: DIR/strongswan.conf and the
# DIR/swanctl tree; each OPTION LINE (e.g. "install_routes = no") goes
# into the charon-systemd section.
sw_write_conf() {
	local d=$1 opt opts=
	shift
	for opt in "$@"; do
		opts+="  $opt"$'\n'
	done
	mkdir -p "$d"
	sw_mkdirs "$d/swanctl"
	cat >"$d/strongswan.conf" <<EOC
charon-systemd {
  load_modular = yes
  plugins {
    include /etc/strongswan.d/charon/*.conf
    vici { socket = unix://$d/charon.vici }
    resolve { load = no }
  }
  filelog {
    log {
      path = $d/charon.log
      time_format = %T
      flush_line = yes
      default = 1
      ike = 2
      knl = 2
      cfg = 2
      enc = 1
    }
  }
  journal { default = -1 }
${opts}}
charon {
  plugins {
    vici { socket = unix://$d/charon.vici }
    resolve { load = no }
  }
}
swanctl { socket = unix://$d/charon.vici }
EOC
}

# sw_start NS DIR: charon-systemd in NS (PID in DIR/pid, stopped on
# exit); waits up to 30 s for its vici socket.
sw_start() {
	local ns=$1 d=$2 pid wrap=()
	# SW_WRAP: a debugging hook, e.g. "gdb -q -batch -ex run -ex bt --args"
	read -ra wrap <<<"${SW_WRAP:-}"
	rm -f "$d/charon.vici"
	STRONGSWAN_CONF=$d/strongswan.conf \
		ip netns exec "$ns" "${wrap[@]}" "$SW_CHARON" \
		>"$d/stdout.log" 2>&1 </dev/null &
	pid=$!
	track_pid "$pid"
	echo "$pid" >"$d/pid"
	# shellcheck disable=SC2317 # called through wait_for
	sw_up() { [ -S "$d/charon.vici" ] || ! kill -0 "$pid" 2>/dev/null; }
	wait_for 30 sw_up || :
	if ! kill -0 "$pid" 2>/dev/null; then
		fail "charon-systemd in $ns died at start: $(tail -n 5 "$d/stdout.log")"
		return 1
	fi
	[ -S "$d/charon.vici" ] ||
		{ fail "charon-systemd in $ns did not create $d/charon.vici"; return 1; }
	log "charon-systemd started in $ns (pid $pid)"
}

# sw_stop DIR: stops that instance (by its PID).
sw_stop() {
	local pid
	pid=$(cat "$1/pid" 2>/dev/null) || return 0
	stop_pid "$pid"
	rm -f "$1/pid" "$1/charon.vici"
}

# sw_ctl NS DIR ARGS...: swanctl against that private instance.
sw_ctl() {
	local ns=$1 d=$2
	shift 2
	# swanctl tries every plugin it was built with: that noise is dropped
	# from its stderr through a pipe (the VM has no /dev/fd for a process
	# substitution); with pipefail the status stays swanctl's.
	{ STRONGSWAN_CONF=$d/strongswan.conf SWANCTL_DIR=$d/swanctl \
		ip netns exec "$ns" swanctl "$@" 2>&1 1>&3 3>&- |
		{ grep -v "^plugin '.*': failed to load" || :; } >&2; } 3>&1
}

# sw_load NS DIR [FILE]: swanctl --load-all of FILE (DIR/swanctl/
# swanctl.conf); at least one connection must be loaded.
sw_load() {
	local ns=$1 d=$2 f=${3:-$2/swanctl/swanctl.conf} out
	out=$(sw_ctl "$ns" "$d" --load-all --file "$f" 2>&1) ||
		{ fail "swanctl --load-all in $ns: $out"; return 1; }
	printf '%s\n' "$out" >"$d/load.log"
	grep -q "loaded connection '" <<<"$out" ||
		{ fail "swanctl --load-all loaded no connection: $out"; return 1; }
}

# sw_psk_secret LOCAL_ID REMOTE_ID PSK: a swanctl.conf secrets entry.
sw_psk_secret() {
	printf 'ike-1 { id-1 = %s\n      id-2 = %s\n      secret = "%s" }' \
		"$1" "$2" "$3"
}
