#!/bin/bash
# MOBIKE (RFC 4555) against libreswan 4.10 (mobike=yes), the move of
# roam-mobike.sh: the client loses the address its IKE SA was made on and
# has a second uplink (second_uplink of lib.sh); then the first address
# returns and the second goes.
#
# With ESP in the kernel, within 1 s of each change pluto's --showstates
# must show the same IKE SA (the same state, its SPIs the ones vpnd
# shows) at the new client address on port 4500, its log the processed
# UPDATE_SA_ADDRESSES (" success MOBIKE update remote address OLD ->
# NEW"), and vpnd's status the new local address on 4500. This host's
# kernel has no ESP, so that branch (move_to) does not run here; the VM
# test tests/vm/libreswan-mobike.sh (vm-libreswan-mobike) covers it with
# real ESP: the same moves there and back under a ping every 100 ms,
# traffic back within 1 s, the same IKE SA and Child SA on pluto
# (--showstates, --trafficstatus) at the new address on 4500, the same
# SPIs with the new addresses in both kernels, the policies, the lease
# and the virtual IP kept, nothing left after the disconnect.
# This script's ESP branch itself passes in the VM too (by hand:
# VPND_ENV=VPND_DNS_FILE=/tmp/dns.conf tests/vm/run-in-vm.sh --libreswan
# tests/interop/libreswan-roam-mobike.sh, the guest has no DNS manager):
# moved in 624 and 911 ms, counted from before the change.
#
# Without ESP (pluto has no Child SA, see lib-libreswan.sh) pluto 4.10
# cannot move an IKE SA: update_mobike_endpoints() wants the connection's
# newest Child SA ("EXPECTATION FAILED: ... IKE SA lost first Child SA
# #0"), so pluto keeps the old address, still logs "MOBIKE request:
# updating IPsec SA by request" and answers without NAT detection and
# without COOKIE2. vpnd must then close the SA (RFC 4555 4.8) and make a
# new one from the new address within 2 s, instead of retransmitting the
# update until it gives up: pluto's newest IKE SA is then a new state
# from the new address, with the SPIs vpnd shows; and the SA vpnd closed
# must be gone from pluto within 2 s: vpnd deletes it from the new
# address (pluto would keep it otherwise, uniqueids=no). At the end
# pluto must have no state left.
. "$(dirname "$0")/lib-libreswan.sh"

MOVE_S=1

# pluto's only established IKE SA is still #STATE, at ADDR:4500.
ls_at() {
	[ "$(ls_ike_states "$LS_DIR")" = "$STATE" ] && [ "$(ls_peer "$LS_DIR" "$STATE")" = "$1:4500" ]
}

