#!/bin/bash
# RFC 5685 redirect in IKE_SA_INIT: gw1 (libreswan, global-redirect) sends
# vpnd to gw2 with a REDIRECT in its IKE_SA_INIT response. vpnd must
# follow it, carry REDIRECTED_FROM to gw2 and end up established there;
# gw1 keeps no state (an IKE_SA_INIT redirect creates no SA).
. "$(dirname "$0")/lib-vpnd.sh"

setup_net
gw1_up "global-redirect=yes global-redirect-to=$GW2_IP" ""
gw2_up "" ""
client_profile gw
vpnd_start

vpnctl_run connect gw
assert_connect_rc "vpnctl connect gw (redirected to gw2)"
assert_out "redirected by $(re "$GW1_IP")[^ ]* to $(re "$GW2_IP") in IKE_SA_INIT" \
	"vpnctl connect reports the IKE_SA_INIT redirect"
[ "$(ls_count_init_redirects "$(gw_dir gw1)")" = 1 ] ||
	fail "gw1 did not log exactly one IKE_SA_INIT REDIRECT ($(ls_count_init_redirects "$(gw_dir gw1)"))"
log "ok: gw1 answered one IKE_SA_INIT with REDIRECT"
assert_gw_established gw2
assert_gw_saw_redirected_from gw2
assert_gw_no_state gw1

vpnctl_run status gw
assert_rc 0 "vpnctl status gw"
assert_out "gateway: $(re "$GW2_IP")\[" "status shows gateway $GW2_IP"
assert_out "redirected: $(re "$GW1_IP") -> $(re "$GW2_IP") in IKE_SA_INIT" \
	"status shows the redirect history line"
assert_out "^gw: established" "status says established"
# No ESP in some kernels: then gw2 refuses the Child SA and vpnd says so.
assert_out "child SA: .*(TS_UNACCEPTABLE|NO_PROPOSAL_CHOSEN)|child SA: .*SPI|ESP SPI" \
	"status reports the Child SA outcome"
assert_vpnd_alive
pass
