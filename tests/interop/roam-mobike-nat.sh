#!/bin/bash
# MOBIKE (RFC 4555) into a NAT: the laptop's first uplink goes, the
# other one sits behind a NAT router (nftables masquerade in its own
# namespace). The same IKE SA must move within 1 s, the
# UPDATE_SA_ADDRESSES' NAT detection must show the NAT to both sides:
# the gateway (strongSwan, mobike = yes) has the SA at the router's
# public address on port 4500 with the NAT noted, vpnd's status says
# NAT-T (NAT detected).
. "$(dirname "$0")/lib.sh"

PROFILE=gw
MOVE_S=1

gw_spis() { printf '%s_%s' "$(gw_sa_field initiator-spi)" "$(gw_sa_field responder-spi)"; }
gw_behind_nat() {
	[ "$(gw_remote_host)" = "$RT_OUT_IP" ] &&
		gw_raw_sas | grep -q 'nat-remote=yes'
}

require_vpnd
setup_net
nat_uplink
gw_up psk mobike=yes
client_profile gw psk timers="ike-rekey-time: 0, dpd-interval: 300"
vpnd_start
connect_and_verify gw AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384
SPIS=$(gw_spis)
gw_raw_sas | grep -q 'nat-remote=yes' && fail "a NAT before the move: $(gw_raw_sas)"

t0=${EPOCHREALTIME//[!0-9]/}
ip -n "$NS_CL" addr del "$CL_IP/24" dev "vc$T_ID" || fail "ip addr del $CL_IP"
wait_for "$MOVE_S" gw_behind_nat ||
	fail "gateway: not moved behind the NAT within $MOVE_S s: $(gw_ctl --list-sas 2>&1 | head -n 4)"
t1=${EPOCHREALTIME//[!0-9]/}
[ "$(gw_spis)" = "$SPIS" ] || fail "a new IKE SA instead of a move: $SPIS -> $(gw_spis)"
log "moved behind the NAT in $(((t1 - t0) / 1000)) ms: gateway has the same IKE SA $SPIS at $RT_OUT_IP[$(gw_sa_field remote-port)], NAT noted"
wait_status 2 "vpnd: the new address, port 4500, the NAT" \
	"local $(re "$CL_IP2")\[4500\], NAT-T \(NAT detected\)" \
	"path .*moved to $(re "$CL_IP2")"
status_has '^gw: established' || fail "after the move: $VPNCTL_OUT"
assert_vpnd_alive
disconnect_and_verify gw
pass
