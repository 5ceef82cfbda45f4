#!/bin/bash
# IKE SA rekeying against libreswan 4.10 (RFC 7296 1.3.2): three rekeys
# started by the gateway (`whack --rekey-ike`), then two of vpnd's own
# (ike-rekey-time 10 s). After each one pluto has exactly one established
# IKE SA, a new state, and vpnd reports the rekey with the right side as
# its initiator; the connection stays established throughout.
. "$(dirname "$0")/lib-vpnd.sh"

ike_states() { # the numbers of pluto's established IKE SAs
	ls_whack "$(gw_dir gw1)" --showstates 2>/dev/null |
		grep 'STATE_V2_ESTABLISHED_IKE_SA' |
		sed -n 's/^[0-9]* *#\([0-9]*\):.*/\1/p' | sort -n | tr '\n' ' '
}

STATE=
NEW_STATE=
# One established IKE SA, not the one we had.
rekeyed() {
	local s
	s=$(ike_states)
	[ -n "$s" ] && [ "${s% }" = "${s%% *}" ] && [ "${s%% *}" != "$STATE" ] || return 1
	NEW_STATE=${s%% *}
}

count() { grep -c -- "$1" "$CL_DIR/vpnd.log"; }

# wait_rekey WHAT SECONDS BY: pluto's only IKE SA is a new one within
# SECONDS, and vpnd reported one more rekey by BY (us|the gateway).
wait_rekey() {
	local what=$1 secs=$2 by=$3 before=$REKEYS
	wait_for "$secs" rekeyed ||
		fail "$what: pluto has no single new IKE SA within $secs s (had #$STATE): $(gw_states gw1)"
	wait_for 5 test "$(count "IKE SA rekeyed by $by")" -gt "$before" ||
		fail "$what: vpnd did not report an IKE SA rekey by $by"
	REKEYS=$(count "IKE SA rekeyed by $by")
	vpnctl_quiet status gw
	grep -q '^gw: established' <<<"$VPNCTL_OUT" ||
		fail "$what: vpnd is not established: $VPNCTL_OUT"
	assert_vpnd_alive
	log "ok: $what: pluto's IKE SA is #$NEW_STATE (was #$STATE), vpnd established"
	STATE=$NEW_STATE
}

setup_net
gw1_up "" ""
CL_TIMERS="ike-rekey-time: 0" client_profile gw
vpnd_start
vpnctl_run connect gw
assert_connect_rc "vpnctl connect gw"
assert_gw_established gw1
STATE=$(ike_states); STATE=${STATE%% *}
REKEYS=0
for i in 1 2 3; do
	ls_whack "$(gw_dir gw1)" --name rw --rekey-ike >"$T_TMP/whack-rekey.out" 2>&1 ||
		fail "whack --rekey-ike: $(cat "$T_TMP/whack-rekey.out")"
	wait_rekey "gateway rekey $i" 15 "the gateway"
done

vpnctl_run disconnect gw
assert_rc 0 "vpnctl disconnect gw"
assert_gw_no_state gw1
CL_TIMERS="ike-rekey-time: 10" client_profile gw
vpnctl_run reload
assert_rc 0 "vpnctl reload"
vpnctl_run connect gw
assert_connect_rc "vpnctl connect gw (ike-rekey-time 10)"
assert_gw_established gw1
STATE=$(ike_states); STATE=${STATE%% *}
REKEYS=0
for i in 1 2; do
	wait_rekey "vpnd rekey $i" 20 us
done
vpnctl_run disconnect gw
assert_rc 0 "vpnctl disconnect gw"
assert_gw_no_state gw1
pass
