#!/bin/bash
# vpnd carries real ESP traffic; run inside the VM by run-in-vm.sh.
#
# Topology from lib.sh: vpnd in $VMT_CL (192.0.2.2) against a strongSwan
# PSK responder in $VMT_GW (192.0.2.1, pool 203.0.113.10-20, local_ts
# 198.51.100.0/24 behind it on a dummy interface).  Three cases: ESP
# AES-GCM-16-256, AES-CBC-256 + HMAC-SHA2-256, and AES-GCM with UDP
# encapsulation forced by the profile (force-encap: true).  Each case:
# connect, the Child SA must be installed, a ping from the virtual IP to
# 198.51.100.1 must pass and be counted by every ESP SA on both sides, and
# after disconnect neither vpnd nor the gateway may leave an SA or policy.
#
# Env: VPND, VPNCTL  the built binaries (meson sets them).
set -uo pipefail

VMT_NAME=vpnd-esp
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
vmt_require_vm "$@"

# shellcheck source=vpnd-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/vpnd-lib.sh"
vpnd_vm_preflight

vmt_begin


# ---------------------------------------------------------------- xfrm

# check_encap: with forced NAT-T every ESP SA on both sides must be
# ESP-in-UDP, and the gateway's end of each must be port 4500.
check_encap() {
	local ns state sas encs
	for ns in "$VMT_CL" "$VMT_GW"; do
		state=$(ip -n "$ns" xfrm state)
		sas=$(grep -c '^src ' <<<"$state")
		encs=$(grep -Ec 'encap type espinudp sport [0-9]+ dport [0-9]+' <<<"$state")
		if [ "$sas" -lt 2 ] || [ "$encs" != "$sas" ]; then
			case_fail "$ns: $encs of $sas ESP SAs are ESP-in-UDP, want all"
			return 1
		fi
	done
	# The client's outbound SA goes to the gateway's port 4500 ...
	if ! grep -Eq 'encap type espinudp sport [0-9]+ dport 4500' \
			<<<"$(ip -n "$VMT_CL" xfrm state)"; then
		case_fail "client SAs do not send ESP-in-UDP to port 4500"
		return 1
	fi
	# ... and the gateway sends from 4500.
	if ! grep -Eq 'encap type espinudp sport 4500 dport [0-9]+' \
			<<<"$(ip -n "$VMT_GW" xfrm state)"; then
		case_fail "gateway SAs do not send ESP-in-UDP from port 4500"
		return 1
	fi
	vmt_log "  all ESP SAs are ESP-in-UDP on port 4500: $(ip -n "$VMT_CL" \
		xfrm state | grep -o 'encap type espinudp sport [0-9]* dport [0-9]*' |
		sort -u | tr '\n' ';')"
}

# check_algs REGEX...: each must match the XFRM states of both sides.
check_algs() {
	local pat ns
	for pat in "$@"; do
		for ns in "$VMT_CL" "$VMT_GW"; do
			grep -Eq "$pat" <<<"$(ip -n "$ns" xfrm state)" && continue
			case_fail "xfrm state in $ns lacks /$pat/"
			return 1
		done
	done
}

# ---------------------------------------------------------------- one case

# vpnd dies by SIGKILL with the tunnel up; the next vpnd must remove the
# SAs, policies, virtual IP, route and DNS settings the dead one left.
crash_and_restart() {
	local vip=$1
	vpnd_kill || return 1
	xfrm_clean "$VMT_CL" &&
		{ case_fail "nothing was left after SIGKILL: the test proves nothing"; return 1; }
	vip_in_cl "$vip" ||
		{ case_fail "the virtual IP vanished with vpnd: the test proves nothing"; return 1; }
	vpn_if_gone "$VPN_IF" &&
		{ case_fail "the VPN interface vanished with vpnd: the test proves nothing"; return 1; }
	vmt_log "  vpnd killed with SIGKILL; its SAs, policies and $vip are still there"
	vpnd_start || return 1
	wait_for 5 xfrm_clean "$VMT_CL" ||
		{ case_fail "restarted vpnd left stale xfrm state: $(xfrm_leftovers "$VMT_CL")"; return 1; }
	wait_for 3 vip_gone "$vip" ||
		{ case_fail "restarted vpnd left the stale virtual IP $vip"; return 1; }
	wait_for 3 vpn_if_gone "$VPN_IF" ||
		{ case_fail "restarted vpnd left the stale VPN interface $VPN_IF"; return 1; }
	[ ! -e "$CL_DIR/dns.conf" ] ||
		{ case_fail "restarted vpnd left the stale DNS settings"; return 1; }
	ip -n "$VMT_CL" route | grep -q "198.51.100.0/24" &&
		{ case_fail "restarted vpnd left the stale route"; return 1; }
	vmt_log "  restarted vpnd removed everything the killed one had installed"
	vmt_log "case $CASE: OK"
}

