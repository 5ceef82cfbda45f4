#!/bin/bash
# resume-auth: the AUTH form of the IKE_AUTH after a resume (RFC 5723
# 5.1). vpnd-testgw computes it with its own code, checked against the
# resume captured with libreswan (tests/unit/kat).
#
#   message        gw1 in the message form (libreswan's), the profile at
#                  vpnd's default: resumed on the first try
#   signed-octets  gw1 in the signed-octets form, the profile says so:
#                  resumed
#   unset          gw1 in the signed-octets form, the profile at the
#                  default: gw1 refuses the resumed AUTH, a clean full
#                  handshake, and the final line names the AUTH form
#
# RS_SUBCASES="message unset" runs only those.
# The sub-cases are called by name (case_NAME), which shellcheck cannot see.
# shellcheck disable=SC2317
# shellcheck source=tests/resume/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# resumed FORM: the reconnect resumed at gw1 with no IKE_SA_INIT, and the
# gateway verified the client's AUTH in FORM.
resumed() {
	assert_out "resumed with ticket at $(re "${GW_IP[gw1]}")" "[$SUB] resumed on the first try"
	assert_no_out 'resuming failed|full handshake' "[$SUB] no fallback"
	assert_gw_event gw1 "$M1" '^event=resume_ok' "[$SUB] gw1 accepted the ticket"
	assert_gw_event gw1 "$M1" '^event=ike_auth_ok method=psk resumed=1\b' \
		"[$SUB] gw1 verified the resumed AUTH in the $1 form"
	assert_no_gw_event gw1 "$M1" '^event=(ike_sa_init|ike_auth_failed)' \
		"[$SUB] no full handshake, no refused AUTH"
	wait_status 5 "[$SUB] status after the resume" '^rs: established' \
		'gateway switch count: 1 \(resumed with a ticket; 0 DH and 0 signature operations\)'
}

case_message() {
	RS_AUTH_FORM=
	sub_begin message rfc5723
	grep -q 'resume_auth=message' "$T_TMP/gw1.events" ||
		fail "[$SUB] gw1 does not run in the message form"
	reconnect
	resumed message
}

case_signed_octets() {
	RS_AUTH_FORM=signed-octets
	sub_begin signed-octets rfc5723 --resume-auth signed-octets
	reconnect
	resumed signed-octets
}

case_unset() {
	RS_AUTH_FORM=
	sub_begin unset rfc5723 --resume-auth signed-octets
	reconnect
	assert_out "IKE_SESSION_RESUME done with .*$(re "${GW_IP[gw1]}")" "[$SUB] the resume itself worked"
	assert_gw_event gw1 "$M1" '^event=ike_auth_failed method=psk resumed=1\b' \
		"[$SUB] gw1 refused the resumed AUTH"
	final_line_has "; full handshake: gateway refused the resumed AUTH \(AUTHENTICATION_FAILED\) in the 'message' form; it may want 'resumption: auth: signed-octets'" \
		"[$SUB] the reason names the AUTH form and the setting"
	fell_back "in the 'message' form"
}

setup_net
for c in ${RS_SUBCASES:-message signed-octets unset}; do
	"case_${c//-/_}"
	log "ok: sub-case $c passed"
done
pass
