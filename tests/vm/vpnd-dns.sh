#!/bin/bash
# Split DNS on vpnd's XFRM interface in a real systemd-resolved, with
# real ESP; run inside the VM by run-in-vm.sh --resolved.
#
# Topology from lib.sh: vpnd in $VMT_CL (uplink vmt-c 192.0.2.2)
# against the strongSwan PSK responder in $VMT_GW (192.0.2.1), whose
# pool hands out the DNS server 198.51.100.53 (on the dummy vmt-lan of
# the protected net 198.51.100.0/24) and the split domain corp.example
# (INTERNAL_DNS_DOMAIN, attribute 25). Two DNS responders
# (tests/dns/dnsresp.py --peer, each logs the names it is asked and
# from which address): the gateway's at 198.51.100.53 (answers
# 198.51.100.99) and the uplink's at 192.0.2.1 (answers 192.0.2.99).
# systemd-resolved, unpacked privately (tests/lib/resolved.sh), runs in
# $VMT_CL on its own dbus-daemon; vpnd gets that bus and no
# VPND_DNS_FILE, so it talks to resolved over D-Bus. The uplink's DNS is
# set as NetworkManager would: the server 192.0.2.1, the search domain
# lan.example.
#
# One case, split:
#  - before: a name under corp.example goes to the uplink's server;
#  - connected: resolved has the server and ~corp.example, no default
#    route, on vpnd's XFRM interface; host.corp.example is answered by
#    the gateway's server over that link, the query came from the
#    virtual IP, every ESP SA on both sides and the interface counted
#    it, the uplink's server never saw it; www.other.example goes to
#    the uplink's server only, and the tunnel carries nothing for it;
#  - disconnected: resolved no longer knows the VPN link (it is gone),
#    corp.example names go to the uplink's server again;
#  - the uplink's resolved settings are the same before, during and
#    after.
#
# Env: VPND, VPNCTL  the built binaries (meson sets them).
set -uo pipefail

VMT_NAME=vpnd-dns
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
vmt_require_vm "$@"

# shellcheck source=vpnd-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/vpnd-lib.sh"
# shellcheck source=../lib/resolved.sh
. "$VMT_LIB/resolved.sh"
vpnd_vm_preflight
for tool in dbus-daemon setpriv busctl python3; do
	command -v "$tool" >/dev/null || {
		echo "FAIL: [$VMT_NAME] missing $tool on the host"; exit 1; }
done
rs_check || {
	echo "FAIL: [$VMT_NAME] no private systemd-resolved: the guest has" \
		"no network, run the test through run-in-vm.sh --resolved"
	exit 1
}

DNSRESP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../dns" && pwd)/dnsresp.py
DOMAIN=corp.example
GW_DNS=198.51.100.53
GW_ANSWER=198.51.100.99
UP_DNS=192.0.2.1
UP_ANSWER=192.0.2.99
UP_IF=vmt-c
VMT_CL_IP=192.0.2.2
# shellcheck disable=SC2034 # read by lib.sh and vpnd-lib.sh
{
# the gateway's pool: the split domain beside its DNS server
VMT_POOL_EXTRA="25 = $DOMAIN"
# vpnd talks to the private resolved (vpnd_connect_case)
VMT_DNS_RESOLVED=1
# the DNS side is set up before vpnd starts (vpnd_connect_case)
VMT_NET_EXTRA=dns_setup
}

vmt_begin

RS_DIR=
RESP_PIDS=()
# the uplink's resolved settings before the connect
UPLINK=

# ---------------------------------------------------------------- DNS side

# responder NAME NS ADDR ANSWER: dnsresp.py on ADDR:53 in NS, logging to
# $VMT_WORK/NAME.log.
responder() {
	local log=$VMT_WORK/$1.log
	ip netns exec "$2" python3 "$DNSRESP" --peer "$3" "$4" "$log" \
		2>>"$log.err" &
	RESP_PIDS+=("$!")
	track_pid "$!"
	wait_for 10 grep -q '^listening' "$log" 2>/dev/null ||
		{ case_fail "the DNS responder on $3 did not start: $(cat "$log.err")"
		  return 1; }
}

# uplink_same WHEN: the uplink's settings are as before.
uplink_same() {
	local up
	up=$(rs_link "$VMT_CL" "$UP_IF") ||
		{ case_fail "busctl: the uplink $UP_IF $1"; return 1; }
	[ "$up" = "$UPLINK" ] ||
		{ case_fail "the uplink's DNS changed $1: $up (was $UPLINK)"; return 1; }
	vmt_log "  uplink $UP_IF's DNS unchanged $1: $up"
}

