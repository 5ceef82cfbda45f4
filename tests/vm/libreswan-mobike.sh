#!/bin/bash
# MOBIKE (RFC 4555) with real ESP against libreswan 4.10: vpnd's IKE SA
# and its Child SA move to the client's other uplink while traffic flows;
# run inside the VM by run-in-vm.sh --libreswan (the guest has no
# network: ls_prepare runs on the host before the boot).
#
# The gateway is a private pluto (tests/lib/libreswan.sh: its own
# config, NSS database, secrets, ctl socket, log) in vmt-gw, conn "rw"
# with mobike=yes, PSK, esp=aes_gcm256 and the address pool
# 203.0.113.10-20 for the virtual IP (vmt_start_ls_gateway of lib.sh).
# libreswan's behaviour is the reference here. The topology, the moves
# (the first uplink's address deleted under a ping every 100 ms, traffic
# back within 1 s) and the checks on vpnd's side and in both kernels are
# mobike-lib.sh's; here pluto's side after each move:
#   - whack --showstates: the same IKE SA (state number, and the SPIs of
#     the connect in pluto's log) as the only one, with the client at the
#     new address on 4500; one Child SA, of that IKE SA, with the SPIs of
#     the connect (esp.SPI@ADDR: the new address for the one to vpnd);
#   - whack --trafficstatus: that Child SA with the new address and the
#     lease of the virtual IP;
#   - pluto.log: the UPDATE_SA_ADDRESSES processed and the remote
#     address moved from the old address to the new one on 4500, and
#     none of pluto's internal checks failed.
# Cases:
#   away  the one move; the disconnect happens from the new address
#   back  then the first address returns, the second goes: the same
#         checks the other way (pluto's second update comes when the
#         first address returns: the route prefers it)
# After disconnect pluto has no state and no lease, and no SA or policy
# is left in either kernel (pluto's own IPv6 neighbour discovery bypass
# aside, ls_xfrm_leftovers).  On a kernel without ESP the case fails (pluto 4.10
# cannot move an IKE SA without an installed Child SA, see
# tests/interop/libreswan-roam-mobike.sh).
#
# Env: VPND, VPNCTL  the built binaries (meson sets them).
set -uo pipefail

VMT_NAME=libreswan-mobike
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
vmt_require_vm "$@"
# shellcheck source=mobike-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/mobike-lib.sh"

VMT_GATEWAY=libreswan
VMT_LS_CONN=(mobike=yes)
# pluto's IKE SA and Child SA of the connect (state numbers), and its
# count of processed UPDATE_SA_ADDRESSES
STATE=
CHILD=
UPDATES=0
# what pluto logs when its own checks fail (the move must not cause any)
LS_BROKEN='EXPECTATION FAILED|ASSERTION FAILED|PASSERT'

ls_check || { echo "FAIL: [$VMT_NAME] the private libreswan is not" \
	"prepared (run-in-vm.sh --libreswan runs ls_prepare on the host)"; exit 1; }

vmt_begin

# pluto's view, for the log of a passing run and a failing one.
ls_show() {
	ls_states "$GW_DIR" | sed 's/^/  pluto: /'
	ls_whack "$GW_DIR" --trafficstatus 2>&1 | grep '#' | sed 's/^/  pluto: /'
}

# ls_at ADDR: pluto's only established IKE SA is #STATE, at ADDR:4500.
ls_at() {
	[ "$(ls_ike_states "$GW_DIR")" = "$STATE" ] &&
		[ "$(ls_peer "$GW_DIR" "$STATE")" = "$1:4500" ]
}

# ls_child_at ADDR PORT: pluto has one Child SA, #CHILD (any when CHILD
# is empty) of IKE SA #STATE, with the client at ADDR:PORT and the SPIs
# of the connect: vpnd's inbound one to ADDR, its outbound one to the
# gateway; --trafficstatus shows it at ADDR with the lease VIP/32.  Sets
# CHILD_VIEW.
CHILD_VIEW=
ls_child_at() {
	local c t n ike peer e1 e2 tn tpeer lease
	c=$(ls_child_sas "$GW_DIR")
	t=$(ls_traffic "$GW_DIR")
	CHILD_VIEW="showstates: ${c:-none}; trafficstatus: ${t:-none}"
	[ "$(grep -c . <<<"$c")" = 1 ] && [ "$(grep -c . <<<"$t")" = 1 ] ||
		return 1
	read -r n ike peer e1 e2 <<<"$c"
	read -r tn tpeer lease <<<"$t"
	[ -z "$CHILD" ] || [ "$n" = "$CHILD" ] || return 1
	[ "$ike" = "$STATE" ] && [ "$peer" = "$1:$2" ] &&
		[ "$e1" = "$SPI_IN@$1" ] && [ "$e2" = "$SPI_OUT@$GW_IP" ] &&
		[ "$tn" = "$n" ] && [ "$tpeer" = "$1" ] && [ "$lease" = "$VIP/32" ]
}

