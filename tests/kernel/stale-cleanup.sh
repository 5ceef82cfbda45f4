#!/bin/bash
# A vpnd that died by SIGKILL leaves its policies and SAs in the kernel.
# The next vpnd must remove exactly those (vpnd's reqid range) and leave
# every other daemon's alone. This kernel has no ESP, so the crashed
# vpnd's leftovers are planted by hand: tunnel policies in vpnd's reqid
# range next to a foreign one, in a namespace of our own.
# shellcheck disable=SC2034 # read by tests/lib/common.sh
T_SUITE=kernel
LIB=$(dirname "${BASH_SOURCE[0]}")/../lib
# shellcheck source=../lib/common.sh
. "$LIB/common.sh"
# shellcheck source=../lib/netns.sh
. "$LIB/netns.sh"
# shellcheck source=../lib/vpnd.sh
. "$LIB/vpnd.sh"

NS_CL=vpnd-stale-$T_ID

show_context() {
	ip -n "$NS_CL" xfrm policy 2>&1 | sed 's/^/  | /'
	tail_file "$CL_DIR/vpnd.log" 20
}

require_exe VPND
require_netns
t_begin
netns_add "$NS_CL"
CL_DIR=$T_TMP
client_dir "$CL_DIR"

plant() { # DIR SRC DST REQID
	ip -n "$NS_CL" xfrm policy add dir "$1" src "$2" dst "$3" \
		tmpl src 192.0.2.2 dst 192.0.2.1 proto esp reqid "$4" mode tunnel ||
		fail "cannot plant policy $*"
}
VPND_REQID=$((0x7670001))
plant out 203.0.113.10/32 198.51.100.0/24 $VPND_REQID
plant in 198.51.100.0/24 203.0.113.10/32 $VPND_REQID
plant fwd 198.51.100.0/24 203.0.113.10/32 $VPND_REQID
# Another daemon's policy (strongSwan numbers its reqids from 1).
plant out 203.0.113.99/32 198.51.100.0/24 1
[ "$(ip -n "$NS_CL" xfrm policy | grep -c '^src')" = 4 ] || fail "planting"

VPND_ARGS=()
vpnd_start

left=$(ip -n "$NS_CL" xfrm policy)
grep -q "reqid $VPND_REQID" <<<"$left" && fail "vpnd's stale policies are still there"
grep -q "203.0.113.99/32" <<<"$left" || fail "the foreign policy was removed"
grep -q "removed 3 policies" "$CL_DIR/vpnd.log" || fail "vpnd did not report the cleanup"
log "stale policies removed, foreign policy kept"
pass
