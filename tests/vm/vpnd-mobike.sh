#!/bin/bash
# MOBIKE (RFC 4555) with real ESP: vpnd's IKE SA and its Child SA move to
# the client's other uplink while traffic flows; run inside the VM by
# run-in-vm.sh.  The gateway is strongSwan with mobike = yes.  The
# topology, the moves and the checks on vpnd's side and in both kernels
# are mobike-lib.sh's; here the gateway's side: after each move it has
# the same IKE SA (SPIs) at the new address[4500], its Child SA the SPIs
# of the connect, and charon.log the UPDATE_SA_ADDRESSES.
# Cases:
#   away  the one move; the disconnect happens from the new address
#   back  then the first address returns, the second goes: the same
#         checks the other way
#   link  after the move the first uplink's link goes down too (the
#         kernel drops the routes through it and the local route of any
#         address on it): the ping must go on within 1 s
# About 1.5 minutes of guest time.
#
# Env: VPND, VPNCTL  the built binaries (meson sets them).
set -uo pipefail

VMT_NAME=vpnd-mobike
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
vmt_require_vm "$@"
# shellcheck source=vpnd-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/vpnd-lib.sh"
vpnd_vm_preflight
# shellcheck source=flood-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/flood-lib.sh"
flood_preflight
# shellcheck source=mobike-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/mobike-lib.sh"

VMT_GW_RW_EXTRA="mobike = yes"

vmt_begin

# gw_at ADDR: the gateway has one IKE SA, with the client at ADDR[4500].
# Sets GW_VIEW.
GW_VIEW=
gw_at() {
	local n host port
	GW_VIEW=$(gw_view) || return 1
	read -r n _ _ host port _ <<<"$GW_VIEW"
	[ "$n" = 1 ] && [ "$host" = "$1" ] && [ "$port" = 4500 ]
}

# The hooks of mobike-lib.sh.
gw_connected() {
	local n host
	GW_VIEW=$(gw_view)
	read -r n IKE_SPIS _ host _ <<<"$GW_VIEW"
	if [ "$n" != 1 ] || [ "$host" != "$CL_IP" ]; then
		case_fail "after connect the gateway should have one IKE SA from" \
			"$CL_IP: ${GW_VIEW:-nothing}"
		return 1
	fi
}

gw_moved() {
	local n=$1 to=$3 spis host port kids kst kin kout
	if ! wait_for 5 gw_at "$to"; then
		case_fail "move $n: the gateway does not show the IKE SA at" \
			"${to}[4500]: ${GW_VIEW:-nothing}"
		return 1
	fi
	read -r _ spis _ host port kids kst kin kout <<<"$GW_VIEW"
	[ "$spis" = "$IKE_SPIS" ] ||
		{ case_fail "move $n: a new IKE SA instead of a move: $IKE_SPIS" \
			"-> $spis"; return 1; }
	if [ "$kids" != 1 ] || [ "$kst" != INSTALLED ] ||
			[ "$kin" != "$SPI_OUT" ] || [ "$kout" != "$SPI_IN" ]; then
		case_fail "move $n: the gateway's Child SA changed: $kids Child" \
			"SA(s), $kst, SPIs in $kin out $kout; want 1, INSTALLED," \
			"in $SPI_OUT out $SPI_IN"
		return 1
	fi
	vmt_log "  gateway: the same IKE SA $spis at ${host}[$port], Child SA" \
		"in $kin out $kout $kst"
	grep -q 'parsed INFORMATIONAL request .*N(UPD_SA_ADDR)' "$GW_DIR/charon.log" ||
		{ case_fail "move $n: charon.log shows no UPDATE_SA_ADDRESSES"; return 1; }
}

mobike_main "away|-" "back|back" "link|link"