# The hooks of mobike-lib.sh.
mobike_gw_connected() {
	local n
	ls_show
	n=$(ls_ike_states "$GW_DIR")
	STATE=$n CHILD='' UPDATES=0
	if [ -z "$n" ] || [ "$(grep -c . <<<"$n")" != 1 ] ||
			[ "$(ls_peer "$GW_DIR" "$n")" != "$CL_IP:500" ]; then
		case_fail "after connect pluto should have one IKE SA from" \
			"$CL_IP:500: $(ls_states "$GW_DIR")"
		return 1
	fi
	IKE_SPIS=$(ls_ike_spis "$GW_DIR" "$STATE") ||
		{ case_fail "no SPIs of IKE SA #$STATE in pluto's log"; return 1; }
	[ "$IKE_SPIS" = "$(vpnd_ike_spis)" ] ||
		{ case_fail "pluto's IKE SA #$STATE has SPIs $IKE_SPIS, vpnctl" \
			"status $(vpnd_ike_spis)"; return 1; }
	if ! ls_child_at "$CL_IP" 500; then
		case_fail "after connect pluto's Child SA is not the one of the" \
			"connect (in $SPI_IN out $SPI_OUT, lease $VIP): $CHILD_VIEW"
		return 1
	fi
	read -r CHILD _ <<<"$(ls_child_sas "$GW_DIR")"
	vmt_log "  pluto: IKE SA #$STATE $IKE_SPIS from $CL_IP:500, Child SA" \
		"#$CHILD (the SPIs vpnd shows), lease $VIP"
}

# vpnd_ike_spis: "SPIi_SPIr" of the IKE SA in vpnctl status.
vpnd_ike_spis() {
	timeout 20 "$VPNCTL" -s "$CL_DIR/vpnd.sock" status "$CASE" 2>/dev/null |
		sed -n 's/^ *IKE SA: SPIs \([0-9a-f]*\)_i \([0-9a-f]*\)_r.*/\1_\2/p'
}

mobike_gw_moved() {
	local n=$1 from=$2 to=$3 spis u
	if ! wait_for 5 ls_at "$to"; then
		ls_show
		case_fail "move $n: pluto does not show IKE SA #$STATE (alone) at" \
			"$to:4500"
		return 1
	fi
	spis=$(ls_ike_spis "$GW_DIR" "$STATE")
	[ "$spis" = "$IKE_SPIS" ] ||
		{ case_fail "move $n: pluto's IKE SA #$STATE has SPIs '$spis'," \
			"the connect made $IKE_SPIS"; return 1; }
	if ! wait_for 2 ls_child_at "$to" 4500; then
		ls_show
		case_fail "move $n: pluto's Child SA #$CHILD is not at $to:4500" \
			"with in $SPI_IN out $SPI_OUT and lease $VIP: $CHILD_VIEW"
		return 1
	fi
	ls_show
	u=$(ls_mobike_updates "$GW_DIR")
	[ "$u" = $((UPDATES + 1)) ] ||
		{ case_fail "move $n: pluto processed $((u - UPDATES))" \
			"UPDATE_SA_ADDRESSES, want 1 ('$LS_MOBIKE_UPDATE')"; return 1; }
	UPDATES=$u
	ls_mobike_moved "$GW_DIR" "$from" "$to" ||
		{ case_fail "move $n: pluto.log lacks the remote address update" \
			"$from -> $to:4500"; return 1; }
	! ls_log_grep "$GW_DIR" "$LS_BROKEN" ||
		{ case_fail "move $n: pluto.log has '$LS_BROKEN' lines"; return 1; }
	vmt_log "  pluto: the same IKE SA #$STATE $spis at $to:4500, Child SA" \
		"#$CHILD with the SPIs of the connect at $to, lease $VIP;" \
		"UPDATE_SA_ADDRESSES $n processed, remote address $from -> $to:4500"
}

# After the disconnect (vpnd_disconnect_case has found no state on
# pluto): the lease of the virtual IP is given back too.
mobike_gw_disconnected() {
	if ! wait_for 5 test -z "$(ls_lease "$GW_DIR")"; then
		case_fail "pluto still leases $(ls_lease "$GW_DIR") after the disconnect"
		return 1
	fi
	vmt_log "  pluto: no state, no lease left"
}

mobike_main "away|-" "back|back"
