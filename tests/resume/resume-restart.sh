#!/bin/bash
# resume-restart: the ticket survives vpnd. A full handshake with gw1, then
# vpnd dies (SIGKILL, so nothing is deleted); a new vpnd with the same
# state directory resumes at gw1 with the stored ticket on `vpnctl
# connect`: gw1 sees IKE_SESSION_RESUME and no second IKE_SA_INIT.
# rfc5723 mode (Message ID 0 on the wire).
#
# Fails without resumption: RS_RESUME_OFF=1 bash resume-restart.sh
# shellcheck source=tests/resume/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

setup_net
client_profile rfc5723
for g in gw1 gw2 gw3; do
	gw_start "$g" --mode rfc5723
done
vpnd_start

m1=$(gw_mark gw1)
vpnctl_run connect "$PROFILE"
assert_connect_rc "first connect"
assert_out "IKE SA established with .*$(re "${GW_IP[gw1]}")" "full handshake with gw1"
assert_no_out 'resumed with ticket' "the first connect did not resume"
assert_gw_event gw1 "$m1" '^event=ike_sa_init' "gw1 saw IKE_SA_INIT"
assert_gw_event gw1 "$m1" '^event=ticket_issued gsc=0\b' "gw1 issued a ticket"
assert_ticket_private
[ "$(ticket_field gateway)" = "${GW_IP[gw1]}" ] ||
	fail "stored ticket is from '$(ticket_field gateway)', expected ${GW_IP[gw1]}"

vpnd_kill
assert_ticket_private
m1=$(gw_mark gw1)
vpnd_start
vpnctl_run connect "$PROFILE"
assert_connect_rc "connect after the restart"
assert_out 'IKE_SESSION_RESUME sent to .*192\.0\.2\.1' "vpnd sent IKE_SESSION_RESUME to gw1"
assert_out "resumed with ticket at $(re "${GW_IP[gw1]}")\[500\] \(GSC 1\)" \
	"the new vpnd resumed with the ticket the old one stored"
assert_no_out 'full handshake' "no full handshake after the restart"
assert_gw_event gw1 "$m1" '^event=resume_ok gsc=1 mid=0x00000000\b' \
	"gw1 accepted the resume (rfc5723: Message ID 0)"
assert_gw_event gw1 "$m1" '^event=ike_auth_ok .*resumed=1' "gw1 finished the resumed IKE_AUTH"
assert_no_gw_event gw1 "$m1" '^event=ike_sa_init' "gw1 saw no second IKE_SA_INIT"
n=$(gw_count gw1 0 '^event=ike_sa_init')
[ "$n" = 1 ] || fail "gw1 logged $n IKE_SA_INITs in all, expected 1"
log "ok: gw1 logged exactly one IKE_SA_INIT in the whole run"
for g in gw2 gw3; do
	assert_no_gw_event "$g" 0 '^event=(ike_sa_init|resume_)' "$g was not contacted"
done
wait_status 5 "status after the resume" \
	'^rs: established' \
	"gateway: $(re "${GW_IP[gw1]}")\[500\]" \
	'gateway switch count: 1 \(resumed with a ticket; 0 DH and 0 signature operations\)'
pass