# dns_setup (VMT_NET_EXTRA): the gateway's DNS server in its protected
# net, both responders, resolved in $VMT_CL on its own bus, the uplink's
# DNS as the LAN's DHCP client leaves it; a name under the domain goes
# to the uplink's server while there is no tunnel.
dns_setup() {
	netns_addr "$VMT_GW" vmt-lan "$GW_DNS/32" || return 1
	responder gw "$VMT_GW" "$GW_DNS" "$GW_ANSWER" || return 1
	responder up "$VMT_GW" "$UP_DNS" "$UP_ANSWER" || return 1
	# resolved runs as nobody: its bus socket cannot be in VMT_WORK.
	RS_DIR=$(mktemp -d /tmp/vpnd-vm-dns-bus.XXXXXX) ||
		{ case_fail "mktemp"; return 1; }
	chmod 755 "$RS_DIR"
	rs_start "$VMT_CL" "$RS_DIR" ||
		{ case_fail "systemd-resolved did not start"; return 1; }
	vmt_log "  systemd-resolved $("$RS_CTL" --version | head -n1 |
		awk '{print $2}') in $VMT_CL on $DBUS_SYSTEM_BUS_ADDRESS"
	rs_ctl "$VMT_CL" dns "$UP_IF" "$UP_DNS" ||
		{ case_fail "resolvectl dns $UP_IF"; return 1; }
	rs_ctl "$VMT_CL" domain "$UP_IF" lan.example ||
		{ case_fail "resolvectl domain $UP_IF"; return 1; }
	UPLINK=$(rs_link "$VMT_CL" "$UP_IF") ||
		{ case_fail "busctl: $UP_IF"; return 1; }
	grep -Eq '^a\(iay\) 1 2 4 192 0 2 1 a\(sb\) 1 "lan\.example" false b true$' \
		<<<"$UPLINK" ||
		{ case_fail "the uplink's DNS is not as set: $UPLINK"; return 1; }
	vmt_log "  uplink $UP_IF before: $UPLINK"
	query before.corp.example "$UP_ANSWER" "$UP_IF" || return 1
	asked before.corp.example up "$VMT_CL_IP" gw || return 1
}

# query NAME ADDR LINK: resolved answers NAME with ADDR, from LINK.
query() {
	local out
	out=$(rs_ctl "$VMT_CL" query --cache=no -4 --legend=no "$1" 2>&1) ||
		{ case_fail "resolvectl query $1: $out"; return 1; }
	grep -Eq "^$(re "$1"): $(re "$2") +-- link: $3\$" <<<"$out" ||
		{ case_fail "query $1: want $2 from link $3, got: $out"; return 1; }
	vmt_log "  resolvectl query $1 -> $2 via $3"
}

# asked NAME WHO FROM NOT: NAME was asked of WHO's server, from FROM
# only, and never of NOT's.
asked() {
	local all from
	all=$(grep -c "^$(re "$1") " "$VMT_WORK/$2.log")
	from=$(grep -c "^$(re "$1") 1 from $(re "$3")\$" "$VMT_WORK/$2.log")
	if [ "$from" -lt 1 ] || [ "$from" != "$all" ]; then
		case_fail "$1: asked of the $2 server $all times, $from of them" \
			"as A from $3: $(paste -sd';' "$VMT_WORK/$2.log")"
		return 1
	fi
	! grep -q "^$(re "$1") " "$VMT_WORK/$4.log" ||
		{ case_fail "$1 was asked of the $4 server too:" \
			"$(grep "^$(re "$1") " "$VMT_WORK/$4.log")"; return 1; }
	vmt_log "  $1 asked of the $2 server only, $from time(s), from $3"
}

# resolved_link_known IFINDEX: resolved's GetLink finds the link.
resolved_link_known() {
	busctl --system call org.freedesktop.resolve1 /org/freedesktop/resolve1 \
		org.freedesktop.resolve1.Manager GetLink i "$1" >/dev/null 2>&1
}

resolved_link_gone() { ! resolved_link_known "$1"; }

# ---------------------------------------------------------------- the case

show_context_more() {
	local f
	if [ -n "${DBUS_SYSTEM_BUS_ADDRESS:-}" ]; then
		echo "----- resolvectl status -----"
		rs_ctl "$VMT_CL" status 2>&1
	fi
	for f in ${RS_DIR:+"$RS_DIR/resolved.log"} "$VMT_WORK/gw.log" \
			"$VMT_WORK/up.log"; do
		[ -f "$f" ] || continue
		echo "----- $f (tail) -----"
		tail -n 30 "$f"
	done
}

