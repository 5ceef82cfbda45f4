#!/bin/bash
# DNS through a real systemd-resolved (its D-Bus API), no mock: resolved
# unpacked privately and run in the client's namespace on a private
# system bus (tests/lib/resolved.sh). The client has an uplink (up0, the
# LAN's DNS server 192.0.2.1, set as NetworkManager would: a server and
# the search domain lan.example) and a VPN link (vpn0) to the gateway's
# namespace, whose DNS server 198.51.100.1 answers 203.0.113.2 and the
# LAN's 203.0.113.1; each logs the names it is asked.
#
# This kernel has no ESP, so vpnd cannot bring a tunnel up here: the
# DNS half of its host side is driven by vpnd-test-dnsctl, which makes
# hostcfg's calls (netcfg_dns_apply on the given link, the record under
# the state directory, netcfg_tunnel_down). The restart after a crash is
# the real vpnd: its start-up cleanup reverts what the killed one left.
#
#  1. split tunnel (the gateway's domain corp.example): vpn0 gets the
#     server, ~corp.example and no default route; a name under the
#     domain is asked of the gateway only, another name of the LAN only
#  2. disconnect: vpn0 reverted (RevertLink), the record gone
#  3. full tunnel (~.): every name goes to the gateway, none to the LAN
#  4. the applier killed with SIGKILL, its DNS still on vpn0; vpnd
#     started on its state directory reverts it; names go to the LAN
# The uplink's resolved settings are the same before, during and after.
# shellcheck disable=SC2034 # read by tests/lib/common.sh
T_SUITE=dns
LIB=$(dirname "${BASH_SOURCE[0]}")/../lib
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/common.sh
. "$LIB/common.sh"
# shellcheck source=../lib/netns.sh
. "$LIB/netns.sh"
# shellcheck source=../lib/vpnd.sh
. "$LIB/vpnd.sh"
# shellcheck source=../lib/resolved.sh
. "$LIB/resolved.sh"

NS_CL=vpnd-dns-cl-$T_ID
NS_UP=vpnd-dns-up-$T_ID
NS_GW=vpnd-dns-gw-$T_ID
CONN=office

show_context() {
	rs_ctl "$NS_CL" status 2>&1 | sed 's/^/  | /'
	tail_file "$RS_DIR/resolved.log" 30
	tail_file "$T_TMP/up.log" 20
	tail_file "$T_TMP/gw.log" 20
	tail_file "$CL_DIR/vpnd.log" 20
}

require_exe VPND DNSCTL
require_netns
require_tools dbus-daemon setpriv python3 busctl
rs_prepare || skip "no private systemd-resolved (see above)"
t_begin
CL_DIR=$T_TMP/client
# resolved runs as nobody: its bus socket cannot be in the private T_TMP.
RS_DIR=$(mktemp -d /tmp/vpnd-dns-bus.XXXXXX) || fail "mktemp"
chmod 755 "$RS_DIR"
# shellcheck disable=SC2317 # called by t_cleanup
cleanup_hook() {
	if [ "${VPND_TEST_KEEP:-0}" = 1 ]; then echo "kept $RS_DIR"
	else rm -rf "$RS_DIR"; fi
}
STATE=$CL_DIR/state
client_dir "$CL_DIR"

netns_add "$NS_CL"
netns_add "$NS_UP"
netns_add "$NS_GW"
veth_link "$NS_CL" up0 192.0.2.2/24 "$NS_UP" upr0 192.0.2.1/24
veth_link "$NS_CL" vpn0 198.51.100.2/24 "$NS_GW" gw0 198.51.100.1/24

responder() { # NS ADDR ANSWER LOG
	ip netns exec "$1" python3 "$HERE/dnsresp.py" "$2" "$3" "$4" \
		2>>"$4.err" &
	track_pid $!
	wait_for 10 grep -q '^listening' "$4" 2>/dev/null ||
		fail "the DNS responder on $2 did not start"
}
responder "$NS_UP" 192.0.2.1 203.0.113.1 "$T_TMP/up.log"
responder "$NS_GW" 198.51.100.1 203.0.113.2 "$T_TMP/gw.log"

rs_start "$NS_CL" "$RS_DIR" || fail "cannot start systemd-resolved"
log "systemd-resolved $("$RS_CTL" --version | head -n1 | awk '{print $2}') on $DBUS_SYSTEM_BUS_ADDRESS"

# The uplink as the LAN's DHCP client (NetworkManager) leaves it.
rs_ctl "$NS_CL" dns up0 192.0.2.1 || fail "resolvectl dns up0"
rs_ctl "$NS_CL" domain up0 lan.example || fail "resolvectl domain up0"
UPLINK=$(rs_link "$NS_CL" up0) || fail "busctl: up0"
log "uplink before: $UPLINK"
assert_match "$UPLINK" '^a\(iay\) 1 2 4 192 0 2 1 a\(sb\) 1 "lan\.example" false b true$' \
	"up0's DNS as set"

