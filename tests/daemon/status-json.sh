#!/bin/bash
# status-json: vpnctl status and list, as text and as --json, against
# the real engine and profile loader: vpnd (client namespace) connects a
# PSK profile to vpnd-testgw (gateway namespace).
#   - the JSON parses (python3's json) and its fields are the values the
#     text shows: state, SPIs, addresses, proposal, identity, virtual IP,
#     Child SA SPIs; the text names the connection once, in its first
#     line, with since when and why ("established since ...: ... [up]",
#     after the disconnect "idle since ...: ... [user]");
#   - a profile file that does not load is listed with the error that
#     `vpnctl check` gives for it, in text and JSON, and `connect` of its
#     name answers with that error;
#   - `vpnctl monitor --json` sees the connect and the disconnect.
# Needs root and python3; exit 77 (skip) without them, a failure with
# CI=true.
# By hand: VPND=build/src/daemon/vpnd VPNCTL=build/src/vpnctl/vpnctl \
#   TESTGW=build/tests/testgw/vpnd-testgw bash tests/daemon/status-json.sh
CASE=status-json
# shellcheck source=tests/daemon/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

NS_GW=vd-sjg-$T_ID
NS_CL=vd-sjc-$T_ID
GW_IP=192.0.2.1
CL_IP=192.0.2.2
PSK=status-json-test-psk-0123456789

require VPND VPNCTL TESTGW
command -v python3 >/dev/null || skip "python3 is not installed"
netns_add "$NS_GW"
netns_add "$NS_CL"
veth_link "$NS_CL" "sc$T_ID" "$CL_IP/24" "$NS_GW" "sg$T_ID" "$GW_IP/24"

(umask 077
cat >"$T_TMP/profiles/sj.yaml" <<EOY
connection: {name: sj, gateway: $GW_IP}
local: {id: "fqdn:client.test", auth: psk, psk: "$PSK"}
remote: {id: "fqdn:gw.test", auth: psk}
traffic-selectors: {local: [dynamic], remote: ["198.51.100.0/24"]}
ipv4: {method: auto}
EOY
cat >"$T_TMP/profiles/broken.yaml" <<EOY
connection: {name: broken, gateway: $GW_IP, colour: blue}
local: {id: "fqdn:client.test", auth: psk, psk: "$PSK"}
remote: {id: "fqdn:gw.test", auth: psk}
EOY
)

ip netns exec "$NS_GW" "$TESTGW" --listen "$GW_IP" --id gw.test \
	--psk "$PSK" >"$T_TMP/gw.events" 2>"$T_TMP/gw.log" </dev/null &
track_pid $!
wait_for 5 grep -q '^event=listening' "$T_TMP/gw.events" ||
	fail "vpnd-testgw did not start"
vpnd_start

# JSON FILE CONDITION: python3 parses FILE, CONDITION holds for d (the
# document), t (the text status in $T_TMP/status.txt, if any) and re.
json_ok() {
	python3 - "$1" "$T_TMP/status.txt" "$2" <<'EOP'
import json, re, sys
d = json.load(open(sys.argv[1], encoding='utf-8'))
try:
    t = open(sys.argv[2], encoding='utf-8').read()
except OSError:
    t = ''
def line(pattern):
    """The groups of the text status line matching pattern."""
    m = re.search(pattern, t, re.M)
    return m.groups() if m else None
ok = eval("(" + sys.argv[3] + ")")
if not ok:
    print(json.dumps(d, indent=1)[:3000], file=sys.stderr)
sys.exit(0 if ok else 1)
EOP
}

# ---- a profile that did not load
"$VPNCTL" check "$T_TMP/profiles/broken.yaml" >/dev/null 2>"$T_TMP/check.err" &&
	fail "vpnctl check accepted broken.yaml"
CHECK_ERR=$(cat "$T_TMP/check.err")
log "vpnctl check: $CHECK_ERR"
vpnctl_run list
assert_rc 0 "vpnctl list"
assert_match "$VPNCTL_OUT" "^broken +invalid +$(re "$CHECK_ERR")\$" \
	"list shows broken.yaml with check's error"
assert_match "$VPNCTL_OUT" '^sj +idle +192\.0\.2\.1$' "list shows sj"
assert_match "$VPNCTL_OUT" '^1 profile, 1 file did not load$' "list's count"
"$VPNCTL" -s "$VPND_SOCK" list --json >"$T_TMP/list.json" ||
	fail "vpnctl list --json failed"
CHECK_ERR=$CHECK_ERR json_ok "$T_TMP/list.json" \
	"d['version'] == 1 and d['profiles'] == [{'name': 'sj', 'state': 'idle', 'gateway': '$GW_IP', 'removed': False}] and len(d['failed']) == 1 and d['failed'][0]['name'] == 'broken' and d['failed'][0]['file'].endswith('/profiles/broken.yaml') and d['failed'][0]['error'] == __import__('os').environ['CHECK_ERR']" ||
	fail "list --json: $(cat "$T_TMP/list.json")"