# mark: before an address change, the count of pluto's processed
# UPDATE_SA_ADDRESSES and the time, taken before it (vpnd may have
# moved before a count after it is read).
UPDATES=0 T_CHANGE=0
mark() {
	UPDATES=$(ls_mobike_updates "$LS_DIR")
	T_CHANGE=${EPOCHREALTIME//[!0-9]/}
}

# move_to FROM ADDR: pluto and vpnd show the same IKE SA at ADDR within
# MOVE_S of the change (mark), and pluto logged the update from FROM.
move_to() {
	local t0=$T_CHANGE t1 n=$UPDATES
	wait_for "$MOVE_S" ls_at "$2" &&
		wait_for "$MOVE_S" status_has "local $(re "$2")\[4500\]" ||
		fail "not moved to $2 within $MOVE_S s: pluto $(ls_states "$LS_DIR" | head -n 3)"
	t1=${EPOCHREALTIME//[!0-9]/}
	[ "$(ls_ike_spis "$LS_DIR" "$STATE")" = "$SPIS" ] && [ "$(status_spis)" = "$SPIS" ] ||
		fail "a new IKE SA instead of a move: $SPIS -> pluto $(ls_ike_spis "$LS_DIR" "$STATE"), vpnd $(status_spis)"
	wait_for 2 test "$(ls_mobike_updates "$LS_DIR")" -gt "$n" ||
		fail "pluto did not log '$LS_MOBIKE_UPDATE'"
	ls_mobike_moved "$LS_DIR" "$1" "$2" ||
		fail "pluto did not log the remote address update $1 -> $2:4500"
	wait_status 2 "path history" "path .*moved to $(re "$2")"
	log "moved to $2 in $(((t1 - t0) / 1000)) ms; pluto: same IKE SA #$STATE $SPIS at $2:4500"
}

# new_sa_at ADDR: pluto's newest established IKE SA is newer than
# #STATE and from ADDR (sets NEW_STATE).
new_sa_at() {
	local s
	s=$(ls_ike_states "$LS_DIR" | tail -n 1)
	[ -n "$s" ] && ((s > STATE)) && [[ $(ls_peer "$LS_DIR" "$s") == "$1":* ]] || return 1
	NEW_STATE=$s
}

# renewed_at FROM ADDR: without ESP pluto refused the move of #STATE
# from FROM as described above, vpnd closed that SA, and within 2 s
# pluto's newest IKE SA is a new one from ADDR, which vpnd shows,
# established, from ADDR.
renewed_at() {
	local t0=$T_CHANGE t1 n=$UPDATES spis
	wait_for 2 new_sa_at "$2" &&
		wait_for 2 status_all '^gw: established' "local $(re "$2")\[" ||
		fail "no new IKE SA from $2 within 2 s: pluto $(ls_states "$LS_DIR" | head -n 3)"
	t1=${EPOCHREALTIME//[!0-9]/}
	[ "$(ls_mobike_updates "$LS_DIR")" -gt "$n" ] ||
		fail "pluto did not log '$LS_MOBIKE_UPDATE' for the move from $1"
	[ "$(ls_count "$LS_DIR" "$LS_NO_CHILD")" -gt "$N_NO_CHILD" ] ||
		fail "pluto did not log '$LS_NO_CHILD' (no Child SA to move)"
	N_NO_CHILD=$(ls_count "$LS_DIR" "$LS_NO_CHILD")
	! ls_mobike_moved "$LS_DIR" "$1" "$2" ||
		fail "pluto logged a move $1 -> $2 although it has no Child SA"
	assert_file_match "$CL_DIR/vpnd.log" \
		"gateway answered the move to $(re "$2")\[4500\] without our COOKIE2" \
		"vpnd did not close the SA on the answer without COOKIE2"
	spis=$(ls_ike_spis "$LS_DIR" "$NEW_STATE") ||
		fail "no SPIs of IKE SA #$NEW_STATE in pluto's log"
	[ "$spis" != "$SPIS" ] && [ "$(status_spis)" = "$spis" ] ||
		fail "vpnd shows SPIs $(status_spis), pluto's new #$NEW_STATE has $spis (old $SPIS)"
	wait_status 2 "path history" \
		"path .*(our address $(re "$1") is gone .*now $(re "$2")|leaves from $(re "$2") now, not $(re "$1"))"
	wait_for 2 ls_state_gone "$STATE" ||
		fail "pluto still has the IKE SA #$STATE vpnd left: $(ls_states "$LS_DIR")"
	log "no move without a Child SA on pluto: new IKE SA #$NEW_STATE $spis from $2 in $(((t1 - t0) / 1000)) ms (was #$STATE $SPIS)"
	STATE=$NEW_STATE SPIS=$spis
}

# ls_state_gone N: pluto answers and has no state #N (fails closed).
ls_state_gone() {
	local out
	out=$(ls_whack "$LS_DIR" --showstates 2>/dev/null) || return 1
	! grep -qE "^[0-9]* *#$1:" <<<"$out"
}

LS_NO_CHILD='EXPECTATION FAILED: .* IKE SA lost first Child SA'
N_NO_CHILD=0

# change FROM TO: the move with ESP, the new SA without.
change() {
	if [ "$ESP" = yes ]; then
		move_to "$@"
	else
		renewed_at "$@"
	fi
}

require_vpnd
setup_net
second_uplink
lsgw_up mobike=yes
client_profile gw psk timers="ike-rekey-time: 0, dpd-interval: 300"
vpnd_start
connect_libreswan gw
ESP=no
! kernel_has_esp "$NS_GW" || ESP=yes
grep -q 'gateway supports MOBIKE' "$CL_DIR/vpnd.log" ||
	fail "vpnd did not see MOBIKE_SUPPORTED from pluto"
[ "$(ls_peer "$LS_DIR" "$STATE")" = "$CL_IP:500" ] ||
	fail "pluto sees the client at $(ls_peer "$LS_DIR" "$STATE")"

mark
ip -n "$NS_CL" addr del "$CL_IP/24" dev "vc$T_ID" || fail "ip addr del $CL_IP"
change "$CL_IP" "$CL_IP2"
if [ "$ESP" = yes ]; then
	[ "$(vip_of_status)" = "$VIP" ] || fail "virtual IP changed: $VIP -> $(vip_of_status)"
	[ "$(ls_lease "$LS_DIR")" = "$LEASE" ] ||
		fail "pluto's lease changed from '$LEASE' to '$(ls_lease "$LS_DIR")'"
fi

# and back: the first address returns, the route to the gateway leaves
# from it again, and vpnd follows the route; then the second one goes,
# which changes nothing any more
mark
ip -n "$NS_CL" addr add "$CL_IP/24" dev "vc$T_ID" || fail "ip addr add $CL_IP"
change "$CL_IP2" "$CL_IP"
BACK=$(status_spis)
ip -n "$NS_CL" addr del "$CL_IP2/25" dev "vd$T_ID" || fail "ip addr del $CL_IP2"
sleep 1
[ "$(status_spis)" = "$BACK" ] ||
	fail "the second address going changed the IKE SA: $BACK -> $(status_spis)"
status_has '^gw: established' || fail "after the moves: $VPNCTL_OUT"
assert_vpnd_alive

vpnctl_disconnect gw
assert_rc 0 "vpnctl disconnect gw"
assert_lsgw_no_state 10
assert_vpnd_alive
pass
