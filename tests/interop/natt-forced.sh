#!/bin/bash
# UDP encapsulation without a NAT, forced from either side:
#  1. vpnd profile force-encap: true -> vpnd fakes its NAT_DETECTION_SOURCE_IP,
#     the gateway sees the client "behind NAT" (nat-remote) and both use 4500;
#  2. gateway encap = yes -> the gateway fakes its NAT detection (nat-fake),
#     vpnd must notice the "NAT" and move to UDP 4500 for IKE_AUTH.
. "$(dirname "$0")/lib.sh"

require_vpnd
setup_net
client_profile forced psk force-encap=true
client_profile plain psk
gw_start
vpnd_start

# gw_used_4500: the gateway received IKE_AUTH from the client's port 4500
# and keeps the SA on 4500 at both ends.
assert_gw_4500() {
	assert_file_match "$GW_DIR/charon.log" \
		'received packet: from 192\.0\.2\.2\[4500\] to 192\.0\.2\.1\[4500\]' \
		"gateway never received a packet on UDP 4500 from the client"
	[ "$(gw_sa_field remote-port)" = 4500 ] && [ "$(gw_sa_field local-port)" = 4500 ] ||
		fail "gateway IKE SA not on UDP 4500: $(gw_raw_sas)"
	log "gateway: IKE SA on UDP 4500 at both ends"
}

log "== client forces encapsulation"
gw_conf psk
gw_load
: >"$GW_DIR/charon.log"
connect_and_verify forced AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384
assert_gw_4500
[ "$(gw_sa_field nat-remote)" = yes ] ||
	fail "gateway does not see the client behind a (faked) NAT: $(gw_raw_sas)"
assert_file_match "$GW_DIR/charon.log" 'remote host is behind NAT' \
	"gateway log does not show the client's faked NAT"
disconnect_and_verify forced

log "== gateway forces encapsulation (encap = yes)"
gw_conf psk encap=yes
gw_load
: >"$GW_DIR/charon.log"
connect_and_verify plain AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384
assert_gw_4500
[ "$(gw_sa_field nat-fake)" = yes ] ||
	fail "gateway did not fake NAT detection: $(gw_raw_sas)"
disconnect_and_verify plain
pass
