#!/bin/bash
# MOBIKE (RFC 4555) with real ESP: vpnd's IKE SA and its Child SA move to
# the client's other uplink while traffic flows; run inside the VM by
# run-in-vm.sh.  The gateway is strongSwan with mobike = yes.  The
# topology, the moves and the checks on vpnd's side and in both kernels
# are mobike-lib.sh's; here the gateway's side: after the connect it has
# one IKE SA, from 192.0.2.2 (gw_one_from of vpnd-lib.sh); after each
# move the same IKE SA (SPIs) at the new address[4500], its Child SA the
# SPIs of the connect (gw_moved of vpnd-lib.sh), and charon.log the
# UPDATE_SA_ADDRESSES.
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
# shellcheck source=mobike-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/mobike-lib.sh"

VMT_GW_RW_EXTRA="mobike = yes"

vmt_begin

# The hooks of mobike-lib.sh, with vpnd-lib.sh's view of the gateway.
mobike_gw_connected() { gw_one_from "$CL_IP"; }

mobike_gw_moved() {
	gw_moved "move $1" "$3" || return 1
	grep -q 'parsed INFORMATIONAL request .*N(UPD_SA_ADDR)' "$GW_DIR/charon.log" ||
		{ case_fail "move $1: charon.log shows no UPDATE_SA_ADDRESSES"; return 1; }
}

mobike_main "away|-" "back|back" "link|link"
