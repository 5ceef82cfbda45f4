#!/bin/bash
# notify: the built vpnd speaks systemd's notify protocol to a
# NOTIFY_SOCKET the test listens on (notify-listen, the service
# manager's side), as it would under Type=notify with WatchdogSec=:
#   - every message comes from vpnd's own pid (NotifyAccess=main);
#   - READY=1 only once the control socket answers (notify-listen
#     connects to it the moment READY=1 arrives) and then
#     STATUS=2 profiles, none connected (the profiles loaded);
#   - WATCHDOG_USEC=400000: WATCHDOG=1 keeps coming from the loop;
#   - a connect to vpnd-testgw (gateway namespace): STATUS= goes through
#     "1 connecting" to "1 connected: sn (192.0.2.1)", and back to
#     "none connected" after the disconnect;
#   - connected again, SIGTERM: STOPPING=1, then STATUS=stopping: ...
#     down to "none connected", and vpnd exits 0.
# Needs root (network namespaces); exit 77 (skip) without it, a failure
# with CI=true.
# By hand: VPND=build/src/daemon/vpnd VPNCTL=build/src/vpnctl/vpnctl \
#   TESTGW=build/tests/testgw/vpnd-testgw \
#   LISTEN=build/tests/systemd/notify-listen bash tests/systemd/notify.sh
CASE=notify
# shellcheck source=tests/systemd/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=../lib/netns.sh
. "$SD_HERE/../lib/netns.sh"
# shellcheck source=../lib/vpnd.sh
. "$SD_HERE/../lib/vpnd.sh"

NS_GW=sd-ntg-$T_ID
NS_CL=sd-ntc-$T_ID
GW_IP=192.0.2.1
CL_IP=192.0.2.2
PSK=notify-test-psk-0123456789

require_exe VPND VPNCTL TESTGW LISTEN
require_netns
CL_DIR=$T_TMP
client_dir "$CL_DIR"
netns_add "$NS_GW"
netns_add "$NS_CL"
veth_link "$NS_CL" "sc$T_ID" "$CL_IP/24" "$NS_GW" "sg$T_ID" "$GW_IP/24"

(umask 077; cat >"$CL_DIR/profiles/sn.yaml" <<EOY
connection: {name: sn, gateway: $GW_IP}
local: {id: "fqdn:client.test", auth: psk, psk: "$PSK"}
remote: {id: "fqdn:gw.test", auth: psk}
EOY
sed -e 's/name: sn,/name: other,/' -e "s/gateway: $GW_IP/gateway: 192.0.2.99/" \
	"$CL_DIR/profiles/sn.yaml" >"$CL_DIR/profiles/other.yaml"
)

ip netns exec "$NS_GW" "$TESTGW" --listen "$GW_IP" --id gw.test \
	--psk "$PSK" >"$T_TMP/gw.events" 2>"$T_TMP/gw.log" </dev/null &
track_pid $!
wait_for 5 grep -q '^event=listening' "$T_TMP/gw.events" ||
	fail "vpnd-testgw did not start"

N=$T_TMP/notify.log
"$LISTEN" "$T_TMP/notify" --check-socket "$CL_DIR/vpnd.sock" >"$N" \
	2>"$T_TMP/listen.log" &
track_pid $!
wait_for 5 grep -q '^listening$' "$N" || fail "notify-listen did not start"

VPND_ARGS=(--no-kernel)
VPND_ENV=(NOTIFY_SOCKET="$T_TMP/notify" WATCHDOG_USEC=400000)
vpnd_start
SENDER=$VPND_PID

# has ERE: a message matching ERE arrived (the line without "pid=N ").
has() { sed 's/^pid=[0-9]* //' "$N" | grep -Eq -- "$1"; }
# at_least N ERE: N messages match ERE.
at_least() { (($(sed 's/^pid=[0-9]* //' "$N" | grep -Ec -- "$2") >= $1)); }
# expect WHAT ERE: waits up to 30 s for it.
expect() {
	wait_for 30 has "$2" || fail "$1: no /$2/ from vpnd"
	log "ok: $1: $(sed 's/^pid=[0-9]* //' "$N" | grep -E -- "$2" | tail -n 1)"
}

expect "ready" '^READY=1$'
wait_for 10 grep -q '^ready-check: ' "$N" || fail "notify-listen did not check"
check=$(grep '^ready-check: ' "$N" | head -n 1)
[ "$check" = "ready-check: ok" ] ||
	fail "READY=1 came before the control socket answered: $check"
log "ok: the control socket answered when READY=1 came"
expect "status after start" '^STATUS=2 profiles, none connected$'
first_status=$(grep -n '^pid=[0-9]* STATUS=' "$N" | head -n 1 | cut -d: -f1)
ready_line=$(grep -n '^pid=[0-9]* READY=1$' "$N" | head -n 1 | cut -d: -f1)
((ready_line < first_status)) || fail "STATUS= came before READY=1"

wait_for 30 at_least 3 '^WATCHDOG=1$' ||
	fail "WATCHDOG=1 did not keep coming: $(grep -c 'WATCHDOG=1$' "$N") pings"
log "ok: watchdog: $(grep -c 'WATCHDOG=1$' "$N") pings so far"

VPNCTL_T=30
vpnctl_connect sn
assert_rc 0 "vpnctl connect sn"
expect "connecting" '^STATUS=2 profiles, none connected; 1 connecting$'
expect "connected" '^STATUS=2 profiles, 1 connected: sn \(192\.0\.2\.1\)$'
vpnctl_disconnect sn
assert_rc 0 "vpnctl disconnect sn"
wait_for 30 at_least 2 '^STATUS=2 profiles, none connected$' ||
	fail "STATUS= did not go back to none connected"
log "ok: none connected after the disconnect"

vpnctl_connect sn
assert_rc 0 "vpnctl connect sn (again)"
wait_for 30 at_least 2 '^STATUS=2 profiles, 1 connected: sn ' ||
	fail "not connected again"
kill -TERM "$VPND_PID"
expect "stopping" '^STOPPING=1$'
expect "status while stopping" '^STATUS=stopping: 2 profiles, none connected$'
wait "$VPND_PID"
rc=$?
untrack_pid "$VPND_PID"
VPND_PID=
[ "$rc" = 0 ] || fail "vpnd exited $rc after SIGTERM"
log "ok: vpnd exited 0"

stop_line=$(grep -n '^pid=[0-9]* STOPPING=1$' "$N" | cut -d: -f1)
stopping_status=$(grep -n '^pid=[0-9]* STATUS=stopping' "$N" | head -n 1 | cut -d: -f1)
((stop_line < stopping_status)) || fail "STATUS=stopping came before STOPPING=1"
[ "$(grep -c '^pid=[0-9]* READY=1$' "$N")" = 1 ] ||
	fail "READY=1 came $(grep -c '^pid=[0-9]* READY=1$' "$N") times"
pids=$(grep -o '^pid=[0-9]*' "$N" | sort -u | tr '\n' ' ')
[ "$pids" = "pid=$SENDER " ] ||
	fail "messages came from $pids, not only from vpnd (pid $SENDER)"
log "ok: every message came from vpnd's pid $SENDER"
log "messages: $(grep -c '^pid=' "$N") ($(grep -c 'WATCHDOG=1$' "$N") watchdog pings)"
pass