# run_case NAME ESP FORCE_ENCAP ALG_REGEX...
run_case() {
	local encap=$3 t0 if_rx0 if_tx0 if_rx1 if_tx1
	t0=$(date +%s.%N)
	vpnd_connect_case "$1" "$2" "$3" || return 1
	shift 3

	vmt_sa_packets "$VMT_GW" >"$GW_DIR/before"
	vmt_sa_packets "$VMT_CL" >"$CL_DIR/before"
	read -r if_rx0 if_tx0 <<<"$(vpn_if_packets "$VPN_IF")"
	ping_vip || return 1
	read -r if_rx1 if_tx1 <<<"$(vpn_if_packets "$VPN_IF")"
	# The pings went out through the XFRM interface and their answers
	# came back on it (decrypted by SAs with its if_id).
	if [ $((if_tx1 - if_tx0)) -lt "$PINGS" ] || [ $((if_rx1 - if_rx0)) -lt "$PINGS" ]; then
		case_fail "$VPN_IF counted TX $((if_tx1 - if_tx0)) RX $((if_rx1 - if_rx0)) packets for $PINGS pings"
		return 1
	fi
	vmt_log "  $VPN_IF counted TX $((if_tx1 - if_tx0)) RX $((if_rx1 - if_rx0)) packets for $PINGS pings"
	vmt_sa_packets "$VMT_GW" >"$GW_DIR/after"
	vmt_sa_packets "$VMT_CL" >"$CL_DIR/after"
	vmt_check_counters "$VMT_CL" "$CL_DIR/before" "$CL_DIR/after" "$PINGS" ||
		{ case_fail "client ESP SA counters did not rise by $PINGS"; return 1; }
	vmt_check_counters "$VMT_GW" "$GW_DIR/before" "$GW_DIR/after" "$PINGS" ||
		{ case_fail "gateway ESP SA counters did not rise by $PINGS"; return 1; }
	check_algs "$@" || return 1
	# vpnctl status reads the counters from the kernel.
	vpnctl_run status "$CASE"
	grep -Eq 'in +[0-9]+ bytes, [1-9][0-9]* packets; out [0-9]+ bytes, [1-9][0-9]* packets' <<<"$VPNCTL_OUT" ||
		{ case_fail "vpnctl status shows no traffic counters from the kernel"; return 1; }
	if [ "$CASE" = crash ]; then
		crash_and_restart "$VIP"
		return
	fi
	if [ "$encap" = true ]; then
		check_encap || return 1
	elif grep -q 'encap type' <<<"$(ip -n "$VMT_CL" xfrm state)"; then
		case_fail "unexpected UDP encapsulation without force-encap"
		return 1
	fi
	vpnd_disconnect_case || return 1
	vmt_log "case $CASE: OK ($(elapsed_since "$t0")s guest time)"
}

main() {
	local cases=(
		"gcm|aes256gcm16|false|aead rfc4106\\(gcm\\(aes\\)\\)"
		"cbc|aes256-sha256|false|enc cbc\\(aes\\)|auth-trunc hmac\\(sha256\\)"
		"natt|aes256gcm16|true|aead rfc4106\\(gcm\\(aes\\)\\)"
		"crash|aes256gcm16|false|aead rfc4106\\(gcm\\(aes\\)\\)"
	)
	vmt_run_cases vpnd_stop "${cases[@]}"
}

main
