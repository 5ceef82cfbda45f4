#!/bin/bash
# The laptop loses the address its IKE SA was made on (Wi-Fi gone, LTE
# still there) and the gateway cannot move the SA (strongSwan with
# mobike = no, and vpnd sends no MOBIKE_SUPPORTED yet). vpnd must notice
# through its network monitor, not a failed liveness check: within 2 s a
# new IKE SA from the second uplink's address, the same virtual IP, the
# reason in status, and one IKE SA left on the gateway, from the new
# address: vpnd deletes the SA it leaves (no ticket to resume with), from
# the new address, so the gateway frees it and its virtual IP at once.
# The address coming back must not tear the new SA down.
. "$(dirname "$0")/lib.sh"

PROFILE=gw
MOVE_S=2

gw_has_new_sa() {
	[ "$(gw_remote_host)" = "$CL_IP2" ] && [ "$(gw_spis)" != "$OLD" ]
}
# "SPIi_SPIr" of the gateway's (first) IKE SA.
gw_spis() { printf '%s_%s' "$(gw_sa_field initiator-spi)" "$(gw_sa_field responder-spi)"; }

require_vpnd
setup_net
second_uplink
gw_up psk mobike=no
# dpd-interval 300: a liveness check must not be what notices the move.
client_profile gw psk timers="ike-rekey-time: 0, dpd-interval: 300"
vpnd_start
connect_and_verify gw AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384
VIP=$(vip_of_status)
OLD=$(gw_spis)
[ "$(gw_remote_host)" = "$CL_IP" ] ||
	fail "gateway sees the client at $(gw_remote_host), not $CL_IP"
status_has "local $(re "$CL_IP")" || fail "vpnd status: not local $CL_IP: $VPNCTL_OUT"

t0=${EPOCHREALTIME//[!0-9]/}
ip -n "$NS_CL" addr del "$CL_IP/24" dev "vc$T_ID" || fail "ip addr del $CL_IP"
wait_for "$MOVE_S" status_all '^gw: (established|connecting)' "local $(re "$CL_IP2")" &&
	wait_for "$MOVE_S" gw_has_new_sa &&
	wait_for "$MOVE_S" status_all '^gw: established' "local $(re "$CL_IP2")" ||
	fail "no new IKE SA from $CL_IP2 within $MOVE_S s: gateway $(gw_ctl --list-sas 2>&1)"
t1=${EPOCHREALTIME//[!0-9]/}
log "moved: new IKE SA from $CL_IP2 in $(((t1 - t0) / 1000)) ms (gateway: $OLD -> $(gw_spis))"
((t1 - t0 <= MOVE_S * 1000000)) || fail "the move took $(((t1 - t0) / 1000)) ms"
# The last change is the new SA's; the path history keeps the reason.
wait_status 2 "reason in the path history" \
	"path .*our address $(re "$CL_IP") is gone .*now $(re "$CL_IP2")"
[ "$(vip_of_status)" = "$VIP" ] || fail "virtual IP changed: $VIP -> $(vip_of_status)"
log "ok: same virtual IP $VIP"
wait_for 5 gw_single_sa || fail "gateway kept the old IKE SA: $(gw_ctl --list-sas 2>&1)"
log "ok: one IKE SA on the gateway, from $(gw_remote_host)"
assert_file_match "$GW_DIR/charon.log" 'received DELETE for IKE_SA' \
	"the gateway got no delete for the IKE SA vpnd left"
log "ok: the gateway got vpnd's delete of the SA it left"

# The first uplink's address comes back: a liveness check, no new SA.
NEW=$(gw_spis)
ip -n "$NS_CL" addr add "$CL_IP/24" dev "vc$T_ID" || fail "ip addr add $CL_IP"
sleep 2
[ "$(gw_spis)" = "$NEW" ] || fail "address back: the IKE SA changed: $NEW -> $(gw_spis)"
status_has '^gw: established' || fail "address back: $VPNCTL_OUT"
assert_vpnd_alive
disconnect_and_verify gw
pass
