#!/bin/bash
# EAP-only authentication (RFC 5998) against strongSwan: the gateway is
# configured with local auth = eap, so it leaves the AUTH payload out of
# its first IKE_AUTH response, and does so only when the client sent
# EAP_ONLY_AUTHENTICATION (5.9.8 refuses otherwise). vpnd, with remote
# auth eap and EAP-TLS (a mutual method), takes the gateway's identity
# from IDr, checks its TLS certificate against remote.ca and remote.id,
# and both final AUTHs are keyed with the MSK. Then the cases where it
# must not connect: the same gateway without remote auth eap in the
# profile (no notify sent: the gateway refuses and vpnd says why), and a
# remote.ca that does not sign the gateway (refused inside EAP-TLS).
. "$(dirname "$0")/lib.sh"

# The gateway's first IKE_AUTH response, as charon logs it.
gw_first_auth_response() {
	grep -m1 -E 'generating IKE_AUTH response 1 \[' "$GW_DIR/charon.log"
}

require_vpnd
setup_net
eap_tls_profile gw-only eap
eap_tls_profile gw-tls cert
cert_other_ca
eap_tls_profile gw-only-other eap ca="$CERT_DIR/other-ca.pem"
gw_eap_tls_conf eap
gw_start
gw_load
vpnd_start
for ver in 1.2 1.3; do
	log "== EAP-only with TLS $ver"
	[ "$ver" = 1.2 ] || gw_restart "tls { version_max = $ver }"
	: >"$GW_DIR/charon.log"
	connect_and_verify gw-only AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384
	assert_file_match "$GW_DIR/charon.log" 'parsed IKE_AUTH request 1 \[.* N\(EAP_ONLY\)' \
		"vpnd did not send EAP_ONLY_AUTHENTICATION"
	first=$(gw_first_auth_response)
	log "gateway: $first"
	assert_match "$first" 'IDr EAP/REQ' "the gateway's first IKE_AUTH response has no EAP request"
	! grep -q 'AUTH' <<<"${first#*response 1}" ||
		fail "the gateway sent AUTH: this is not EAP-only ($first)"
	assert_match "$(cat "$GW_DIR/charon.log")" "negotiated TLS ${ver/./\\.}" \
		"the gateway did not negotiate TLS $ver"
	assert_match "$(cat "$GW_DIR/charon.log")" "EAP method EAP_TLS succeeded, MSK established" \
		"the gateway's EAP-TLS did not succeed"
	assert_match "$VPNCTL_OUT" "remote identity: .*\(EAP only, RFC 5998\)" \
		"vpnctl status does not say the gateway was authenticated by EAP only"
	assert_match "$VPNCTL_OUT" "authenticated: EAP-TLS" \
		"vpnctl status does not name EAP-TLS"
	disconnect_and_verify gw-only
done

log "== a profile that wants the gateway's signature: no EAP-only offered"
: >"$GW_DIR/charon.log"
vpnctl_connect gw-tls
[ "$VPNCTL_RC" != 0 ] || fail "vpnctl connect succeeded without EAP-only against an EAP-only gateway"
assert_file_match "$GW_DIR/charon.log" "configured EAP-only authentication, but peer does not support it" \
	"the gateway did not refuse for the missing EAP_ONLY_AUTHENTICATION"
assert_match "$VPNCTL_OUT" "refused IKE_AUTH before EAP: AUTHENTICATION_FAILED" "vpnd did not report the gateway's refusal"
assert_match "$VPNCTL_OUT" "EAP only \\(RFC 5998\\), which remote.auth: eap allows" "vpnd did not hint at EAP-only"
assert_vpnd_alive
assert_gw_no_sa 10

log "== EAP-only, vpnd trusts another CA: refused inside EAP-TLS"
: >"$GW_DIR/charon.log"
vpnctl_connect gw-only-other
[ "$VPNCTL_RC" != 0 ] || fail "vpnctl connect succeeded with the wrong CA"
assert_match "$VPNCTL_OUT" "EAP-TLS" "vpnd did not say EAP-TLS refused the gateway"
assert_match "$VPNCTL_OUT" "certificate" "vpnd did not name the gateway's certificate"
! grep -qE 'EAP method EAP_TLS succeeded' "$GW_DIR/charon.log" ||
	fail "EAP-TLS succeeded at the gateway with the wrong CA at the client"
! grep -qE 'parsed IKE_AUTH request [0-9]+ \[ AUTH' "$GW_DIR/charon.log" ||
	fail "vpnd sent its AUTH after refusing the gateway's certificate"
assert_vpnd_alive
pass
