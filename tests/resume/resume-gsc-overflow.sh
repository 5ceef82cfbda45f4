#!/bin/bash
# resume-gsc-overflow: the 4-bit gateway switch count must not wrap
# (failover draft 4.2.2). draft-gsc mode: a full connect, vpnd killed, the
# stored ticket set to GSC 14, a new vpnd resumes with GSC 15 (gw1 sees
# Message ID 0xf0000000) and then rekeys the IKE SA by itself
# (CREATE_CHILD_SA, no new IKE_SA_INIT), which makes a new IKE SA with
# GSC 0 (status and the fresh stored ticket).
#
# Fails if vpnd lets GSC 15 stand: the status checks at the end.
# shellcheck source=tests/resume/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

setup_net
client_profile draft-gsc
for g in gw1 gw2 gw3; do
	gw_start "$g" --mode draft-gsc
done
vpnd_start

m1=$(gw_mark gw1)
vpnctl_run connect "$PROFILE"
assert_connect_rc "first connect"
assert_out "IKE SA established with .*$(re "${GW_IP[gw1]}")" "full handshake with gw1"
assert_gw_event gw1 "$m1" '^event=ticket_issued gsc=0\b' "gw1 issued a ticket"
assert_ticket_private

vpnd_kill
ticket_tool set-gsc 14 || fail "ticket-tool set-gsc 14"
[ "$(ticket_field gsc)" = 14 ] || fail "ticket-tool show: GSC '$(ticket_field gsc)' after set-gsc 14"
log "ok: stored ticket now has GSC 14"

vpnd_start
m1=$(gw_mark gw1)
vpnctl_run connect "$PROFILE"
assert_connect_rc "connect with the GSC-14 ticket"
CONNECT_OUT=$VPNCTL_OUT
assert_out "resumed with ticket at $(re "${GW_IP[gw1]}")\[500\] \(GSC 15\)" "resumed with GSC 15"
assert_gw_event gw1 "$m1" '^event=resume_ok gsc=15 mid=0xf0000000\b' \
	"gw1 accepted the resume with GSC 15 in the Message ID"
assert_gw_event gw1 "$m1" '^event=ike_rekeyed by=initiator' \
	"vpnd rekeyed the IKE SA" 15
assert_gw_order gw1 "$m1" '^event=resume_ok' '^event=ike_rekeyed' \
	"the rekey came after the GSC-15 resume"
assert_gw_event gw1 "$m1" '^event=ike_old_deleted' \
	"vpnd deleted the resumed IKE SA after the rekey" 10
assert_no_gw_event gw1 "$m1" '^event=ike_sa_init' \
	"no full handshake was needed"
assert_gw_event gw1 "$m1" '^event=ticket_issued gsc=0\b' "gw1 issued a GSC-0 ticket" 10
wait_status 15 "status after the rekey" \
	'^rs: established' \
	"gateway: $(re "${GW_IP[gw1]}")\[500\]" \
	'gateway switch count: 0 \(IKE SA rekeyed\)' \
	'resumption ticket: from 192\.0\.2\.1, valid [0-9]+ s more, GSC 0'
# the progress line goes to vpnctl's output if it comes before connect
# returns, and to vpnd's log in any case
grep -Eqh 'GSC reached 15' "$CL_DIR/vpnd.log" <(printf '%s\n' "$CONNECT_OUT") ||
	fail "neither vpnd.log nor vpnctl's output has 'GSC reached 15'"
log "ok: vpnd said: $(grep -Eh 'GSC reached 15' "$CL_DIR/vpnd.log" <(printf '%s\n' "$CONNECT_OUT") | tail -n 1)"
[ "$(ticket_field gsc)" = 0 ] || fail "stored ticket has GSC '$(ticket_field gsc)', expected 0"
log "ok: the stored ticket has GSC 0"
assert_vpnd_alive
pass
