#!/bin/bash
# vpnd against strongSwan with a pre-shared key: the IKE SA comes up (on a
# kernel without ESP the gateway refuses the Child SA with
# NO_PROPOSAL_CHOSEN and vpnd must say so), status matches the gateway's
# view, disconnect removes the SA on the gateway.
. "$(dirname "$0")/lib.sh"

require_vpnd
setup_net
gw_up psk
client_profile gw psk
vpnd_start

connect_and_verify gw AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384
assert_gw_client_auth "pre-shared key"
assert_match "$VPNCTL_OUT" '198\.51\.100\.53' "vpnctl status shows no DNS server from the gateway"
assert_child_reported
disconnect_and_verify gw
pass
