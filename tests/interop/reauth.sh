#!/bin/bash
# Reauthentication against strongSwan (RFC 7296 2.8.3, RFC 4478): the
# gateway has reauth_time 30 s and so sends AUTH_LIFETIME in IKE_AUTH;
# vpnd must make a whole new IKE SA (IKE_SA_INIT + IKE_AUTH) before that
# runs out, make-before-break: the new SA is established on the gateway
# before vpnd deletes the old one, with the same virtual IP. Then
# timers.reauth-time alone does the same against a gateway that asks
# for nothing.
. "$(dirname "$0")/lib.sh"

# IKE SA "unique ids" (rw[N]) charon logged as established, in order.
gw_established_ids() {
	grep -oE 'IKE_SA rw\[[0-9]+\] established' "$GW_DIR/charon.log" |
		grep -oE '[0-9]+' | tr '\n' ' '
}

# reauthenticated N: vpnd reported N reauthentications.
reauthenticated() {
	[ "$(grep -c 'reauthenticated with' "$CL_DIR/vpnd.log")" -ge "$1" ]
}

# check_make_before_break OLD NEW: charon's log has NEW established
# before it received the DELETE for OLD.
check_make_before_break() {
	local old=$1 new=$2 up del
	up=$(grep -nE "IKE_SA rw\[$new\] established" "$GW_DIR/charon.log" | head -n 1 | cut -d: -f1)
	del=$(grep -nE "\[$old\].*(received DELETE for IKE_SA|deleting IKE_SA)|IKE_SA rw\[$old\].*DELETING" "$GW_DIR/charon.log" | head -n 1 | cut -d: -f1)
	[ -n "$up" ] || fail "charon did not log IKE_SA rw[$new] established"
	[ -n "$del" ] || fail "charon did not log the delete of IKE_SA rw[$old]"
	[ "$up" -lt "$del" ] ||
		fail "break-before-make: rw[$old] was deleted (log line $del) before rw[$new] was up (line $up)"
	log "make-before-break: rw[$new] established (charon.log line $up) before rw[$old] was deleted (line $del)"
}

require_vpnd
setup_net
gw_up psk reauth-time=30s
client_profile gw psk timers="ike-rekey-time: 0"
vpnd_start
connect_and_verify gw AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384
VIP=$(vip_of_status)
grep -q 'AUTH_LIFETIME' "$CL_DIR/vpnd.log" ||
	fail "vpnd did not note the gateway's AUTH_LIFETIME"
wait_for 45 reauthenticated 1 ||
	fail "vpnd did not reauthenticate within 45 s"
wait_for 10 gw_single_sa || fail "the old IKE SA is still on the gateway: $(gw_ctl --list-sas)"
read -r first second _ <<<"$(gw_established_ids)"
[ -n "${second:-}" ] || fail "charon shows no second IKE SA: $(gw_established_ids)"
check_make_before_break "$first" "$second"
grep -q 'initiator did not reauthenticate as requested' "$GW_DIR/charon.log" &&
	fail "charon says vpnd did not reauthenticate"
vpnctl_status gw
grep -qi established <<<"$VPNCTL_OUT" || fail "vpnd is not established after the reauthentication"
[ "$(vip_of_status)" = "$VIP" ] ||
	fail "the virtual IP changed from $VIP to $(vip_of_status)"
log "reauthenticated (AUTH_LIFETIME), virtual IP $VIP kept"

# The profile's own interval, with a gateway that asks for nothing.
vpnctl_disconnect gw
assert_gw_no_sa 10
gw_conf psk
gw_load
client_profile gw psk timers="ike-rekey-time: 0, reauth-time: 30"
vpnctl_run reload
assert_rc 0 "vpnctl reload"
vpnctl_connect gw
assert_connect_rc "vpnctl connect gw (reauth-time 30)"
vpnctl_status gw
VIP=$(vip_of_status)
before=$(grep -c 'reauthenticated with' "$CL_DIR/vpnd.log")
wait_for 45 reauthenticated $((before + 1)) ||
	fail "vpnd did not reauthenticate at reauth-time"
wait_for 10 gw_single_sa || fail "the old IKE SA is still on the gateway: $(gw_ctl --list-sas)"
vpnctl_status gw
[ "$(vip_of_status)" = "$VIP" ] ||
	fail "the virtual IP changed from $VIP to $(vip_of_status)"
log "reauthenticated (reauth-time), virtual IP $VIP kept"
disconnect_and_verify gw
pass
