# shellcheck shell=bash
# shellcheck disable=SC2034 # FLOOD_OPTS and VMT_NET_EXTRA are read by the libs
# The MOBIKE (RFC 4555) VM cases with real ESP, shared by vpnd-mobike.sh
# (strongSwan gateway) and libreswan-mobike.sh (libreswan's pluto);
# sourced after lib.sh and vmt_require_vm, not executed: it sources
# vpnd-lib.sh and flood-lib.sh and runs their preflights.
#
# Topology as in vpnd-esp.sh, plus lib.sh's second uplink between the
# namespaces (vmt_second_uplink):
#   vmt-cl 203.0.113.130/25 --veth-- 203.0.113.129/25 vmt-gw
# and in vmt-cl a route to 192.0.2.0/24 through it at metric 500 (source
# 203.0.113.130), so that it takes over when the first uplink's address
# goes (the link stays up), and goes with its own address.
# With one ping every 100 ms from the virtual IP to 198.51.100.1 running,
# the first uplink's address 192.0.2.2 is deleted (move). Then:
#   - the ping must be answered again within 1 s of the change (when
#     "ip addr del" has returned, flood_addr_del of flood-lib.sh): the
#     first echo sent after the change and answered (its send time is the
#     answer's -D timestamp less its round trip), with the time of its
#     answer, is logged as "MOBIKE move N: traffic resumed after S s";
#   - the gateway's own checks (the test's mobike_gw_moved): the same IKE SA at
#     the new address on 4500 with the Child SA of the connect;
#   - both kernels hold exactly the two ESP SAs of the connect (same SPIs:
#     a move, not a new Child SA), now between 192.0.2.1 and the new
#     address, and the tunnel policies on both sides name the new
#     address only;
#   - vpnd logs the move, keeps the virtual IP and counts the tunnel as up;
#     the virtual IP and the route to 198.51.100.0/24 (source the virtual
#     IP) stay on the connection's VPN interface, the same one as before.
# mobike_run_case NAME THEN runs one case: THEN "back" moves back to the
# first uplink after the move (192.0.2.2 returns, 203.0.113.130 goes;
# vpnd moves when 192.0.2.2 returns, since the route prefers it, so the
# time measured for move 2 is only a round trip, while the checks and
# the loss allowed are those of move 1),
# "link" takes the first uplink's link down after the move (the ping must
# go on within 1 s), "-" nothing. The ping's statistics allow 10 lost
# echoes (1 s) per move, the ESP SAs on both sides must have counted
# every answered echo, and after disconnect no SA or policy may be left
# on either side.
#
# The test defines the gateway's side:
#   mobike_gw_connected   after the connect: the gateway has one IKE SA,
#                         from 192.0.2.2, with the Child SA of the connect
#                         (SPI_IN, SPI_OUT); sets IKE_SPIS ("SPIi_SPIr",
#                         vpnd-lib.sh)
#   mobike_gw_moved N FROM TO  after move N: the gateway shows the IKE SA
#                         IKE_SPIS at TO:4500 with that Child SA, and that
#                         it processed an UPDATE_SA_ADDRESSES (for
#                         strongSwan vpnd-lib.sh's gw_moved)
#   mobike_gw_disconnected  (optional) more checks after the disconnect
# They report with case_fail and return 1.

# shellcheck source=vpnd-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/vpnd-lib.sh"
vpnd_vm_preflight
# shellcheck source=flood-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/flood-lib.sh"
flood_preflight

# a timestamp on every line, for flood_resumed_after
FLOOD_OPTS=(-D)

GW_IP=192.0.2.1
CL_IP=192.0.2.2
CL_IP2=$VMT_CL_IP2
# the longest a move may stop the traffic, in seconds and in echoes
MAX_GAP=1.0
MAX_LOST_PER_MOVE=10

# Run on exit by tests/lib/common.sh.
cleanup_hook() { stop_flood; ls_stop_all; }

# ---------------------------------------------------------------- probes

