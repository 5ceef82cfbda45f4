# shellcheck shell=bash
# A private, real systemd-resolved for the DNS tests (sourced after
# common.sh), on a private system bus, in a network namespace.
#
# Installing the systemd-resolved package would take over the host's
# /etc/resolv.conf (its postinst links it to the stub), so it is never
# installed: `apt-get download` + `dpkg -x` into $VPND_RS_CACHE (default
# /var/cache/vpnd-test-resolved), as tests/lib/libreswan.sh does for
# pluto; the version of the host's libsystemd-shared first, since the
# binary links it. It runs:
#   - on its own dbus-daemon (a system bus of our config, its socket in
#     the test's dir; DBUS_SYSTEM_BUS_ADDRESS names it to every client);
#   - in the namespace NS, in a mount namespace of its own (`ip netns
#     exec` makes one, a slave of the host's) with a tmpfs on
#     /run/systemd (its resolv.conf files and resolved.conf.d: ours) and
#     an empty /etc/resolv.conf bound over the host's, so it neither sees
#     the host's name servers nor writes anything the host sees;
#   - as nobody with CAP_NET_BIND_SERVICE, CAP_NET_RAW and CAP_SETPCAP,
#     the capabilities it keeps when it drops root itself (that needs a
#     systemd-resolve user, which this host need not have); no LLMNR,
#     mDNS, stub listener, DNSSEC or cache.
#
# Functions (non-zero with a message on stderr on failure):
#   rs_prepare            download/unpack once (needs root and apt)
#   rs_check              status 0 iff the unpacked resolved is usable
#   rs_start NS DIR       dbus-daemon and resolved, files in DIR (which
#                         nobody must reach: not below T_TMP); exports
#                         DBUS_SYSTEM_BUS_ADDRESS; the PIDs are tracked
#                         (and in RS_PIDS)
#   rs_stop               stops both (before the test's end: a harness
#                         that runs several cases in one script)
#   rs_ctl NS ARGS...     the unpacked resolvectl in NS on that bus
#   rs_link NS DEV        "dns=... domains=... default-route=..." of DEV's
#                         D-Bus properties (busctl, sorted, one line)

RS_CACHE=${VPND_RS_CACHE:-/var/cache/vpnd-test-resolved}
RS_ROOT=$RS_CACHE/root
RS_BIN=$RS_ROOT/lib/systemd/systemd-resolved
RS_CTL=$RS_ROOT/usr/bin/resolvectl
# the dbus-daemon and resolved of rs_start
RS_PIDS=()

rs_err() { echo "resolved.sh: $*" >&2; }

rs_check() {
	if ! [ -x "$RS_BIN" ] || ! [ -x "$RS_CTL" ]; then
		rs_err "no unpacked systemd-resolved in $RS_ROOT"
		return 1
	fi
	if ldd "$RS_BIN" | grep -q 'not found'; then
		rs_err "$RS_BIN lacks libraries: $(ldd "$RS_BIN" | grep 'not found')"
		return 1
	fi
}

rs_unpack() {
	local ver log=$RS_CACHE/apt.log
	# The library resolved links (a machine without systemd, such as a
	# container, lacks it; it is a library only, no service).
	ver=$(dpkg-query -W -f='${db:Status-Abbrev}${Version}' libsystemd-shared 2>/dev/null)
	if [ "${ver:0:2}" = ii ]; then
		ver=${ver:3}
	else
		DEBIAN_FRONTEND=noninteractive apt-get install -y \
			--no-install-recommends libsystemd-shared >>"$log" 2>&1 ||
			{ rs_err "cannot install libsystemd-shared (see $log)"; return 1; }
		ver=$(dpkg-query -W -f='${Version}' libsystemd-shared)
	fi
	rm -f "$RS_CACHE"/systemd-resolved_*.deb
	(cd "$RS_CACHE" && { apt-get download "systemd-resolved=$ver" ||
		apt-get download systemd-resolved; }) >>"$log" 2>&1 ||
		{ apt-get update >>"$log" 2>&1 &&
		  (cd "$RS_CACHE" && apt-get download systemd-resolved) >>"$log" 2>&1; } ||
		{ rs_err "apt-get download systemd-resolved failed (see $log)"; return 1; }
	rm -rf "$RS_ROOT.new" &&
		dpkg -x "$RS_CACHE"/systemd-resolved_*.deb "$RS_ROOT.new" &&
		rm -rf "$RS_ROOT" && mv "$RS_ROOT.new" "$RS_ROOT"
}

