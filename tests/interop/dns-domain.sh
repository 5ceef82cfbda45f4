#!/bin/bash
# RFC 8598 split DNS from strongSwan: the pool sends two INTERNAL_DNS_DOMAIN
# attributes (type 25, the names as the attribute's bytes) beside its DNS
# server (vpnd's CP request asks for them with an empty INTERNAL_DNS_DOMAIN;
# the unit suite checks its bytes). vpnctl status shows both domains and
# the server, and refuses none.
. "$(dirname "$0")/lib.sh"

require_vpnd
setup_net
gw_up psk dns-domains=corp.example,dev.example
client_profile gw psk
vpnd_start

connect_and_verify gw AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384
assert_match "$VPNCTL_OUT" '  DNS: 198\.51\.100\.53' "the gateway's DNS server in status"
assert_match "$VPNCTL_OUT" '  DNS domains \(split DNS\): corp\.example dev\.example$' \
	"the gateway's split-DNS domains in status"
assert_no_match "$VPNCTL_OUT" 'refused' "no domain refused"
log "vpnctl status: $(grep 'DNS' <<<"$VPNCTL_OUT" | paste -sd';')"
assert_child_reported
disconnect_and_verify gw
pass
