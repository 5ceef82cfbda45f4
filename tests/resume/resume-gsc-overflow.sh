#!/bin/bash
# resume-gsc-overflow: the 4-bit gateway switch count must not wrap
# (failover draft 4.2.2). draft-gsc mode: a full connect, vpnd killed, the
# stored ticket set to GSC 14, a new vpnd resumes with GSC 15 (gw1 sees
# Message ID 0xf0000000) and then re-establishes the IKE SA with a full
# handshake by itself, which brings the GSC back to 0 (status and stored
# ticket).
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
assert_gw_event gw1 "$m1" '^event=ike_sa_init' \
	"vpnd re-established the IKE SA with a full handshake" 15
assert_gw_order gw1 "$m1" '^event=resume_ok' '^event=ike_sa_init' \
	"the full handshake came after the GSC-15 resume"
assert_gw_event gw1 "$m1" '^event=ike_auth_ok method=sig resumed=0' \
	"gw1 verified the client's signature in the new full handshake" 10
assert_gw_event gw1 "$m1" '^event=ticket_issued gsc=0\b' "gw1 issued a GSC-0 ticket" 10
wait_status 15 "status after the re-establishment" \
	'^rs: established' \
	"gateway: $(re "${GW_IP[gw1]}")\[500\]" \
	'gateway switch count: 0 \(full handshake; [1-9][0-9]* DH and [1-9][0-9]* signature operations\)' \
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
