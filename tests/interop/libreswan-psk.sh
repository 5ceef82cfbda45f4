#!/bin/bash
# vpnd against libreswan 4.10 with a pre-shared key: the IKE SA comes up
# with the profile's proposal and both sides authenticated, status shows
# pluto's SPIs and identity, the Child SA outcome is reported (without
# ESP in the kernel pluto refuses it with TS_UNACCEPTABLE), and
# disconnect leaves no state on pluto, no lease and no xfrm state on the
# client.
. "$(dirname "$0")/lib-libreswan.sh"

require_vpnd
setup_net
lsgw_up
client_profile gw psk
vpnd_start
connect_libreswan gw

ls_log_grep "$LS_DIR" "responder established IKE SA; authenticated peer using authby=secret and ID_USER_FQDN '$(re "$CL_ID")'" ||
	fail "pluto did not authenticate $CL_ID with the PSK"
ls_log_grep "$LS_DIR" 'sent IKE_SA_INIT reply \{cipher=AES_GCM_16_256 integ=n/a prf=HMAC_SHA2_384 group=DH20\}' ||
	fail "pluto did not choose AES_GCM_16_256/HMAC_SHA2_384/DH20"
log "ok: pluto authenticated $CL_ID (PSK) with AES_GCM_16_256/HMAC_SHA2_384/DH20"
assert_status_algs AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384
assert_out "remote identity: $(re "$GW_ID") \(pre-shared key\)" "vpnctl status: the gateway's identity"
if ls_log_grep "$LS_DIR" 'netlink response for Add SA .*Function not implemented'; then
	assert_out "child SA: none \(TS_UNACCEPTABLE\)" "vpnctl status: pluto could not install the Child SA"
	assert_file_match "$CL_DIR/vpnd.log" "Child SA refused by the gateway: TS_UNACCEPTABLE" \
		"vpnd did not report the refused Child SA"
else
	assert_out "child SA: ESP " "vpnctl status: the Child SA"
	assert_match "$VPNCTL_OUT" '198\.51\.100\.53' "vpnctl status shows no DNS server from pluto"
fi

vpnctl_disconnect gw
assert_rc 0 "vpnctl disconnect gw"
assert_lsgw_no_state 10
wait_for 5 test -z "$(ls_lease "$LS_DIR")" ||
	fail "pluto still leases $(ls_lease "$LS_DIR") after the disconnect"
log "ok: pluto took the lease back"
assert_vpnd_alive
wait_for 5 xfrm_clean "$NS_CL" || assert_xfrm_empty
pass
