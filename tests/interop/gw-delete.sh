#!/bin/bash
# The gateway ends the connection (swanctl --terminate --ike: a DELETE
# for the IKE SA). vpnd's status must say why and when (its first line),
# and the profile's close-action decide what follows: restart (the
# default) connects again after reconnect-interval, with a new IKE SA on
# the gateway; none stays idle and the gateway sees no new attempt.
. "$(dirname "$0")/lib.sh"

PROFILE=gw
REASON='since .*\(-?[0-9]+ s ago\): .*gateway deleted the IKE SA'

# "SPIi_SPIr" of the gateway's IKE SA, or nothing.
gw_spis() {
	local raw
	raw=$(gw_raw_sas)
	grep -q 'initiator-spi=' <<<"$raw" || return 1
	printf '%s_%s' "$(grep -o '[ {]initiator-spi=[^ }]*' <<<"$raw" | head -n 1 | cut -d= -f2)" \
		"$(grep -o '[ {]responder-spi=[^ }]*' <<<"$raw" | head -n 1 | cut -d= -f2)"
}

# gw_terminate: the gateway deletes its IKE SA with us.
gw_terminate() {
	gw_ctl --terminate --ike rw >/dev/null || fail "swanctl --terminate --ike failed"
}

require_vpnd
setup_net
gw_up psk
client_profile gw psk timers="reconnect-interval: 5, ike-rekey-time: 0"
vpnd_start
connect_and_verify gw AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384
OLD=$(gw_spis) || fail "no IKE SA on the gateway after connect"

# close-action restart (the default).
gw_terminate
wait_status 5 "restart: the reason and the retry in status" \
	"$REASON" 'reconnecting in 5 s'
renewed() { NEW=$(gw_spis) && [ "$NEW" != "$OLD" ] && status_has '^gw: established'; }
wait_for 20 renewed ||
	fail "close-action restart: no new IKE SA within 20 s: $(gw_ctl --list-sas)"
assert_vpnd_alive
log "close-action restart: connected again, IKE SA $OLD -> $NEW"

# close-action none.
vpnctl_disconnect gw
assert_gw_no_sa 10
client_profile gw psk timers="reconnect-interval: 5, ike-rekey-time: 0"
sed -i 's/^connection: {name: gw, /&close-action: none, /' "$CL_DIR/profiles/gw.yaml"
grep -q 'close-action: none' "$CL_DIR/profiles/gw.yaml" || fail "profile edit did not land"
vpnctl_run reload
assert_rc 0 "vpnctl reload"
vpnctl_connect gw
assert_connect_rc "vpnctl connect gw (close-action none)"
retries=$(grep -c 'trying again in' "$CL_DIR/vpnd.log")
gw_terminate
wait_status 5 "none: the reason in status" "$REASON" '^gw: idle since .*\[gateway-delete\]$'
status_has 'reconnecting' && fail "close-action none: vpnd says it reconnects"
# Three reconnect intervals: a restart would have shown by now.
sleep 15
gw_sa_established && fail "close-action none: vpnd connected again: $(gw_ctl --list-sas)"
[ "$(grep -c 'trying again in' "$CL_DIR/vpnd.log")" = "$retries" ] ||
	fail "close-action none: vpnd scheduled a reconnect"
status_has '^gw: idle' || fail "close-action none: not idle: $VPNCTL_OUT"
log "close-action none: idle, reason kept, no new IKE SA"
pass
