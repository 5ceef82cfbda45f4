#!/bin/bash
# IKE SA rekeying against strongSwan (RFC 7296 1.3.2, 2.18): the
# gateway's own (rekey_time 10 s, five in a row), one forced with
# `swanctl --rekey --ike`, then vpnd's at ike-rekey-time 10 s; one by
# `vpnctl rekey gw ike` between the gateway's. Each time
# the gateway must show new SPIs and only the new IKE SA once the old one
# is deleted, vpnd's status the same SPIs, and the virtual IP stays.
. "$(dirname "$0")/lib.sh"

# "SPIi_SPIr" of the gateway's only IKE SA; empty while there are two.
gw_spis() {
	local raw n i r
	raw=$(gw_raw_sas) # one snapshot for both SPIs
	n=$(grep -o 'initiator-spi=' <<<"$raw" | wc -l)
	[ "$n" = 1 ] || return 1
	i=$(grep -o '[ {]initiator-spi=[^ }]*' <<<"$raw" | cut -d= -f2)
	r=$(grep -o '[ {]responder-spi=[^ }]*' <<<"$raw" | cut -d= -f2)
	printf '%s_%s' "$i" "$r"
}

status_has_spis() { # SPIi_SPIr
	vpnctl_status gw
	grep -qi -- "SPIs ${1%_*}_i ${1#*_}_r" <<<"$VPNCTL_OUT"
}

SPIS=
# wait_rekey WHAT SECONDS: the gateway's single IKE SA has SPIs other
# than $SPIS within SECONDS, vpnd shows them, the old SA is gone.
NEW_SPIS=
new_spis() { NEW_SPIS=$(gw_spis) && [ -n "$NEW_SPIS" ] && [ "$NEW_SPIS" != "$SPIS" ]; }
wait_rekey() {
	local what=$1 secs=$2
	wait_for "$secs" new_spis ||
		fail "$what: no rekeyed IKE SA on the gateway within $secs s (had $SPIS): $(gw_ctl --list-sas)"
	wait_for 5 status_has_spis "$NEW_SPIS" ||
		fail "$what: vpnctl status does not show the gateway's new SPIs $NEW_SPIS"
	[ "$(vip_of_status)" = "$VIP" ] ||
		fail "$what: the virtual IP changed from $VIP to $(vip_of_status)"
	assert_vpnd_alive
	log "$what: new IKE SA $NEW_SPIS, old one gone, virtual IP $VIP kept"
	SPIS=$NEW_SPIS
}

require_vpnd
setup_net
gw_up psk rekey-time=10s
client_profile gw psk timers="ike-rekey-time: 0"
vpnd_start
connect_and_verify gw AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384
VIP=$(vip_of_status)
SPIS=$(gw_spis) || fail "gateway has more than one IKE SA after connect"

for i in 1 2 3 4 5; do
	wait_rekey "gateway rekey $i" 25
done
grep -q 'IKE SA rekeyed by the gateway' "$CL_DIR/vpnd.log" ||
	fail "vpnd did not report the gateway's rekeys"
grep -q 'peer seems to not support IKE rekeying' "$GW_DIR/charon.log" &&
	fail "charon says vpnd does not support IKE rekeying"
# By hand (ike-rekey-time is 0 here, so only the command can make vpnd
# the one who rekeyed).
grep -q 'IKE SA rekeyed by us' "$CL_DIR/vpnd.log" &&
	fail "vpnd rekeyed the IKE SA with ike-rekey-time 0"
vpnctl_run rekey gw ike
assert_rc 0 "vpnctl rekey gw ike"
wait_rekey "vpnctl rekey gw ike" 8
wait_for 5 grep -q 'IKE SA rekeyed by us' "$CL_DIR/vpnd.log" ||
	fail "the IKE SA after 'vpnctl rekey gw ike' was not made by vpnd"

# Without the gateway's rekeys: one forced with swanctl, then vpnd's own.
vpnctl_disconnect gw
assert_gw_no_sa 10
gw_conf psk rekey-time=0s
gw_load
client_profile gw psk timers="ike-rekey-time: 10"
vpnctl_run reload
assert_rc 0 "vpnctl reload"
vpnctl_connect gw
assert_connect_rc "vpnctl connect gw (ike-rekey-time 10)"
SPIS=$(gw_spis) || fail "gateway has more than one IKE SA after connect"
vpnctl_status gw
VIP=$(vip_of_status)
gw_ctl --rekey --ike rw >/dev/null || fail "swanctl --rekey --ike failed"
wait_rekey "swanctl --rekey --ike" 8
for i in 1 2; do
	wait_rekey "vpnd rekey $i" 20
done
grep -q 'IKE SA rekeyed by us' "$CL_DIR/vpnd.log" ||
	fail "vpnd did not report its own rekeys"
disconnect_and_verify gw
pass