rs_prepare() {
	[ "$(id -u)" = 0 ] || { rs_err "needs root"; return 1; }
	mkdir -p "$RS_CACHE" || return 1
	(
		flock -w 600 9 || { rs_err "cannot lock $RS_CACHE/.lock"; exit 1; }
		[ -x "$RS_BIN" ] || rs_unpack || exit 1
	) 9>"$RS_CACHE/.lock" && rs_check
}

rs_bus_conf() { # DIR
	cat <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$1/bus.sock</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
CONF
}

rs_start() { # NS DIR
	local ns=$1 dir=$2 pid i
	mkdir -p "$dir" || return 1
	rs_bus_conf "$dir" >"$dir/bus.conf"
	printf '[Resolve]\nLLMNR=no\nMulticastDNS=no\nDNSStubListener=no\nDNSSEC=no\nCache=no\nReadEtcHosts=no\n' \
		>"$dir/resolved.conf"
	: >"$dir/resolv.conf"
	dbus-daemon --config-file="$dir/bus.conf" --nofork --nopidfile \
		--nosyslog >>"$dir/dbus.log" 2>&1 &
	pid=$!
	track_pid "$pid"
	RS_PIDS=("$pid")
	for ((i = 0; i < 100; i++)); do
		[ -S "$dir/bus.sock" ] && break
		sleep 0.1
	done
	[ -S "$dir/bus.sock" ] || { rs_err "dbus-daemon did not start"; return 1; }
	export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$dir/bus.sock
	# shellcheck disable=SC2016 # $1.. belong to the inner sh
	# (the vm suite's guest has an empty /run: no /run/systemd there)
	ip netns exec "$ns" sh -c '
		mkdir -p /run/systemd &&
		mount -t tmpfs -o mode=0755 tmpfs /run/systemd &&
		mkdir -p /run/systemd/resolve /run/systemd/resolved.conf.d &&
		chown 65534:65534 /run/systemd/resolve &&
		cp "$1/resolved.conf" /run/systemd/resolved.conf.d/vpnd-test.conf &&
		mount --bind "$1/resolv.conf" /etc/resolv.conf || exit 125
		shift
		exec "$@"' sh "$dir" \
		setpriv --reuid 65534 --regid 65534 --clear-groups \
		--inh-caps +net_bind_service,+net_raw,+setpcap \
		--ambient-caps +net_bind_service,+net_raw,+setpcap \
		env SYSTEMD_LOG_LEVEL=debug "$RS_BIN" >>"$dir/resolved.log" 2>&1 &
	pid=$!
	track_pid "$pid"
	RS_PIDS+=("$pid")
	for ((i = 0; i < 100; i++)); do
		rs_ctl "$ns" status >/dev/null 2>&1 && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	rs_err "systemd-resolved did not come up on the private bus"
	tail -n 20 "$dir/resolved.log" >&2
	return 1
}

rs_stop() {
	local i
	for ((i = ${#RS_PIDS[@]} - 1; i >= 0; i--)); do
		stop_pid "${RS_PIDS[i]}"
	done
	RS_PIDS=()
	unset DBUS_SYSTEM_BUS_ADDRESS
}

rs_ctl() { # NS ARGS...
	local ns=$1
	shift
	ip netns exec "$ns" env DBUS_SYSTEM_BUS_ADDRESS="$DBUS_SYSTEM_BUS_ADDRESS" \
		"$RS_CTL" --no-pager "$@"
}

# The object path of a link: /org/freedesktop/resolve1/link/_3<digits>
# (sd-bus's label escape: a leading digit N becomes _3N).
rs_link_path() { # IFINDEX
	echo "/org/freedesktop/resolve1/link/_3${1:0:1}${1:1}"
}

rs_link() { # NS DEV
	local idx path
	idx=$(ip netns exec "$1" cat "/sys/class/net/$2/ifindex") || return 1
	path=$(rs_link_path "$idx")
	ip netns exec "$1" env DBUS_SYSTEM_BUS_ADDRESS="$DBUS_SYSTEM_BUS_ADDRESS" \
		busctl --system get-property org.freedesktop.resolve1 "$path" \
		org.freedesktop.resolve1.Link DNS Domains DefaultRoute |
		paste -sd' '
}