vpnctl_run connect broken
[ "$VPNCTL_RC" = 1 ] || fail "connect broken: exit $VPNCTL_RC, not 1"
[ "$VPNCTL_OUT" = "vpnctl: profile broken did not load: $CHECK_ERR" ] ||
	fail "connect broken did not answer with the load error"
log "ok: the file that did not load is listed, and connect gives its error"

# ---- monitor, connect, status
"$VPNCTL" -s "$VPND_SOCK" monitor --json >"$T_TMP/monitor.json" 2>"$T_TMP/monitor.log" &
MON_PID=$!
track_pid "$MON_PID"
wait_for 5 grep -q '"event":"state"' "$T_TMP/monitor.json" ||
	fail "monitor --json showed no state"
vpnctl_run connect sj
assert_rc 0 "vpnctl connect sj"
vpnctl_run status sj
assert_rc 0 "vpnctl status sj"
printf '%s\n' "$VPNCTL_OUT" >"$T_TMP/status.txt"
assert_match "$VPNCTL_OUT" '^sj: established since [0-9:]+ \(-?[0-9]+ s ago\): .*\[up\]$' \
	"the first line: state, since when, why"
[ "$(grep -c 'sj' <<<"$VPNCTL_OUT")" = 1 ] ||
	fail "status names the connection more than once"
"$VPNCTL" -s "$VPND_SOCK" status sj --json >"$T_TMP/status.json" ||
	fail "vpnctl status sj --json failed"
json_ok "$T_TMP/status.json" "
d['version'] == 1 and d['connection']['name'] == 'sj' and
d['connection']['state'] == 'established' and
d['connection']['change']['reason'] == 'up' and d['connection']['ike']['state'] == 'established' and
line(r'^  IKE SA: SPIs ([0-9a-f]+)_i ([0-9a-f]+)_r, initiated by us$') ==
  (d['connection']['ike']['spi_i'], d['connection']['ike']['spi_r']) and
d['connection']['ike']['initiator'] is True and
line(r'^  gateway: (\S+)\[(\d+)\], local (\S+)\[(\d+)\]') ==
  (d['connection']['ike']['remote']['address'], str(d['connection']['ike']['remote']['port']),
   d['connection']['ike']['local']['address'], str(d['connection']['ike']['local']['port'])) and
d['connection']['ike']['remote']['address'] == '$GW_IP' and
line(r'^  IKE proposal: (\S+)$') == (d['connection']['ike']['proposal'],) and
line(r'^  remote identity: (.*) \(pre-shared key\)$') == (d['connection']['ike']['remote_id'],) and
d['connection']['ike']['remote_auth'] == 'psk' and
line(r'^  virtual IP: (\S+)$') == tuple(d['connection']['virtual_ips']) and
line(r'^  child SA: ESP \S+, SPIs in ([0-9a-f]+) out ([0-9a-f]+)') ==
  (d['connection']['child']['spi_in'], d['connection']['child']['spi_out']) and
d['connection']['child']['up'] is True and
line(r'^sj: (\S+) since') == (d['connection']['state_text'],)" ||
	fail "status --json does not match the text status"
log "ok: status --json parses and matches the text status"
"$VPNCTL" -s "$VPND_SOCK" status --json >"$T_TMP/status-all.json" ||
	fail "vpnctl status --json failed"
json_ok "$T_TMP/status-all.json" \
	"d['profiles'] == 1 and [c['name'] for c in d['connections']] == ['sj']" ||
	fail "status --json of all: $(cat "$T_TMP/status-all.json")"

# ---- disconnect: the reason and the time of the change
vpnctl_run disconnect sj
assert_rc 0 "vpnctl disconnect sj"
vpnctl_run status sj
assert_match "$VPNCTL_OUT" '^sj: idle since [0-9:]+ \(-?[0-9]+ s ago\): .+ \[user\]$' \
	"after the disconnect: idle, since when and why"
"$VPNCTL" -s "$VPND_SOCK" status sj --json >"$T_TMP/status.json" ||
	fail "vpnctl status sj --json failed"
json_ok "$T_TMP/status.json" \
	"d['connection']['state'] == 'idle' and d['connection']['change']['reason'] == 'user' and 'ike' not in d['connection']" ||
	fail "status --json after the disconnect"

wait_for 5 grep -q '"event":"down"' "$T_TMP/monitor.json" ||
	fail "monitor --json did not see the disconnect"
stop_pid "$MON_PID"
python3 - "$T_TMP/monitor.json" <<'EOP' || fail "monitor --json: $(cat "$T_TMP/monitor.json")"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1], encoding='utf-8')]
mine = [(e['event'], e['state']) for e in ev if e['name'] == 'sj']
want = [('state', 'idle'), ('up', 'established'), ('down', 'idle')]
seen = [x for x in mine if x[0] != 'progress']
ok = seen == want and any(e == 'progress' for e, _ in mine)
if not ok:
    print(mine, file=sys.stderr)
sys.exit(0 if ok else 1)
EOP
log "ok: monitor --json: state, progress, up, down"
log "PASS"
