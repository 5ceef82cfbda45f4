#!/bin/bash
# coredump: the PSK must not be in a core image of a running vpnd, even
# one root takes with gcore (root may ptrace a non-dumpable process).
# Before, the PSK was found twice in a gcore image.
#
# vpnd (client namespace) has two profiles with the same random
# 40-character PSK, one in a psk-file and one inline in the YAML (which
# libyaml copies around), and connects both to vpnd-testgw (gateway
# namespace): the PSK has been loaded, copied and used for AUTH. Then:
#   - vpnd's core file size limit is 0 (no crash dump at all);
#   - gcore of vpnd holds neither the PSK nor its hex form.
# Needs root and gdb; exit 77 (skip) without them, a failure with CI=true.
# By hand: VPND=build/src/daemon/vpnd VPNCTL=build/src/vpnctl/vpnctl \
#   TESTGW=build/tests/testgw/vpnd-testgw bash tests/daemon/coredump.sh
CASE=coredump
# shellcheck source=tests/daemon/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

NS_GW=vd-cdg-$T_ID
NS_CL=vd-cdc-$T_ID
GW_IP=192.0.2.1
CL_IP=192.0.2.2

require VPND VPNCTL TESTGW
command -v gcore >/dev/null || skip "gcore (gdb) is not installed"
netns_add "$NS_GW"
netns_add "$NS_CL"
veth_link "$NS_CL" "cd$T_ID" "$CL_IP/24" "$NS_GW" "gd$T_ID" "$GW_IP/24"

PSK=$(head -c 60 /dev/urandom | base64 -w0 | tr -d '/+=' | head -c 40)
[ "${#PSK}" = 40 ] || fail "could not make a PSK"
(umask 077; printf '%s\n' "$PSK" >"$T_TMP/cd.psk")
(umask 077; cat >"$T_TMP/profiles/cd.yaml" <<EOY
connection: {name: cd, gateway: $GW_IP}
local: {id: "fqdn:client.test", auth: psk, psk-file: $T_TMP/cd.psk}
remote: {id: "fqdn:gw.test", auth: psk}
traffic-selectors: {local: [dynamic], remote: ["198.51.100.0/24"]}
ipv4: {method: auto}
EOY
sed -e 's/name: cd,/name: cdi,/' \
	-e "s|psk-file: $T_TMP/cd.psk|psk: \"$PSK\"|" \
	"$T_TMP/profiles/cd.yaml" >"$T_TMP/profiles/cdi.yaml"
)
grep -qF "psk: \"$PSK\"" "$T_TMP/profiles/cdi.yaml" || fail "no inline-psk profile"

ip netns exec "$NS_GW" "$TESTGW" --listen "$GW_IP" --id gw.test \
	--psk "$PSK" >"$T_TMP/gw.events" 2>"$T_TMP/gw.log" </dev/null &
track_pid $!
wait_for 5 grep -q '^event=listening' "$T_TMP/gw.events" ||
	fail "vpnd-testgw did not start"

# Started with core dumps allowed: vpnd itself must turn them off.
VPND_PRE="ulimit -c unlimited" vpnd_start
SOCK=$VPND_SOCK
for name in cd cdi; do
	"$VPNCTL" -s "$SOCK" -t 30 connect "$name" >"$T_TMP/connect.out" 2>&1
	grep -q 'IKE SA established' "$T_TMP/connect.out" ||
		fail "vpnctl connect $name: $(cat "$T_TMP/connect.out")"
done
[ "$(grep -c '^event=ike_auth_ok method=psk' "$T_TMP/gw.events")" = 2 ] ||
	fail "the gateway did not verify both PSK AUTHs"
log "both profiles connected with the PSK (vpnd pid $VPND_PID)"

core=$(awk '/Max core file size/ {print $5}' "/proc/$VPND_PID/limits")
[ "$core" = 0 ] || fail "vpnd's core file size limit is '$core', not 0"
log "ok: vpnd's core file size limit is 0"

gcore -o "$T_TMP/core" "$VPND_PID" >"$T_TMP/gcore.out" 2>&1 ||
	fail "gcore failed: $(tail -n 3 "$T_TMP/gcore.out")"
img=$T_TMP/core.$VPND_PID
[ -s "$img" ] || fail "gcore wrote no image"
hex=$(printf '%s' "$PSK" | od -An -tx1 | tr -d ' \n')
found=$(grep -o -a -F -- "$PSK" "$img" | wc -l)
found_hex=$(grep -o -a -F -- "$hex" "$img" | wc -l)
log "core image $(stat -c %s "$img") bytes: PSK found $found times, its hex $found_hex times"
((found == 0 && found_hex == 0)) ||
	fail "the PSK is in the core image of vpnd ($found times, hex $found_hex)"
log "PASS"
