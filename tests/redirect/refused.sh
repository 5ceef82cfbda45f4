#!/bin/bash
# A redirect to a target outside the profile's allowed-targets: gw1
# (global-redirect) sends vpnd to gw2, but the profile only allows
# 192.0.2.100/32. vpnd must refuse, fail the connect naming the allowed
# redirect targets, and never contact gw2.
. "$(dirname "$0")/lib-vpnd.sh"

setup_net
gw1_up "global-redirect=yes global-redirect-to=$GW2_IP" ""
gw2_up "" ""
client_profile gw 'allowed-targets: ["192.0.2.100/32"]'
vpnd_start

vpnctl_run connect gw
assert_rc 1 "vpnctl connect gw with a redirect to a target that is not allowed"
assert_out "allowed redirect targets" "connect fails naming the allowed redirect targets"
assert_out "$(re "$GW2_IP")" "the message names the refused target $GW2_IP"
assert_no_out "redirected by" "vpnd did not follow the redirect"
[ "$(ls_count_init_redirects "$(gw_dir gw1)")" = 1 ] ||
	fail "gw1 did not send exactly one IKE_SA_INIT REDIRECT"
log "ok: gw1 sent its REDIRECT"
# Give a wrongly followed redirect time to reach gw2.
sleep 2
ls_log_grep "$(gw_dir gw2)" "received [0-9]+ bytes from $(re "$CL_IP")|packet from $(re "$CL_IP")|$(re "$CL_IP") #[0-9]+:" &&
	fail "gw2 received packets from the client"
log "ok: gw2 saw nothing from the client"
assert_gw_no_state gw1 2
assert_gw_no_state gw2 2
grep -q "IKE_SA_INIT sent to $(re "$GW2_IP")" "$CL_DIR/vpnd.log" &&
	fail "vpnd.log shows an IKE_SA_INIT to $GW2_IP"
assert_vpnd_alive

vpnctl_run status gw
assert_out "^gw: failed" "vpnctl status says failed"
assert_no_out "^  redirected:" "vpnctl status lists no followed redirect"
pass