run_case() {
	local t0 now idx if_rx0 if_tx0 if_rx1 if_tx1
	t0=$(date +%s.%N)
	vpnd_connect_case "$1" aes256gcm16 false || return 1

	# vpnd's view: the server and the domain from the CP reply, applied
	# through resolved on its XFRM interface.
	vpnctl_run status "$CASE"
	grep -q "  DNS: $(re "$GW_DNS")" <<<"$VPNCTL_OUT" ||
		{ case_fail "vpnctl status does not show the DNS server $GW_DNS"; return 1; }
	grep -Eq "  DNS domains \(split DNS\): $(re "$DOMAIN")\$" <<<"$VPNCTL_OUT" ||
		{ case_fail "vpnctl status does not show the split domain $DOMAIN"; return 1; }
	grep -q "DNS servers applied on $VPN_IF through resolved for the gateway's domains" \
		"$CL_DIR/vpnd.log" ||
		{ case_fail "vpnd.log: DNS not applied on $VPN_IF through resolved"; return 1; }

	# resolved's view: the server and ~corp.example on the VPN link.
	now=$(rs_link "$VMT_CL" "$VPN_IF") ||
		{ case_fail "busctl: $VPN_IF is not a link of resolved"; return 1; }
	grep -Eq "^a\(iay\) 1 2 4 198 51 100 53 a\(sb\) 1 \"$(re "$DOMAIN")\" true b false\$" \
		<<<"$now" ||
		{ case_fail "$VPN_IF in resolved: want $GW_DNS, ~$DOMAIN, no default route; got $now"
		  return 1; }
	vmt_log "  resolved on $VPN_IF: $now"
	rs_ctl "$VMT_CL" status "$VPN_IF" | sed 's/^/    | /'
	uplink_same "while connected" || return 1

	# A name under the domain: through the tunnel to the gateway's server.
	vmt_sa_packets "$VMT_GW" >"$GW_DIR/before"
	vmt_sa_packets "$VMT_CL" >"$CL_DIR/before"
	read -r if_rx0 if_tx0 <<<"$(vpn_if_packets "$VPN_IF")"
	query "host.$DOMAIN" "$GW_ANSWER" "$VPN_IF" || return 1
	asked "host.$DOMAIN" gw "$VIP" up || return 1
	read -r if_rx1 if_tx1 <<<"$(vpn_if_packets "$VPN_IF")"
	vmt_sa_packets "$VMT_GW" >"$GW_DIR/after"
	vmt_sa_packets "$VMT_CL" >"$CL_DIR/after"
	if [ $((if_tx1 - if_tx0)) -lt 1 ] || [ $((if_rx1 - if_rx0)) -lt 1 ]; then
		case_fail "$VPN_IF counted TX $((if_tx1 - if_tx0)) RX $((if_rx1 - if_rx0)) for the query"
		return 1
	fi
	vmt_log "  $VPN_IF counted TX $((if_tx1 - if_tx0)) RX $((if_rx1 - if_rx0)) packets for the query"
	vmt_check_counters "$VMT_CL" "$CL_DIR/before" "$CL_DIR/after" 1 ||
		{ case_fail "the client's ESP SAs did not count the query"; return 1; }
	vmt_check_counters "$VMT_GW" "$GW_DIR/before" "$GW_DIR/after" 1 ||
		{ case_fail "the gateway's ESP SAs did not count the query"; return 1; }

	# Any other name: to the uplink's server, nothing through the tunnel.
	query www.other.example "$UP_ANSWER" "$UP_IF" || return 1
	asked www.other.example up "$VMT_CL_IP" gw || return 1
	vmt_sa_packets "$VMT_CL" >"$CL_DIR/after-other"
	cmp -s "$CL_DIR/after" "$CL_DIR/after-other" ||
		{ case_fail "the ESP SAs counted packets for www.other.example:" \
			"$(paste -sd' ' "$CL_DIR/after") -> $(paste -sd' ' "$CL_DIR/after-other")"
		  return 1; }
	vmt_log "  the tunnel carried nothing for www.other.example"

	idx=$VPN_IF_INDEX
	resolved_link_known "$idx" ||
		{ case_fail "resolved's GetLink does not find $VPN_IF ($idx)"; return 1; }
	vpnd_disconnect_case || return 1
	# resolved drops a link that goes; nothing of vpnd is left there.
	wait_for 5 resolved_link_gone "$idx" ||
		{ case_fail "resolved still knows the VPN link $idx after disconnect"; return 1; }
	vmt_log "  resolved no longer knows link $idx ($VPN_IF)"
	uplink_same "after the disconnect" || return 1
	query "host2.$DOMAIN" "$UP_ANSWER" "$UP_IF" || return 1
	asked "host2.$DOMAIN" up "$VMT_CL_IP" gw || return 1
	vmt_log "case $CASE: OK ($(elapsed_since "$t0")s guest time)"
}

# After every case: vpnd, resolved and its bus, the responders.
dns_cleanup() {
	local i
	vpnd_stop
	rs_stop
	for ((i = ${#RESP_PIDS[@]} - 1; i >= 0; i--)); do
		stop_pid "${RESP_PIDS[i]}"
	done
	RESP_PIDS=()
	if [ -n "$RS_DIR" ] && [ "${VPND_VM_KEEP:-0}" != 1 ]; then
		rm -rf "$RS_DIR"
	fi
}

vmt_run_cases dns_cleanup "split"
