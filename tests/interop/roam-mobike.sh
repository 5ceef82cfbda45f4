#!/bin/bash
# MOBIKE (RFC 4555) against strongSwan (mobike = yes): the laptop loses
# the address its IKE SA was made on and has another uplink. Within 1 s
# the gateway's `swanctl --list-sas` must show the same IKE SA (same
# SPIs) at the new client address, on port 4500 on both sides, and
# vpnd's status the new local address; then the same way back when the
# first address returns and the second goes.
. "$(dirname "$0")/lib.sh"

PROFILE=gw
MOVE_S=1

gw_spis() { printf '%s_%s' "$(gw_sa_field initiator-spi)" "$(gw_sa_field responder-spi)"; }
gw_at() { [ "$(gw_remote_host)" = "$1" ] && [ "$(gw_sa_field remote-port)" = 4500 ]; }

# move_to ADDR: the gateway and vpnd show the SA at ADDR within MOVE_S.
move_to() {
	local t0 t1
	t0=${EPOCHREALTIME//[!0-9]/}
	wait_for "$MOVE_S" gw_at "$1" &&
		wait_for "$MOVE_S" status_has "local $(re "$1")\[4500\]" ||
		fail "not moved to $1 within $MOVE_S s: gateway $(gw_ctl --list-sas 2>&1 | head -n 3)"
	t1=${EPOCHREALTIME//[!0-9]/}
	[ "$(gw_spis)" = "$SPIS" ] || fail "a new IKE SA instead of a move: $SPIS -> $(gw_spis)"
	log "moved to $1 in $(((t1 - t0) / 1000)) ms; gateway: same IKE SA $SPIS at $1[4500]"
}

require_vpnd
setup_net
second_uplink
gw_up psk mobike=yes
client_profile gw psk timers="ike-rekey-time: 0, dpd-interval: 300"
vpnd_start
connect_and_verify gw AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384
grep -q 'gateway supports MOBIKE' "$CL_DIR/vpnd.log" ||
	fail "vpnd did not see MOBIKE_SUPPORTED from the gateway"
SPIS=$(gw_spis)
VIP=$(vip_of_status)
[ "$(gw_remote_host)" = "$CL_IP" ] || fail "gateway sees the client at $(gw_remote_host)"

vpnctl_watch gw "$CL_DIR/watch.out"
wait_for 5 grep -q ' gw: established' "$CL_DIR/watch.out" ||
	fail "vpnctl watch: no state line: $(cat "$CL_DIR/watch.out")"
ip -n "$NS_CL" addr del "$CL_IP/24" dev "vc$T_ID" || fail "ip addr del $CL_IP"
move_to "$CL_IP2"
# vpnctl watch showed the move as it happened, with its time
wait_for 2 grep -Eq "^[0-9]{2}:[0-9]{2}:[0-9]{2} path: moved to $(re "$CL_IP2")" "$CL_DIR/watch.out" ||
	fail "vpnctl watch did not show the move: $(cat "$CL_DIR/watch.out")"
log "ok: vpnctl watch: $(grep 'path: moved' "$CL_DIR/watch.out" | head -n 1)"
grep -q 'parsed INFORMATIONAL request .*N(UPD_SA_ADDR)' "$GW_DIR/charon.log" ||
	fail "gateway log shows no UPDATE_SA_ADDRESSES"
wait_status 2 "path history" "path .*moved to $(re "$CL_IP2")"
[ "$(vip_of_status)" = "$VIP" ] || fail "virtual IP changed: $VIP -> $(vip_of_status)"

# and back: the first address returns, the second goes
ip -n "$NS_CL" addr add "$CL_IP/24" dev "vc$T_ID" || fail "ip addr add $CL_IP"
sleep 0.5
ip -n "$NS_CL" addr del "$CL_IP2/25" dev "vd$T_ID" || fail "ip addr del $CL_IP2"
move_to "$CL_IP"
status_has '^gw: established' || fail "after the moves: $VPNCTL_OUT"
assert_vpnd_alive
disconnect_and_verify gw
pass