# kernel_sas_at NS ADDR: NS holds exactly the two ESP SAs of the connect,
# vpnd's inbound one from the gateway to ADDR and its outbound one from
# ADDR to the gateway.  Sets KSTATE.
KSTATE=
kernel_sas_at() {
	KSTATE=$(ip -n "$1" xfrm state)
	[ "$(grep -c '^src ' <<<"$KSTATE")" = 2 ] &&
		awk -v a="$2" -v g="$GW_IP" -v si="0x$SPI_IN" -v so="0x$SPI_OUT" '
			/^src / { src = $2; dst = $4; next }
			/^\tproto esp spi / {
				spi = $4
				if (spi == si && src == g && dst == a) ok_in = 1
				if (spi == so && src == a && dst == g) ok_out = 1
			}
			END { exit !(ok_in && ok_out) }' <<<"$KSTATE"
}

# policies_at NS ADDR: NS's three tunnel templates go between the
# gateway and ADDR (in vmt-cl out from ADDR, in and fwd to it; in vmt-gw
# the other way round) and none names another address.
policies_at() {
	local pol tmpl out=$2 peer=$GW_IP
	[ "$1" = "$VMT_GW" ] && out=$GW_IP peer=$2
	pol=$(ip -n "$1" xfrm policy)
	tmpl=$(grep -E '^\s*tmpl src ' <<<"$pol")
	[ "$(grep -c . <<<"$tmpl")" = 3 ] &&
		[ "$(grep -c "tmpl src $out dst $peer\$" <<<"$tmpl")" = 1 ] &&
		[ "$(grep -c "tmpl src $peer dst $out\$" <<<"$tmpl")" = 2 ]
}

