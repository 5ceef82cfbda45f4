#!/bin/bash
# Crossing Child SA rekeys (RFC 7296 2.8.1) with vpnd's Child SAs in a
# kernel with ESP; run inside the VM by run-in-vm.sh.
#
# The gateway is vpnd-testgw (tests/testgw) with --collide child: the
# moment vpnd's rekey arrives it rekeys the same pair, so both cross.
# vpnd-testgw installs nothing in its kernel, so no ping passes; what is
# checked is vpnd's side. Cases: the gateway's new pair redundant
# (gateway-loses) and vpnd's (initiator-loses). Each: vpnctl rekey, then
# vpnd's kernel must hold exactly one ESP pair, the one vpnctl status
# shows and the gateway reports as staying (event=child_rekey_collision),
# with the old SPIs gone; the policies must name that pair's reqid;
# status shows no other pair; the IKE SA stays. After disconnect nothing
# may be left. About a minute of guest time.
#
# Env: VPND, VPNCTL, VPND_TESTGW  the built binaries (meson sets them).
set -uo pipefail

VMT_NAME=vpnd-child-collide
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
vmt_require_vm "$@"
# shellcheck source=vpnd-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/vpnd-lib.sh"
[ -x "${VPND_TESTGW:-/nonexistent}" ] ||
	{ echo "FAIL: [$VMT_NAME] VPND_TESTGW not set or not executable"; exit 1; }

vmt_begin
GW_PID=

# ESP SAs in vpnd's kernel, one SPI (8 hex digits) a line.
cl_spis() {
	ip -n "$VMT_CL" xfrm state | sed -n 's/.*proto esp spi 0x\([0-9a-f]*\).*/\1/p'
}

# settled OLD_IN: status shows a new pair and no other pair.
settled() {
	local st
	st=$(timeout 20 "$VPNCTL" -s "$CL_DIR/vpnd.sock" status "$CASE" 2>/dev/null)
	[ -n "$(status_spis "$st")" ] && [ "$(status_spis "$st")" != "$1 $SPI_OUT" ] &&
		! grep -q "other pair" <<<"$st" &&
		grep -q "^event=child_rekey_collision" "$GW_DIR/events"
}

# one_pair IN OUT: exactly these two ESP SAs in vpnd's kernel, and every
# tunnel policy names their reqid.
one_pair() {
	local spis reqid
	spis=$(cl_spis | sort | tr '\n' ' ')
	[ "$spis" = "$(printf '%s\n' "$1" "$2" | sort | tr '\n' ' ')" ] || return 1
	reqid=$(ip -n "$VMT_CL" xfrm state | awk -v s="spi 0x$1" '
		index($0, s) { found = 1 } found && /reqid/ {
			sub(/.*reqid /, ""); sub(/ .*/, ""); print; exit }')
	[ -n "$reqid" ] || return 1
	! ip -n "$VMT_CL" xfrm policy | grep -E 'tmpl .*|reqid' |
		grep -o 'reqid [0-9]*' | grep -vq "reqid $reqid$"
}

run_case() {
	local loser=$1 old_in old_out ev g_in g_out st
	CASE=collide-$loser
	# shellcheck disable=SC2034 # the FAIL lines name the case
	T_CASE=$VMT_NAME/$CASE
	CL_DIR=$VMT_WORK/$CASE-cl
	GW_DIR=$VMT_WORK/$CASE-gw
	mkdir -p "$GW_DIR"
	client_dir "$CL_DIR"
	VPND_ENV=("VPND_DNS_FILE=$CL_DIR/dns.conf")
	vmt_log "case $CASE"
	vmt_setup_net || { case_fail "network setup failed"; return 1; }
	ip -n "$VMT_CL" route del 198.51.100.0/24 via 192.0.2.1 ||
		{ case_fail "cannot remove the harness route"; return 1; }
	ip netns exec "$VMT_GW" "$VPND_TESTGW" --listen 192.0.2.1 --id "$VMT_GW_ID" \
		--psk "$VMT_PSK" --vip4 203.0.113.10 --collide "child,$loser" \
		>"$GW_DIR/events" 2>"$GW_DIR/log" </dev/null &
	GW_PID=$!
	track_pid "$GW_PID"
	wait_for 10 grep -q '^event=listening' "$GW_DIR/events" ||
		{ case_fail "vpnd-testgw did not start: $(tail -n 3 "$GW_DIR/log")"; return 1; }
	write_profile "$CASE" aes256gcm16 false
	vpnd_start || return 1
	vpnctl_run connect "$CASE"
	[ "$VPNCTL_RC" = 0 ] || { case_fail "vpnctl connect exited $VPNCTL_RC"; return 1; }
	vpnctl_run status "$CASE"
	read -r old_in old_out <<<"$(status_spis "$VPNCTL_OUT")"
	SPI_OUT=$old_out
	one_pair "$old_in" "$old_out" ||
		{ case_fail "before the rekey the kernel has not just $old_in/$old_out: $(cl_spis | tr '\n' ' ')"; return 1; }
	vpnctl_run rekey "$CASE" child
	[ "$VPNCTL_RC" = 0 ] || { case_fail "vpnctl rekey exited $VPNCTL_RC"; return 1; }
	wait_for 20 settled "$old_in" ||
		{ case_fail "the collision did not settle"; return 1; }
	vpnctl_run status "$CASE"
	st=$VPNCTL_OUT
	read -r SPI_IN SPI_OUT <<<"$(status_spis "$st")"
	ev=$(grep -m1 "^event=child_rekey_collision loser=$loser_word" "$GW_DIR/events") ||
		{ case_fail "the gateway logged no child_rekey_collision loser=$loser_word"; return 1; }
	g_in=$(sed -n 's/.*spi_in=\([0-9a-f]*\).*/\1/p' <<<"$ev")
	g_out=$(sed -n 's/.*spi_out=\([0-9a-f]*\).*/\1/p' <<<"$ev")
	[ "$g_in $g_out" = "$SPI_OUT $SPI_IN" ] ||
		{ case_fail "vpnd kept in $SPI_IN out $SPI_OUT, the gateway $g_out/$g_in ($ev)"; return 1; }
	wait_for 10 one_pair "$SPI_IN" "$SPI_OUT" ||
		{ case_fail "vpnd's kernel holds $(cl_spis | tr '\n' ' '), not just in $SPI_IN out $SPI_OUT"; return 1; }
	vmt_log "  the kernel holds one pair: in $SPI_IN out $SPI_OUT (old $old_in/$old_out gone), policies on its reqid"
	grep -q "^$CASE: established" <<<"$st" ||
		{ case_fail "the connection is not established after the collision"; return 1; }
	vpnctl_run disconnect "$CASE"
	wait_for 5 xfrm_clean "$VMT_CL" ||
		{ case_fail "vpnd left xfrm state/policy: $(xfrm_leftovers "$VMT_CL")"; return 1; }
	vpnd_alive || { case_fail "vpnd died"; return 1; }
	vmt_log "case $CASE: OK"
}

main() {
	local failed=0 passed=0 l
	for l in gateway-loses initiator-loses; do
		loser_word=${l%-loses}
		if run_case "$l"; then
			passed=$((passed + 1))
		else
			failed=$((failed + 1))
			[ -f "$CL_DIR/vpnd.log" ] && tail -n 40 "$CL_DIR/vpnd.log"
		fi
		vpnd_stop
		[ -z "$GW_PID" ] || stop_pid "$GW_PID"
		GW_PID=
		vmt_teardown
	done
	echo "$VMT_NAME: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

main
