#!/bin/bash
# One client proposal with two groups, x25519 first, ecp256 second; the
# gateway accepts only ecp256, so it answers the first IKE_SA_INIT with
# INVALID_KE_PAYLOAD(ECP_256) and vpnd must retry with a P-256 KE.
. "$(dirname "$0")/lib.sh"

require_vpnd
setup_net
gw_up psk proposals=aes256gcm16-prfsha384-ecp256
client_profile gw psk proposals=aes256gcm16-prfsha384-x25519-ecp256
vpnd_start

connect_and_verify gw AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_256
# The gateway really refused the first KE (so vpnd did start with x25519).
assert_file_match "$GW_DIR/charon.log" 'DH group CURVE_25519 unacceptable, requesting ECP_256' \
	"gateway did not ask for another group"
assert_file_match "$GW_DIR/charon.log" 'N\(INVAL_KE\)' "gateway did not send INVALID_KE_PAYLOAD"
# vpnd tells about the retry, on the command line or in its log.
client_text=$CONNECT_OUT$'\n'$(cat "$CL_DIR/vpnd.log")
assert_match "$client_text" 'INVALID_KE_PAYLOAD' "vpnd does not report INVALID_KE_PAYLOAD"
assert_match "$client_text" 'INVALID_KE_PAYLOAD.*ECP_256|ECP_256.*INVALID_KE_PAYLOAD|retry.*ECP_256|ECP_256.*retry' \
	"vpnd does not report the retry with ECP_256"
log "vpnd reported INVALID_KE_PAYLOAD and the retry with ECP_256"
disconnect_and_verify gw
pass
