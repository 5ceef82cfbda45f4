#!/bin/bash
# resume-roam: the laptop loses the address its IKE SA was made on and
# still has another uplink; the gateway (vpnd-testgw) has no MOBIKE but
# issued a resumption ticket. Within 2 s vpnd must be up again from the
# new address with IKE_SESSION_RESUME (no new IKE_SA_INIT), as RFC 5723
# names this case, with the reason in the path history.
# shellcheck source=tests/resume/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CL_IP2=192.0.2.20
MOVE_S=2
PROFILE_GWS=(gw1)

setup_net
# the second uplink: another port of the same switch
veth_link "$NS_CL" "vcm$T_ID" "$CL_IP2/24" "$NS_SW" "wcm$T_ID" ""
ip -n "$NS_SW" link set "wcm$T_ID" master br0 || fail "second uplink into the switch"
client_profile rfc5723
gw_start gw1 --mode rfc5723
vpnd_start

m1=$(gw_mark gw1)
vpnctl_run connect "$PROFILE"
assert_connect_rc "first connect"
assert_gw_event gw1 "$m1" '^event=ticket_issued gsc=0\b' "gw1 issued a ticket"
wait_status 5 "up from the first address" '^rs: established' "local $(re "$CL_IP")\["

m1=$(gw_mark gw1)
t0=${EPOCHREALTIME//[!0-9]/}
ip -n "$NS_CL" addr del "$CL_IP/24" dev "vcl$T_ID" || fail "ip addr del $CL_IP"
wait_for "$MOVE_S" status_all '^rs: established' "local $(re "$CL_IP2")\[" ||
	fail "not up from $CL_IP2 within $MOVE_S s: $VPNCTL_OUT"
t1=${EPOCHREALTIME//[!0-9]/}
log "up again from $CL_IP2 $(((t1 - t0) / 1000)) ms after the address went"
((t1 - t0 <= MOVE_S * 1000000)) || fail "took $(((t1 - t0) / 1000)) ms"
assert_gw_event gw1 "$m1" '^event=resume_ok ' "gw1 accepted IKE_SESSION_RESUME from the new address"
assert_no_gw_event gw1 "$m1" '^event=ike_sa_init' "no full handshake after the move"
wait_status 2 "resumed, reason in the path history" \
	'gateway switch count: 1 \(resumed with a ticket' \
	"path .*our address $(re "$CL_IP") is gone .*now $(re "$CL_IP2")"
pass
