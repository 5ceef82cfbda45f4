#!/bin/bash
# resume-failover: a full handshake with gw1, then three gateway crashes in
# a row. Each time vpnd notices the dead gateway by its liveness checks and
# resumes with the stored ticket at the next gateway of the profile, by
# itself: gw2 (GSC 1), gw3 (GSC 2), then gw1 again after its restart (GSC
# 3). draft-gsc mode, so the gateways see the GSC in the top four bits of
# the IKE_SESSION_RESUME Message ID. A resumed SA must cost vpnd no DH
# and no signature, and the new gateway must see no IKE_SA_INIT.
#
# Fails without resumption (RS_RESUME_OFF=1) and when the gateways do not
# share a domain key (RS_SPLIT_DOMAIN=1).
# shellcheck source=tests/resume/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# failover_to FROM TO GSC MID: kill FROM, then vpnd must be up at TO by a
# resume with GSC, without any user action.
failover_to() {
	local from=$1 to=$2 gsc=$3 mid=$4 mark t0 t1
	mark=$(gw_mark "$to")
	t0=$(date +%s%N)
	gw_kill "$from"
	wait_status "${RS_FAILOVER_SECS:-10}" "vpnd failed over from $from to $to by itself" \
		'^rs: established' \
		"gateway: $(re "${GW_IP[$to]}")\[500\]" \
		"gateway switch count: $gsc \(resumed with a ticket; 0 DH and 0 signature operations\)"
	t1=$(date +%s%N)
	log "failover $from -> $to took $(((t1 - t0) / 1000000)) ms"
	assert_gw_event "$to" "$mark" "^event=resume_ok gsc=$gsc mid=$mid\b" \
		"$to accepted the resume with GSC $gsc in the Message ID"
	assert_gw_event "$to" "$mark" '^event=ike_auth_ok .*resumed=1' \
		"$to finished the resumed IKE_AUTH"
	assert_no_gw_event "$to" "$mark" '^event=ike_sa_init' \
		"$to saw no full handshake"
	assert_no_gw_event "$to" "$mark" '^event=resume_refused' \
		"$to refused nothing"
	assert_gw_event "$to" "$mark" "^event=ticket_issued gsc=$gsc\b" \
		"$to issued a ticket for GSC $gsc"
	wait_for 5 test "$(ticket_field gsc)" = "$gsc" ||
		fail "the stored ticket has GSC '$(ticket_field gsc)', expected $gsc"
	[ "$(ticket_field gateway)" = "${GW_IP[$to]}" ] ||
		fail "the stored ticket is from '$(ticket_field gateway)', expected ${GW_IP[$to]}"
	log "ok: stored ticket from ${GW_IP[$to]} with GSC $gsc"
	grep -Eq "lost the gateway $(re "${GW_IP[$from]}")" "$CL_DIR/vpnd.log" ||
		fail "vpnd.log has no 'lost the gateway ${GW_IP[$from]}'"
	log "ok: vpnd logged: $(grep -E "lost the gateway $(re "${GW_IP[$from]}")" "$CL_DIR/vpnd.log" | tail -n 1)"
	assert_vpnd_alive
}

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
assert_no_out 'resumed with ticket' "the first connect did not resume"
wait_status 5 "status after the full handshake" \
	'^rs: established' \
	"gateway: $(re "${GW_IP[gw1]}")\[500\]" \
	'gateway switch count: 0 \(full handshake; [1-9][0-9]* DH and [1-9][0-9]* signature operations\)' \
	'resumption ticket: from 192\.0\.2\.1, valid [0-9]+ s more, GSC 0'
assert_gw_event gw1 "$m1" '^event=ike_sa_init' "gw1 saw IKE_SA_INIT"
assert_gw_event gw1 "$m1" '^event=ike_auth_ok method=sig resumed=0' \
	"gw1 verified the client's signature"
assert_gw_event gw1 "$m1" '^event=ticket_issued gsc=0\b' "gw1 issued a ticket"
assert_ticket_private

failover_to gw1 gw2 1 0x10000000
failover_to gw2 gw3 2 0x20000000

m1=$(gw_mark gw1)
gw_start gw1 --mode draft-gsc
failover_to gw3 gw1 3 0x30000000
pass
