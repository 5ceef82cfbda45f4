#!/bin/bash
# resume-eap: the point of RFC 5723 for EAP users. A full handshake with
# gw1 authenticated by EAP-MSCHAPv2 (vpnd-testgw --eap-password: the
# gateway's PSK AUTH, EAP-Identity, the MS-CHAPv2 rounds, the MSK-keyed
# AUTHs); vpnd dies (SIGKILL) and a new one resumes with the stored ticket:
# one IKE_AUTH exchange, no EAP round, on both sides' count.
# shellcheck source=tests/resume/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

setup_net
RS_EAP_PASSWORD_FILE=$CL_DIR/eap.password
(umask 077; echo 'eap pass word' >"$RS_EAP_PASSWORD_FILE")
client_profile rfc5723
gw_start gw1 --mode rfc5723 --eap-password 'eap pass word' --eap-identity alice
vpnd_start

m1=$(gw_mark gw1)
vpnctl_run connect "$PROFILE"
assert_connect_rc "first connect (EAP)"
assert_out 'EAP succeeded \(EAP-MSCHAPv2, 2 rounds\)' "vpnd ran EAP-MSCHAPv2"
assert_gw_event gw1 "$m1" '^event=eap_ok identity=alice\b' "gw1 ran EAP with alice"
assert_gw_event gw1 "$m1" '^event=ike_auth_ok method=eap resumed=0' "gw1 took the MSK AUTH"
assert_gw_event gw1 "$m1" '^event=ticket_issued gsc=0\b' "gw1 issued a ticket"
wait_status 5 "status after the EAP connect" \
	'authenticated: EAP-MSCHAPv2 as alice, 5 IKE_AUTH exchanges, 2 EAP rounds'

vpnd_kill
m1=$(gw_mark gw1)
vpnd_start
vpnctl_run connect "$PROFILE"
assert_connect_rc "connect after the restart"
assert_out "resumed with ticket at $(re "${GW_IP[gw1]}")\[500\] \(GSC 1\)" \
	"the new vpnd resumed with the ticket"
assert_no_out 'EAP' "no EAP after the resume"
assert_gw_event gw1 "$m1" '^event=resume_ok gsc=1\b' "gw1 accepted the resume"
assert_gw_event gw1 "$m1" '^event=ike_auth_ok .*resumed=1' "gw1 finished the resumed IKE_AUTH"
assert_no_gw_event gw1 "$m1" '^event=eap_' "gw1 ran no EAP for the resume"
wait_status 5 "status after the resume" \
	'authenticated: resumed \(RFC 5723 ticket\), 1 IKE_AUTH exchange, 0 EAP rounds'
pass
