#!/bin/bash
# A vpnd that died by SIGKILL leaves its policies and SAs in the kernel.
# The next vpnd must remove exactly those (vpnd's reqid range) and leave
# every other daemon's alone. This kernel has no ESP, so the crashed
# vpnd's leftovers are planted by hand: tunnel policies in vpnd's reqid
# range next to a foreign one, in a namespace of our own.
set -u
VPND=${VPND:?}
NS=vpnd-stale-$$
DIR=$(mktemp -d /tmp/vpnd-stale.XXXXXX)
PID=

cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$DIR"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; ip -n "$NS" xfrm policy 2>&1 | sed 's/^/  | /'; cat "$DIR/vpnd.log" 2>/dev/null | tail -20; exit 1; }

if [ "$(id -u)" != 0 ] || ! ip netns add "$NS" 2>/dev/null; then
	[ "${CI:-}" = true ] && { echo "FAIL: needs root and ip netns in CI"; exit 1; }
	echo "SKIP: needs root and ip netns"; exit 77
fi
ip -n "$NS" link set lo up

plant() { # DIR SRC DST REQID
	ip -n "$NS" xfrm policy add dir "$1" src "$2" dst "$3" \
		tmpl src 192.0.2.2 dst 192.0.2.1 proto esp reqid "$4" mode tunnel ||
		fail "cannot plant policy $*"
}
VPND_REQID=$((0x7670001))
plant out 203.0.113.10/32 198.51.100.0/24 $VPND_REQID
plant in 198.51.100.0/24 203.0.113.10/32 $VPND_REQID
plant fwd 198.51.100.0/24 203.0.113.10/32 $VPND_REQID
# Another daemon's policy (strongSwan numbers its reqids from 1).
plant out 203.0.113.99/32 198.51.100.0/24 1
[ "$(ip -n "$NS" xfrm policy | grep -c '^src')" = 4 ] || fail "planting"

mkdir -p "$DIR/profiles" "$DIR/state"
ip netns exec "$NS" "$VPND" -f -p "$DIR/profiles" -s "$DIR/vpnd.sock" \
	--state-dir "$DIR/state" >"$DIR/vpnd.log" 2>&1 &
PID=$!
for _ in $(seq 50); do [ -S "$DIR/vpnd.sock" ] && break; sleep 0.1; done
[ -S "$DIR/vpnd.sock" ] || fail "vpnd did not start"

left=$(ip -n "$NS" xfrm policy)
grep -q "reqid $VPND_REQID" <<<"$left" && fail "vpnd's stale policies are still there"
grep -q "203.0.113.99/32" <<<"$left" || fail "the foreign policy was removed"
grep -q "removed 3 policies" "$DIR/vpnd.log" || fail "vpnd did not report the cleanup"
echo "PASS: stale policies removed, foreign policy kept"
