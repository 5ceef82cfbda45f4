#!/bin/bash
# vpnctl follows vpnd until vpnd reports an outcome. The gateway goes
# silent (its link is down): `vpnctl disconnect` must wait for vpnd's
# DELETE retransmissions to run out (the profile's timers make them take
# about 37 s, more than the 30 s the old vpnctl waited before saying "no
# answer from vpnd") and then report the connection down. A connect
# issued while that disconnect is under way must not be refused ("going
# down"): vpnd waits for the close, then connects, and the connect
# succeeds once the gateway is back.
. "$(dirname "$0")/lib.sh"

require_vpnd
setup_net
gw_up psk
# 1.2 + 2.4 + 4.8 + 9.6 + 19.2 s of retransmissions; no liveness checks.
client_profile gw psk \
	timers="retransmit-timeout: 1.2, retransmit-base: 2, retransmit-tries: 4, dpd-interval: 0"
vpnd_start

vpnctl_connect gw
assert_connect_rc "vpnctl connect gw"
assert_gw_established

gw_link() { ip -n "$NS_GW" link set "vg$T_ID" "$1" || fail "link $1"; }
list_state() { # STATE: vpnctl list shows gw in STATE
	"$VPNCTL" -s "$VPND_SOCK" list 2>/dev/null | grep -Eq "^gw +$1 "
}

gw_link down
log "gateway link down: the gateway hears nothing from now on"

# Background jobs keep their results in files.
run_bg() { # NAME ARGS...
	local name=$1
	shift
	( "$VPNCTL" -s "$VPND_SOCK" "$@" >"$T_TMP/$name.out" 2>&1
	  echo $? >"$T_TMP/$name.rc" ) &
}

run_bg disconnect disconnect gw
DISCONNECT_PID=$!
wait_for 10 list_state closing || fail "gw did not start closing"
log "gw is closing; connecting again meanwhile"
run_bg connect connect gw
CONNECT_PID=$!

# The queued connect starts once vpnd has given up on the DELETE.
wait_for 120 list_state connecting ||
	fail "the connect did not start after the close: $("$VPNCTL" -s "$VPND_SOCK" list 2>&1)"
log "the close is over and the connect started; gateway link up again"
gw_link up

wait "$DISCONNECT_PID"
VPNCTL_OUT=$(cat "$T_TMP/disconnect.out")
VPNCTL_RC=$(cat "$T_TMP/disconnect.rc")
log "vpnctl disconnect gw -> exit $VPNCTL_RC"
printf '%s\n' "$VPNCTL_OUT" | sed 's/^/    | /'
assert_rc 0 "vpnctl disconnect gw against a silent gateway"
assert_match "$VPNCTL_OUT" "^gw is down$" "vpnctl disconnect output"
assert_no_match "$VPNCTL_OUT" "no answer from vpnd" "vpnctl disconnect output"

wait "$CONNECT_PID"
VPNCTL_OUT=$(cat "$T_TMP/connect.out")
VPNCTL_RC=$(cat "$T_TMP/connect.rc")
log "vpnctl connect gw (while closing) -> exit $VPNCTL_RC"
printf '%s\n' "$VPNCTL_OUT" | sed 's/^/    | /'
assert_match "$VPNCTL_OUT" "gw is closing; connecting once it is down" \
	"vpnctl connect while closing"
assert_no_match "$VPNCTL_OUT" "going down" "vpnctl connect while closing"
assert_connect_rc "vpnctl connect gw after the close"
assert_gw_established
assert_vpnd_alive
disconnect_and_verify gw
pass
