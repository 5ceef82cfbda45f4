#!/bin/bash
# vpnd's own IKE SA rekeys against libreswan 4.10 (RFC 7296 1.3.2, 2.18):
# `vpnctl rekey gw ike` on the SA vpnd made, again on an SA pluto made
# by its `whack --rekey-ike` (there vpnd is not the original initiator,
# so its request goes out without the I bit), then two at
# ike-rekey-time 10 s. Each time pluto's only IKE SA is a new state with
# new SPIs that pluto made as responder; vpnd reports the rekey by us
# with those SPIs, shows them in status, deleted the old SA itself, stays
# established, and pluto's lease (vpnd's virtual IP) stays the same.
. "$(dirname "$0")/lib-libreswan.sh"

require_vpnd
setup_net
lsgw_up
client_profile gw psk timers="ike-rekey-time: 10"
vpnd_start
connect_libreswan gw

vpnctl_run rekey gw ike
assert_rc 0 "vpnctl rekey gw ike"
wait_ike_rekey "vpnctl rekey gw ike" 5 us
ls_whack "$LS_DIR" --name rw --rekey-ike >"$T_TMP/whack-rekey.out" 2>&1 ||
	fail "whack --rekey-ike: $(cat "$T_TMP/whack-rekey.out")"
wait_ike_rekey "whack --rekey-ike" 5 gateway
vpnctl_run rekey gw ike
assert_rc 0 "vpnctl rekey gw ike"
wait_ike_rekey "vpnctl rekey gw ike on pluto's SA" 5 us
for i in 1 2; do
	wait_ike_rekey "vpnd's rekey $i (ike-rekey-time 10)" 15 us
done
vpnctl_disconnect gw
assert_rc 0 "vpnctl disconnect gw"
assert_lsgw_no_state 10
assert_vpnd_alive
pass