uplink_same() { # WHEN
	local now
	now=$(rs_link "$NS_CL" up0) || fail "busctl: up0 $1"
	[ "$now" = "$UPLINK" ] || fail "up0's DNS changed $1: $now"
	log "ok: uplink unchanged $1"
}

dnsctl() { # ARGS...
	ip netns exec "$NS_CL" env DBUS_SYSTEM_BUS_ADDRESS="$DBUS_SYSTEM_BUS_ADDRESS" \
		"$DNSCTL" "$@"
}

# query NAME ADDR LINK: resolved answers NAME with ADDR, from LINK.
query() {
	local out
	out=$(rs_ctl "$NS_CL" query --cache=no -4 --legend=no "$1" 2>&1) ||
		fail "query $1: $out"
	assert_match "$out" "^$(re "$1"): $(re "$2") +-- link: $3\$" "query $1"
	log "ok: $1 -> $2 via $3"
}

# asked NAME WHO NOT: NAME is in WHO's log and not in NOT's.
asked() {
	assert_file_match "$T_TMP/$2.log" "^$(re "$1") 1\$" "$1 asked of $2"
	! grep -q "^$(re "$1") " "$T_TMP/$3.log" ||
		fail "$1 was asked of $3 too"
	log "ok: $1 asked of $2 only"
}

vpn_dns() { rs_link "$NS_CL" vpn0 || fail "busctl: vpn0"; }

# ---- 1. split tunnel
out=$(dnsctl apply "$STATE" "$CONN" vpn0 -d corp.example 198.51.100.1) ||
	fail "apply: $out"
assert_match "$out" '^method=resolved link=vpn0 ' "the manager"
now=$(vpn_dns)
log "vpn0: $now"
assert_match "$now" '^a\(iay\) 1 2 4 198 51 100 1 a\(sb\) 1 "corp\.example" true b false$' \
	"vpn0: the server, ~corp.example, no default route"
rs_ctl "$NS_CL" status vpn0 | sed 's/^/  | /'
assert_file_match "$STATE/$CONN.netcfg" "^dns method=resolved dev=vpn0 ifindex=[0-9]+ path=-\$" \
	"the record"
uplink_same "with the split tunnel"
query host.corp.example 203.0.113.2 vpn0
asked host.corp.example gw up
query www.other.example 203.0.113.1 up0
asked www.other.example up gw

# ---- 2. disconnect
out=$(dnsctl down "$STATE" "$CONN") || fail "down: $out"
now=$(vpn_dns)
assert_match "$now" '^a\(iay\) 0 a\(sb\) 0 ' "vpn0 reverted after the disconnect"
[ ! -e "$STATE/$CONN.netcfg" ] || fail "the record is still there"
log "ok: vpn0 reverted ($now), record removed"
uplink_same "after the disconnect"
query host2.corp.example 203.0.113.1 up0
asked host2.corp.example up gw

# ---- 3. full tunnel, then 4. killed
dnsctl hold "$STATE" "$CONN" vpn0 -f 198.51.100.1 >"$T_TMP/hold.out" 2>&1 &
HOLD=$!
track_pid "$HOLD"
wait_for 10 grep -q '^method=resolved' "$T_TMP/hold.out" ||
	fail "hold: $(cat "$T_TMP/hold.out")"
now=$(vpn_dns)
log "vpn0: $now"
assert_match "$now" '^a\(iay\) 1 2 4 198 51 100 1 a\(sb\) 1 "\." true b true$' \
	"vpn0: the server, ~. and the default route"
uplink_same "with the full tunnel"
query www3.other.example 203.0.113.2 vpn0
asked www3.other.example gw up

kill_pid "$HOLD" || fail "the applier was already gone"
log "applier (pid $HOLD) killed with SIGKILL"
now=$(vpn_dns)
assert_match "$now" '"\." true' "vpn0's DNS left behind by the killed applier"
[ -e "$STATE/$CONN.netcfg" ] || fail "no record left by the killed applier"

VPND_ENV=("DBUS_SYSTEM_BUS_ADDRESS=$DBUS_SYSTEM_BUS_ADDRESS")
vpnd_start
wait_for 20 test ! -e "$STATE/$CONN.netcfg" ||
	fail "vpnd did not clean up the record"
assert_file_match "$CL_DIR/vpnd.log" "removing what connection $CONN left behind" \
	"vpnd's cleanup"
now=$(vpn_dns)
assert_match "$now" '^a\(iay\) 0 a\(sb\) 0 ' "vpn0 reverted by the restarted vpnd"
log "ok: the restarted vpnd reverted vpn0 ($now)"
uplink_same "after the crash and restart"
query www4.other.example 203.0.113.1 up0
asked www4.other.example up gw
vpnd_stop
pass
