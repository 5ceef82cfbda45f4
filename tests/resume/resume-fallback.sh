#!/bin/bash
# resume-fallback: every way a resume can fail must end in a full handshake
# with the same gateway, with the reason in vpnctl's output, and the
# connection up. Each sub-case: a full connect to gw1 (which gives a
# ticket), SIGKILL vpnd (`vpnctl disconnect` would delete the ticket),
# spoil the ticket or configure gw1 to refuse it, a new vpnd, `vpnctl
# connect rs`.
#
#   tampered     one byte of the opaque ticket flipped (the store's MAC
#                is still valid: ticket-tool re-saves it)  -> tampered
#   expired      expired on the client: no resume is sent at all
#   gw-expired   gw1 issues 3 s tickets; 5 s later the client's copy is
#                made to look valid for an hour           -> expired
#   replayed     a copy saved before a successful resume, put back and
#                used again                                -> replayed
#   nack         gw1 --nack-resume                         -> nack
#   gsc          draft-gsc, gw1 --gsc-floor 5; the resume has GSC 1 -> gsc
#
# RS_SUBCASES="tampered nack" runs only those. RS_NO_SPOIL=1 leaves the
# ticket alone: tampered, expired and replayed must then fail.
# The sub-cases are called by name (case_NAME), which shellcheck cannot see.
# shellcheck disable=SC2317
# shellcheck source=tests/resume/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# spoil ARGS...: ticket-tool ARGS, unless RS_NO_SPOIL=1 (then the ticket
# stays good and the tampered/expired/replayed sub-cases must fail).
spoil() {
	if [ "${RS_NO_SPOIL:-0}" = 1 ]; then
		log "RS_NO_SPOIL=1: not running ticket-tool $*"
		return 0
	fi
	ticket_tool "$@" || fail "[$SUB] ticket-tool $*"
}

# refused GW_REASON: gw1 answered the resume with a refusal for that
# reason, then came the full handshake.
refused() {
	assert_out "IKE_SESSION_RESUME sent to .*$(re "${GW_IP[gw1]}")" "[$SUB] vpnd tried to resume"
	assert_out "resuming failed \(.*\); falling back to a full handshake with .*$(re "${GW_IP[gw1]}")" \
		"[$SUB] vpnd reports the fallback"
	assert_gw_event gw1 "$M1" "^event=resume_refused reason=$1\b" "[$SUB] gw1 refused the ticket"
	assert_no_gw_event gw1 "$M1" '^event=resume_ok' "[$SUB] gw1 accepted no resume"
	assert_gw_order gw1 "$M1" '^event=resume_refused' '^event=ike_sa_init' \
		"[$SUB] gw1's IKE_SA_INIT came after the refusal"
	fell_back 'TICKET_NACK'
}

case_tampered() {
	local len
	sub_begin tampered rfc5723
	len=$(ticket_field ticket-length)
	if ! [[ "$len" =~ ^[1-9][0-9]*$ ]]; then
		fail "ticket-tool show: ticket length '$len'"
	fi
	spoil flip-byte $((len / 2))
	log "flipped byte $((len / 2)) of the $len-byte ticket"
	reconnect
	refused tampered
}

case_expired() {
	sub_begin expired rfc5723
	spoil set-expires-in -10
	reconnect
	assert_no_out 'IKE_SESSION_RESUME sent' "[$SUB] vpnd sent no resume"
	assert_no_gw_event gw1 "$M1" '^event=resume_' "[$SUB] gw1 saw no resume"
	fell_back 'the stored ticket had expired'
}

case_gw_expired() {
	local left
	sub_begin gw-expired rfc5723 --ticket-lifetime 3
	sleep 5
	ticket_tool set-expires-in 3600 || fail "ticket-tool set-expires-in 3600"
	left=$(ticket_field expires-in)
	((left > 3500)) || fail "[$SUB] the ticket expires in '$left' s after set-expires-in 3600"
	reconnect
	refused expired
}

case_replayed() {
	local saved=$T_TMP/saved.ticket
	sub_begin replayed rfc5723
	ticket_tool save "$saved" || fail "ticket-tool save"
	[ "$(stat -c %a "$saved")" = 600 ] || fail "saved copy has mode $(stat -c %a "$saved")"
	reconnect
	assert_out "resumed with ticket at $(re "${GW_IP[gw1]}")" "[$SUB] the first use of the ticket resumes"
	assert_gw_event gw1 "$M1" '^event=resume_ok' "[$SUB] gw1 accepted the first use"
	vpnd_kill
	spoil restore "$saved"
	log "put the saved (now used) ticket back"
	reconnect
	refused replayed
}

case_nack() {
	sub_begin nack rfc5723 --nack-resume
	reconnect
	refused nack
}

case_gsc() {
	sub_begin gsc draft-gsc --gsc-floor 5
	reconnect
	assert_out 'IKE_SESSION_RESUME sent to .*\(GSC 1\)' "[$SUB] the resume carries GSC 1"
	refused gsc
	assert_gw_event gw1 "$M1" '^event=resume_refused reason=gsc mid=0x10000000\b' \
		"[$SUB] GSC 1 in the refused Message ID"
}

setup_net
gw_start gw2
gw_start gw3
for c in ${RS_SUBCASES:-tampered expired gw-expired replayed nack gsc}; do
	"case_${c//-/_}"
	log "ok: sub-case $c passed"
done
pass
