#!/bin/bash
# IKE SA rekeys started by libreswan 4.10 (RFC 7296 1.3.2, 2.18): three
# forced with `whack --rekey-ike`, then three at pluto's own time
# (ikelifetime 12s, rekeymargin 6s, no fuzz; pluto does not clamp these).
# Each time pluto's only IKE SA is a new state with new SPIs, made by
# pluto as initiator; vpnd reports the rekey by the gateway with those
# SPIs, shows them in status, sees the old SA deleted by pluto, stays
# established, and pluto's lease (vpnd's virtual IP) stays the same.
. "$(dirname "$0")/lib-libreswan.sh"

require_vpnd
setup_net
lsgw_up
client_profile gw psk timers="ike-rekey-time: 0"
vpnd_start
connect_libreswan gw
for i in 1 2 3; do
	ls_whack "$LS_DIR" --name rw --rekey-ike >"$T_TMP/whack-rekey.out" 2>&1 ||
		fail "whack --rekey-ike: $(cat "$T_TMP/whack-rekey.out")"
	wait_ike_rekey "whack --rekey-ike $i" 10 gateway
done
vpnctl_disconnect gw
assert_rc 0 "vpnctl disconnect gw"
assert_lsgw_no_state 10

# pluto as responder rekeys at ikelifetime - rekeymargin/2 (9 s), as the
# initiator of the SA it then has at ikelifetime - rekeymargin (6 s).
lsgw_restart ikelifetime=12s rekeymargin=6s rekeyfuzz=0%
connect_libreswan gw
for i in 1 2 3; do
	wait_ike_rekey "pluto's rekey $i (ikelifetime 12s)" 15 gateway
done
grep -q 'IKE SA rekeyed by us' "$CL_DIR/vpnd.log" &&
	fail "vpnd rekeyed an IKE SA with ike-rekey-time 0"
vpnctl_disconnect gw
assert_rc 0 "vpnctl disconnect gw"
assert_lsgw_no_state 10
assert_vpnd_alive
pass
