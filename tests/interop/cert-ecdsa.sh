#!/bin/bash
# Certificate authentication with ECDSA keys (P-256, then P-384) on both
# sides, issued by an RSA 3072 CA. One gateway, one vpnd, two profiles.
. "$(dirname "$0")/lib.sh"

require_vpnd
setup_net
for kind in ecdsa256 ecdsa384; do
	client_profile "gw-$kind" cert kind=$kind
done
gw_start
vpnd_start
for kind in ecdsa256 ecdsa384; do
	log "== $kind"
	gw_conf cert kind=$kind
	gw_load
	# This round must not pass on the previous round's log lines.
	: >"$GW_DIR/charon.log"
	connect_and_verify "gw-$kind" AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384
	assert_gw_client_auth ECDSA
	disconnect_and_verify "gw-$kind"
done
pass
