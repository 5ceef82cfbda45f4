#!/bin/bash
# Wrong pre-shared key: the gateway answers IKE_AUTH with
# AUTHENTICATION_FAILED. vpnctl must exit 1 and say so; vpnd must stay up,
# keep answering, and leave no SA or kernel state behind.
. "$(dirname "$0")/lib.sh"

require_vpnd
setup_net
gw_up psk
client_profile gw psk psk=not-the-gateway-psk-0123456789
vpnd_start

vpnctl_connect gw
assert_rc 1 "vpnctl connect with a wrong PSK"
assert_match "$VPNCTL_OUT" AUTHENTICATION_FAILED "vpnctl connect output"
assert_file_match "$GW_DIR/charon.log" 'N\(AUTH_FAILED\)' \
	"gateway did not send AUTHENTICATION_FAILED"
assert_vpnd_alive
vpnctl_status gw
assert_rc 0 "vpnctl status after the failure"
[ -n "$VPNCTL_OUT" ] || fail "vpnctl status printed nothing"
grep -qi established <<<"$VPNCTL_OUT" && ! grep -qiE 'not established|idle|failed' <<<"$VPNCTL_OUT" &&
	fail "vpnctl status claims an established SA"
assert_vpnd_alive
assert_gw_no_sa 5
assert_xfrm_empty
pass
