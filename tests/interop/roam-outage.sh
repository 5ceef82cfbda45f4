#!/bin/bash
# No network at all for a minute (both uplinks down), then one back.
# vpnd must hold the connection ("waiting for a network"), send nothing
# and let no retransmission or liveness check run out meanwhile, and
# have the same IKE SA working again within 2 s of the link: the
# gateway (strongSwan, no DPD of its own) never notices.
. "$(dirname "$0")/lib.sh"

PROFILE=gw
OUTAGE_S=${ROAM_OUTAGE_S:-60}
BACK_S=2

gw_spis() { printf '%s_%s' "$(gw_sa_field initiator-spi)" "$(gw_sa_field responder-spi)"; }
# Lines of vpnd's log that show it trying to reach the gateway.
SEND_RE='retransmitting|sending IKE message|sending [A-Z_]+ request|liveness check'
sends() { grep -cE "$SEND_RE" "$CL_DIR/vpnd.log"; }

require_vpnd
setup_net
second_uplink
gw_up psk
# dpd-interval 5: without the hold, liveness checks would go out and
# their retransmissions give up well within the outage.
client_profile gw psk timers="ike-rekey-time: 0, dpd-interval: 5, retransmit-tries: 3"
VPND_ARGS=(-d)
vpnd_start
connect_and_verify gw AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384
OLD=$(gw_spis)

ip -n "$NS_CL" link set "vc$T_ID" down
ip -n "$NS_CL" link set "vd$T_ID" down
wait_status 2 "no route: held" \
	'^gw: established, no tunnel: waiting for a network' \
	'path .*waiting for a network: no route to'
before=$(sends)
log "both uplinks down for $OUTAGE_S s"
sleep "$OUTAGE_S"
status_has '^gw: established, no tunnel: waiting for a network' ||
	fail "after $OUTAGE_S s without a network: $VPNCTL_OUT"
[ "$(sends)" = "$before" ] ||
	fail "vpnd tried to send without a route: $(grep -E "$SEND_RE" "$CL_DIR/vpnd.log" | tail -n 5)"
log "ok: nothing sent in $OUTAGE_S s"

t0=${EPOCHREALTIME//[!0-9]/}
ip -n "$NS_CL" link set "vc$T_ID" up
back() {
	status_has 'path .*network back' &&
		! grep -qE 'waiting for a network|checking the path' <<<"$(head -n 1 <<<"$VPNCTL_OUT")"
}
wait_for "$BACK_S" back || fail "not back within $BACK_S s of the link: $VPNCTL_OUT"
t1=${EPOCHREALTIME//[!0-9]/}
log "back $(((t1 - t0) / 1000)) ms after the link: $(head -n 1 <<<"$VPNCTL_OUT")"
[ "$(gw_spis)" = "$OLD" ] || fail "the IKE SA changed: $OLD -> $(gw_spis)"
log "ok: the same IKE SA $OLD on the gateway"
assert_vpnd_alive
disconnect_and_verify gw
pass
