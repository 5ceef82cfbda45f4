#!/bin/bash
# resume-backup: failover to a backup gateway that only the gateway named.
# The client profile lists gw1 alone; gw1 announces gw2 and gw3 in
# N(VPND_ALT_GW_LIST) during the full handshake, and vpnd keeps them with
# its ticket. Then gw1 is muted (SIGUSR1: alive, but it drops every
# datagram). vpnd must notice by its liveness checks and resume with the
# ticket at gw2, an address it knows from the ALT_GW_LIST only: no DH, no
# signature, no IKE_SA_INIT at gw2. rfc5723 mode (Message ID 0).
#
# Fails when gw1 announces no backups (RS_NO_BACKUPS=1): vpnd then has
# nowhere to go but the muted gw1. Also fails with RS_RESUME_OFF=1 (no
# ticket is asked for, so no backup list either) and RS_SPLIT_DOMAIN=1.
# shellcheck source=tests/resume/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PROFILE_GWS=(gw1)
no_backups=${RS_NO_BACKUPS:-0}

setup_net
client_profile rfc5723
for g in gw2 gw3; do
	grep -Fq "${GW_IP[$g]}" "$CL_DIR/profiles/$PROFILE.yaml" &&
		fail "the profile names $g (${GW_IP[$g]}); it must list gw1 only"
done
log "ok: the profile names neither gw2 nor gw3"

if [ "$no_backups" = 1 ]; then
	log "RS_NO_BACKUPS=1: gw1 announces no backup gateways (this case must fail)"
	gw_start gw1 --mode rfc5723
else
	gw_start gw1 --mode rfc5723 --backup "${GW_IP[gw2]}" --backup "${GW_IP[gw3]}"
fi
for g in gw2 gw3; do
	gw_start "$g" --mode rfc5723
done
vpnd_start

# 1. Full handshake at gw1, which announces its backups.
m1=$(gw_mark gw1)
vpnctl_run connect "$PROFILE"
assert_connect_rc "first connect"
assert_out "IKE SA established with .*$(re "${GW_IP[gw1]}")" "full handshake with gw1"
assert_no_out 'resumed with ticket' "the first connect did not resume"
assert_gw_event gw1 "$m1" '^event=ike_sa_init' "gw1 saw IKE_SA_INIT"
assert_gw_event gw1 "$m1" '^event=ike_auth_ok method=sig resumed=0' \
	"gw1 verified the client's signature"
assert_gw_event gw1 "$m1" '^event=ticket_issued gsc=0\b' "gw1 issued a ticket"
assert_ticket_private
[ "$(ticket_field gateway)" = "${GW_IP[gw1]}" ] ||
	fail "the stored ticket is from '$(ticket_field gateway)', expected ${GW_IP[gw1]}"
wait_status 5 "status after the full handshake" \
	'^rs: established' \
	"gateway: $(re "${GW_IP[gw1]}")\[500\]" \
	'gateway switch count: 0 \(full handshake; [1-9][0-9]* DH and [1-9][0-9]* signature operations\)'
if [ "$no_backups" = 1 ]; then
	assert_no_out 'backup gateways:' "RS_NO_BACKUPS=1: status shows no backup gateways"
else
	assert_gw_event gw1 "$m1" '^event=alt_gw_list n=2$' \
		"gw1 sent its two backups in N(VPND_ALT_GW_LIST)"
	assert_out "^ *backup gateways: $(re "${GW_IP[gw2]}") $(re "${GW_IP[gw3]}")$" \
		"vpnd learnt the backups from gw1"
	# ticket-tool shows the number of backups kept with the ticket
	wait_for 5 test "$(ticket_field backups)" = 2 ||
		fail "the stored ticket keeps '$(ticket_field backups)' backup gateways, expected 2"
	log "ok: the stored ticket keeps 2 backup gateways"
fi

# 2. gw1 stops answering; vpnd must go to gw2 by itself, with the ticket.
m1=$(gw_mark gw1)
m2=$(gw_mark gw2)
m3=$(gw_mark gw3)
t0=$(date +%s%N)
gw_mute gw1
wait_status "${RS_FAILOVER_SECS:-10}" "vpnd failed over from the muted gw1 to the backup gw2" \
	'^rs: established' \
	"gateway: $(re "${GW_IP[gw2]}")\[500\]" \
	'gateway switch count: 1 \(resumed with a ticket; 0 DH and 0 signature operations\)'
t1=$(date +%s%N)
log "failover gw1 -> gw2 took $(((t1 - t0) / 1000000)) ms"
kill -0 "${GW_PID[gw1]}" 2>/dev/null ||
	fail "gw1 (pid ${GW_PID[gw1]}) exited; it was only to be muted"
log "ok: gw1 (pid ${GW_PID[gw1]}) is still running, muted"
assert_gw_event gw2 "$m2" '^event=resume_ok gsc=1 mid=0x00000000\b' \
	"gw2 accepted the resume (rfc5723: Message ID 0, GSC 1)"
assert_gw_event gw2 "$m2" '^event=ike_auth_ok .*resumed=1' \
	"gw2 finished the resumed IKE_AUTH"
assert_no_gw_event gw2 "$m2" '^event=ike_sa_init' "gw2 saw no full handshake"
assert_no_gw_event gw2 "$m2" '^event=resume_refused' "gw2 refused nothing"
assert_gw_event gw2 "$m2" '^event=ticket_issued gsc=1\b' "gw2 issued a ticket for GSC 1"
assert_no_gw_event gw3 "$m3" '^event=(ike_sa_init|resume_)' "gw3 was not contacted"
grep -Eq "lost the gateway $(re "${GW_IP[gw1]}")" "$CL_DIR/vpnd.log" ||
	fail "vpnd.log has no 'lost the gateway ${GW_IP[gw1]}'"
log "ok: vpnd logged: $(grep -E "lost the gateway $(re "${GW_IP[gw1]}")" "$CL_DIR/vpnd.log" | tail -n 1)"
wait_for 5 test "$(ticket_field gsc)" = 1 ||
	fail "the stored ticket has GSC '$(ticket_field gsc)', expected 1"
[ "$(ticket_field gateway)" = "${GW_IP[gw2]}" ] ||
	fail "the stored ticket is from '$(ticket_field gateway)', expected ${GW_IP[gw2]}"
log "ok: stored ticket from ${GW_IP[gw2]} with GSC 1, $(ticket_field backups) backup gateways"
assert_vpnd_alive
pass
