#!/bin/bash
# Certificate authentication with RSA 3072 keys on both sides (CA: RSA 3072),
# identities from the SANs: gw.example.org (DNS), client@example.org (email).
# Then two ways the gateway must be refused: a profile trusting another CA,
# and a profile expecting another gateway identity.
. "$(dirname "$0")/lib.sh"

require_vpnd
setup_net
cert_other_ca
client_profile gw cert kind=rsa
client_profile other-ca cert kind=rsa ca="$CERT_DIR/other-ca.pem"
# send-id: false, so that the gateway does not refuse the unknown IDr
# itself: vpnd has to notice that gw.example.org is not who it wants.
client_profile other-id cert kind=rsa remote-id=vpn.example.net send-id=false
gw_up cert kind=rsa
vpnd_start

connect_and_verify gw AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384
assert_gw_client_auth RSA
disconnect_and_verify gw

for name in other-ca other-id; do
	log "== $name: vpnd must not accept the gateway"
	vpnctl_connect "$name"
	assert_rc 1 "vpnctl connect $name (untrusted gateway)"
	vpnctl_status "$name"
	grep -qiE '(^|[^a-z])established' <<<"$VPNCTL_OUT" &&
		fail "vpnctl status $name claims an established SA"
	assert_vpnd_alive
	assert_gw_no_sa 10
	assert_xfrm_empty
done
pass
