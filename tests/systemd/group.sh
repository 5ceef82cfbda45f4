#!/bin/bash
# group: what the unit's -g drop-in relies on. vpnd runs with the unit's
# capabilities only (setpriv: bounding set CAP_NET_ADMIN and
# CAP_NET_BIND_SERVICE, nothing inherited, so no CAP_CHOWN) and
# `-g nogroup`:
#   - without nogroup among its groups it cannot hand the control socket
#     over and refuses to start, naming the group;
#   - with nogroup as a supplementary group (SupplementaryGroups=) the
#     socket belongs to nogroup with mode 0660.
# Needs root, setpriv and a group nogroup; exit 77 (skip) without them,
# a failure with CI=true.
# By hand: VPND=build/src/daemon/vpnd VPNCTL=build/src/vpnctl/vpnctl \
#   bash tests/systemd/group.sh
CASE=group
# shellcheck source=tests/systemd/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=../lib/netns.sh
. "$SD_HERE/../lib/netns.sh"

NS=sd-grp-$T_ID
require_exe VPND VPNCTL
require_netns
require_tools setpriv getent
GID=$(getent group nogroup | cut -d: -f3)
[ -n "$GID" ] || skip "no group nogroup"
netns_add "$NS"
mkdir -p "$T_TMP/profiles" "$T_TMP/state"
SOCK=$T_TMP/run/vpnd.sock

rc=0
timeout 20 ip netns exec "$NS" setpriv --inh-caps=-all \
	--bounding-set=-all,+net_admin,+net_bind_service \
	"$VPND" -p "$T_TMP/profiles" -s "$SOCK" --state-dir "$T_TMP/state" \
	--no-kernel -g nogroup >"$T_TMP/nogroup.log" 2>&1 </dev/null || rc=$?
[ "$rc" = 1 ] || fail "vpnd without the group: exit $rc, not 1"
grep -q "cannot give $SOCK to group nogroup" "$T_TMP/nogroup.log" ||
	fail "vpnd without the group: $(tail -n 2 "$T_TMP/nogroup.log")"
log "ok: without CAP_CHOWN or the group: $(grep 'cannot give' "$T_TMP/nogroup.log")"

ip netns exec "$NS" setpriv --inh-caps=-all \
	--bounding-set=-all,+net_admin,+net_bind_service --groups "$GID" \
	"$VPND" -p "$T_TMP/profiles" -s "$SOCK" --state-dir "$T_TMP/state" \
	--no-kernel -g nogroup >"$T_TMP/vpnd.log" 2>&1 </dev/null &
VPND_PID=$!
track_pid "$VPND_PID"
wait_for 10 test -S "$SOCK" || fail "vpnd with the group made no socket"
caps=$(awk '/^CapEff:/ {print $2}' "/proc/$VPND_PID/status")
# CAP_NET_BIND_SERVICE (10) and CAP_NET_ADMIN (12) only
[ "$((16#$caps))" = $(((1 << 10) | (1 << 12))) ] ||
	fail "vpnd's effective capabilities are $caps"
got=$(stat -c '%g %a' "$SOCK")
[ "$got" = "$GID 660" ] || fail "the socket is gid/mode $got, not $GID 660"
"$VPNCTL" -s "$SOCK" list >"$T_TMP/list.log" 2>&1 ||
	fail "vpnctl list: $(cat "$T_TMP/list.log")"
log "ok: with SupplementaryGroups: socket gid $GID mode 0660, capabilities $caps, vpnctl answered"
pass
