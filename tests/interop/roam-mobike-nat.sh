#!/bin/bash
# MOBIKE (RFC 4555) into a NAT: the laptop's first uplink goes, the
# other one sits behind a NAT router (nftables masquerade in its own
# namespace). The same IKE SA must move within 1 s, the
# UPDATE_SA_ADDRESSES' NAT detection must show the NAT to both sides:
# the gateway (strongSwan, mobike = yes) has the SA at the router's
# public address on port 4500 with the NAT noted, vpnd's status says
# NAT-T (NAT detected).
# Then the NAT gives the laptop a new mapping (its state flushed, the
# router masquerading to other ports now, as a restarted home router or
# a rebinding carrier NAT would): strongSwan does not follow a MOBIKE
# SA's peer by itself, so its ESP would go to the old port. vpnd's next
# liveness check (behind a NAT they carry NAT detection) must show the
# change and vpnd must update the SA from the same address: the gateway
# has the same IKE SA at the new port, and its log the update.
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
# liveness checks every 3 s: they are what finds a new NAT mapping
client_profile gw psk timers="ike-rekey-time: 0, dpd-interval: 3"
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

# gw_port_in LO HI: the gateway has the SA at a port of the router's
# new range
gw_port_in() {
	local p
	p=$(gw_sa_field remote-port)
	[ -n "$p" ] && ((p >= $1 && p <= $2))
}
OLD_PORT=$(gw_sa_field remote-port)
gw_port_in 40000 40999 && fail "the router's mapping is in the new range already: $OLD_PORT"
N_UPD=$(grep -c 'request [0-9]* \[ N(UPD_SA_ADDR)' "$GW_DIR/charon.log" || true)
printf '%s\n' "flush chain ip nat post" \
	"add rule ip nat post oifname \"ro$T_ID\" ip protocol udp masquerade to :40000-40999" |
	ip netns exec "$NS_RT" nft -f - || fail "router: new masquerade ports"
ip netns exec "$NS_RT" conntrack -D -p udp >/dev/null 2>&1 ||
	fail "router: conntrack -D found no UDP mapping to drop"
t0=${EPOCHREALTIME//[!0-9]/}
wait_for 8 gw_port_in 40000 40999 ||
	fail "gateway: still at $RT_OUT_IP[$(gw_sa_field remote-port)] after the NAT's new mapping"
t1=${EPOCHREALTIME//[!0-9]/}
[ "$(gw_spis)" = "$SPIS" ] || fail "a new IKE SA instead of an update: $SPIS -> $(gw_spis)"
(($(grep -c 'request [0-9]* \[ N(UPD_SA_ADDR)' "$GW_DIR/charon.log") > N_UPD)) ||
	fail "the gateway moved without an UPDATE_SA_ADDRESSES from vpnd"
log "new NAT mapping: the gateway follows vpnd's update in $(((t1 - t0) / 1000)) ms: same IKE SA at $RT_OUT_IP[$OLD_PORT -> $(gw_sa_field remote-port)]"
wait_status 2 "vpnd: the path history names the new mapping" \
	"path .*the NAT changed our mapping"
status_has '^gw: established' || fail "after the new mapping: $VPNCTL_OUT"
assert_vpnd_alive
disconnect_and_verify gw
pass