# status_at ADDR: vpnctl status shows the IKE SA of the connect
# established from ADDR[4500], the move to ADDR in its path history, the
# Child SA of the connect installed and the virtual IP.
status_at() {
	local status re=${1//./\\.}
	status=$(timeout 20 "$VPNCTL" -s "$CL_DIR/vpnd.sock" status "$CASE" 2>/dev/null)
	grep -q "^$CASE: established" <<<"$status" &&
		grep -Fq "IKE SA: SPIs ${IKE_SPIS%_*}_i ${IKE_SPIS#*_}_r" <<<"$status" &&
		grep -Eq "local $re\[4500\]" <<<"$status" &&
		grep -Eq "^ *path .*: moved to $re \(MOBIKE\)\$" <<<"$status" &&
		[ "$(status_spis "$status")" = "$SPI_IN $SPI_OUT" ] &&
		grep -Eq 'child SA: ESP .*, installed' <<<"$status" &&
		grep -Eq "^ *virtual IP: $VIP/" <<<"$status"
}

# host_side_on DEV: the virtual IP is on DEV and the route to
# 198.51.100.1 from it leaves through DEV.  Sets HOST_SIDE.
HOST_SIDE=
host_side_on() {
	local addr route
	addr=$(ip -n "$VMT_CL" -o -4 addr show to "$VIP/32")
	route=$(ip -n "$VMT_CL" route get 198.51.100.1 from "$VIP" 2>&1 | head -n1)
	HOST_SIDE="virtual IP on $(awk '{ print $2 }' <<<"$addr"); route: $route"
	[ "$(awk '{ print $2 }' <<<"$addr")" = "$1" ] &&
		grep -q " dev $1 " <<<"$route"
}

# over_gap SECONDS: more than MAX_GAP?
over_gap() { awk -v s="$1" -v m="$MAX_GAP" 'BEGIN { exit !(s > m) }'; }

# ---------------------------------------------------------------- a move

# move N FROM FROM_DEV FROM_LEN TO TO_DEV: deletes FROM (on FROM_DEV)
# from vmt-cl, then checks that traffic came back within MAX_GAP and that
# the IKE SA and the Child SA moved to TO (on TO_DEV) on both sides.
move() {
	local n=$1 from=$2 dev=$3 len=$4 to=$5 to_dev=$6 line ns
	flood_addr_del "move $n" "$VMT_CL" "$from/$len" "$dev" || return 1
	vmt_log "MOBIKE move $n ($from -> $to): traffic resumed after" \
		"$DEL_SECS s (first answered echo sent after the change:" \
		"icmp_seq=$DEL_SEQ)"
	if over_gap "$DEL_SECS"; then
		case_fail "move $n: traffic resumed only $DEL_SECS s after the" \
			"address change (at most $MAX_GAP s allowed)"
		return 1
	fi
	mobike_gw_moved "$n" "$from" "$to" || return 1
	for ns in "$VMT_CL" "$VMT_GW"; do
		if ! wait_for 2 kernel_sas_at "$ns" "$to"; then
			case_fail "move $n: $ns's kernel does not hold exactly the" \
				"Child SA $SPI_IN/$SPI_OUT between $GW_IP and $to:" \
				"$(grep -E '^src |proto esp' <<<"$KSTATE" | tr '\n' ' ')"
			return 1
		fi
		vmt_log "  $ns kernel: ESP SAs in 0x$SPI_IN $GW_IP>$to," \
			"out 0x$SPI_OUT $to>$GW_IP (the SAs of the connect)"
	done
	for ns in "$VMT_CL" "$VMT_GW"; do
		wait_for 2 policies_at "$ns" "$to" ||
			{ case_fail "move $n: $ns's policies do not all name $to:" \
				"$(ip -n "$ns" xfrm policy)"; return 1; }
	done
	vmt_log "  policies in both kernels: the tunnel templates name $to only"
	if ! wait_for 5 status_at "$to"; then
		vpnctl_run status "$CASE"
		case_fail "move $n: vpnctl status does not show the IKE SA" \
			"$IKE_SPIS established at ${to}[4500] (path: moved to $to)" \
			"with the Child SA $SPI_IN/$SPI_OUT installed and virtual IP $VIP"
		return 1
	fi
	line="IKE SA moved to ${to}[4500] (MOBIKE)"
	grep -Fq "$line" "$CL_DIR/vpnd.log" ||
		{ case_fail "move $n: vpnd.log lacks '$line'"; return 1; }
	vip_in_cl "$VIP" ||
		{ case_fail "move $n: the virtual IP $VIP left $VMT_CL"; return 1; }
	vmt_log "  vpnd: '$line', status established at ${to}[4500], $VIP kept"
	# The VPN interface is the connection's: the uplink changed under
	# it, the virtual IP and the route stay on it (the same interface).
	if ! host_side_on "$VPN_IF"; then
		case_fail "move $n: the virtual IP $VIP and the route to" \
			"198.51.100.1 from it are not on $VPN_IF: $HOST_SIDE"
		return 1
	fi
	[ "$(vpn_if_index "$VPN_IF")" = "$VPN_IF_INDEX" ] ||
		{ case_fail "move $n: $VPN_IF is another interface now"; return 1; }
	vmt_log "  $HOST_SIDE (still $VPN_IF, index $VPN_IF_INDEX; uplink $dev -> $to_dev)"
	grep -q "198.51.100.53" "$CL_DIR/dns.conf" 2>/dev/null ||
		{ case_fail "move $n: vpnd's DNS settings are gone"; return 1; }
}

# link_down: after the move the first uplink's link goes down too (the
# kernel drops the routes through it and the local route of any address
# on it): the ping must go on within MAX_GAP, over vmt-d.
link_down() {
	local t1 secs seq
	sleep 1
	ip -n "$VMT_CL" link set vmt-c down ||
		{ case_fail "ip link set vmt-c down"; return 1; }
	t1=$(date +%s.%N)
	vmt_log "  vmt-c (the first uplink) down"
	if ! wait_for 5 flood_resumed "$t1"; then
		case_fail "no echo sent after vmt-c went down was answered" \
			"within 5 s: $(ip -n "$VMT_CL" route get 198.51.100.1 \
				from "$VIP" 2>&1 | head -n1)"
		return 1
	fi
	read -r secs seq <<<"$RESUMED"
	vmt_log "  the first echo sent after it (icmp_seq=$seq) answered" \
		"after $secs s"
	if over_gap "$secs"; then
		case_fail "traffic stopped for $secs s when vmt-c went down" \
			"(at most $MAX_GAP s allowed)"
		return 1
	fi
	host_side_on "$VPN_IF" ||
		{ case_fail "after vmt-c went down: $HOST_SIDE"; return 1; }
	vmt_log "  $HOST_SIDE"
}

# ---------------------------------------------------------------- a case

# mobike_run_case NAME THEN: see the top of this file.
mobike_run_case() {
	local then=$2 t0 moves=1 secs=14
	t0=$(date +%s.%N)
	[ "$then" = back ] && moves=2 secs=24
	VMT_NET_EXTRA=vmt_second_uplink
	vpnd_connect_case "$1" aes256gcm16 false \
		"timers: {ike-rekey-time: 0, dpd-interval: 300}" || return 1
	grep -q 'gateway supports MOBIKE' "$CL_DIR/vpnd.log" ||
		{ case_fail "vpnd did not see MOBIKE_SUPPORTED from the gateway"
		  return 1; }
	mobike_gw_connected || return 1
	if ! kernel_sas_at "$VMT_CL" "$CL_IP" ||
			! kernel_sas_at "$VMT_GW" "$CL_IP"; then
		case_fail "after connect the kernels do not hold the Child SA" \
			"between $GW_IP and $CL_IP"
		return 1
	fi
	if ! policies_at "$VMT_CL" "$CL_IP" || ! policies_at "$VMT_GW" "$CL_IP"; then
		case_fail "after connect the tunnel policies do not name $CL_IP:" \
			"$(ip -n "$VMT_CL" xfrm policy; ip -n "$VMT_GW" xfrm policy)"
		return 1
	fi
	vmt_log "  IKE SA $IKE_SPIS on the gateway from $CL_IP, Child SA" \
		"$SPI_IN/$SPI_OUT and its policies in both kernels"
	start_flood "$secs"
	# a steady tunnel first: answered echoes before the change
	sleep 2
	flood_resumed "$FLOOD_T0" ||
		{ stop_flood; case_fail "no echo answered before the move"; return 1; }
	move 1 "$CL_IP" vmt-c 24 "$CL_IP2" vmt-d || { stop_flood; return 1; }
	if [ "$then" = back ]; then
		ip -n "$VMT_CL" addr add "$CL_IP/24" dev vmt-c ||
			{ stop_flood; case_fail "ip addr add $CL_IP/24 dev vmt-c"; return 1; }
		vmt_log "  $CL_IP back on vmt-c"
		# the route back in place and vpnd's look at it over
		sleep 1
		move 2 "$CL_IP2" vmt-d 25 "$CL_IP" vmt-c || { stop_flood; return 1; }
	elif [ "$then" = link ]; then
		link_down || { stop_flood; return 1; }
	fi
	flood_finish $((secs + 30)) $((moves * MAX_LOST_PER_MOVE)) \
		"across $moves MOBIKE move(s)" || return 1
	# The echoes went through the Child SA of the connect on both paths:
	# each of its ESP SAs on both sides counted every answered one.
	flood_counted "$FLOOD_RX" "answered pings" || return 1
	vpnd_disconnect_case || return 1
	# vpnd_disconnect_case checks the gateway's SAs; its policies too.
	if ! wait_for 5 gw_xfrm_clean; then
		case_fail "the gateway left xfrm state/policy: $(gw_xfrm_leftovers)"
		return 1
	fi
	vmt_log "  after disconnect: no xfrm SA/policy in $VMT_GW either"
	if declare -F mobike_gw_disconnected >/dev/null; then
		mobike_gw_disconnected || return 1
	fi
	vmt_log "case $CASE: OK ($(elapsed_since "$t0")s guest time)"
}

# After every case, passed or failed (vmt_run_cases then tears the
# network down).
mobike_case_cleanup() {
	stop_flood
	vpnd_stop
	VMT_NET_EXTRA=
}

# mobike_main CASE...: each CASE is "NAME|THEN" (mobike_run_case).
mobike_main() { vmt_run_cases mobike_case_cleanup "$@"; }
run_case() { mobike_run_case "$@"; }
