#!/bin/bash
# vpnd keeps the tunnel and its traffic through IKE SA rekeying (RFC 7296
# 1.3.2, 2.18) with real ESP; run inside the VM by run-in-vm.sh.
#
# Topology and gateway as in vpnd-esp.sh.  Two cases, each with one ping
# every 100 ms from the virtual IP to 198.51.100.1 for its whole length:
#   gw    the gateway rekeys the IKE SA by itself (rekey_time 15 s, vpnd's
#         ike-rekey-time 0): two rekeys, the gateway the initiator of each
#         new IKE SA
#   vpnd  vpnd rekeys it (ike-rekey-time 15, the gateway's rekey_time 0):
#         one rekey, vpnd the initiator
# so three IKE rekeys, both directions.  After each: the gateway has
# exactly one IKE SA, with new SPIs, and vpnctl status shows those SPIs;
# the Child SA is the one from the connect (same SPIs, installed, the only
# ESP SAs in both kernels), under the new IKE SA on the gateway; the
# virtual IP is unchanged; vpnd logs the rekey; the ping is still running.
# At the end the ping must have lost nothing (its own statistics), and
# after disconnect no SA or policy may be left on either side.  About
# 2 minutes of guest time.
#
# Env: VPND, VPNCTL  the built binaries (meson sets them).
set -uo pipefail

VMT_NAME=vpnd-ike-rekey
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
vmt_require_vm "$@"
# shellcheck source=vpnd-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/vpnd-lib.sh"
vpnd_vm_preflight
# shellcheck source=flood-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/flood-lib.sh"
flood_preflight

# the gateway's current IKE SA as "SPIi_SPIr"
IKE_SPIS=

# Run on exit by tests/lib/common.sh.
cleanup_hook() { stop_flood; }

vmt_begin

# ---------------------------------------------------------------- probes

# ike_rekeyed: the gateway has exactly one IKE SA and its SPIs are not
# $IKE_SPIS.  Sets GW_VIEW.
GW_VIEW=
ike_rekeyed() {
	local n spis
	GW_VIEW=$(gw_view) || return 1
	read -r n spis _ <<<"$GW_VIEW"
	[ "$n" = 1 ] && [ "$spis" != "$IKE_SPIS" ] && [ "$spis" != -_- ]
}

# status_shows SPIi_SPIr: vpnctl status shows that IKE SA, the Child SA of
# the connect installed, and the virtual IP of the connect.
status_shows() {
	local status
	status=$(timeout 20 "$VPNCTL" -s "$CL_DIR/vpnd.sock" status "$CASE" 2>/dev/null)
	grep -Fq "IKE SA: SPIs ${1%_*}_i ${1#*_}_r" <<<"$status" &&
		[ "$(status_spis "$status")" = "$SPI_IN $SPI_OUT" ] &&
		grep -Eq 'child SA: ESP .*, installed' <<<"$status" &&
		grep -Eq "^ *virtual IP: $VIP/" <<<"$status"
}

# child_only_in_kernel NS: the Child SA of the connect is in the kernel of
# NS, and no other ESP SA is.
child_only_in_kernel() {
	local state
	state=$(ip -n "$1" xfrm state)
	[ "$(grep -c '^src ' <<<"$state")" = 2 ] &&
		grep -Eq "spi 0x${SPI_IN}[( ]" <<<"$state" &&
		grep -Eq "spi 0x${SPI_OUT}[( ]" <<<"$state"
}

# ---------------------------------------------------------------- the ping

# check_flood SECONDS: waits for the ping to end; its statistics must show
# every echo answered, and the Child SA's ESP SAs must have counted them.
check_flood() {
	local tx
	flood_finish "$1" 0 "across the IKE rekeys" || return 1
	tx=$FLOOD_TX
	# They went through the Child SA: each ESP SA on both sides counted
	# them.
	flood_counted "$tx" pings
}

# ---------------------------------------------------------------- a rekey

# check_ike_rekey WHO N SECONDS: waits for the Nth IKE rekey, started by
# WHO ("gateway" or "vpnd"), and checks it; IKE_SPIS becomes the new pair.
check_ike_rekey() {
	local who=$1 round=$2 secs=$3 n spis ini kids kst kin kout want line ns
	if ! wait_for "$secs" ike_rekeyed; then
		vpnctl_run status "$CASE"
		case_fail "rekey $round ($who): no single new IKE SA on the gateway" \
			"within ${secs}s (had $IKE_SPIS; now: ${GW_VIEW:-nothing})"
		return 1
	fi
	read -r n spis ini _ _ kids kst kin kout <<<"$GW_VIEW"
	vmt_log "  rekey $round ($who) at +$(elapsed_since "$FLOOD_T0")s of the ping:" \
		"IKE SA $IKE_SPIS -> $spis on the gateway"
	[ "$who" = gateway ] && want=yes || want=no
	[ "$ini" = "$want" ] ||
		{ case_fail "the gateway's new IKE SA $spis: initiator=$ini, want $want" \
			"(a rekey by $who)"; return 1; }
	# The gateway's SPI_IN is vpnd's SPI_OUT.
	if [ "$kids" != 1 ] || [ "$kst" != INSTALLED ] ||
			[ "$kin" != "$SPI_OUT" ] || [ "$kout" != "$SPI_IN" ]; then
		case_fail "the Child SA changed: the gateway's new IKE SA has" \
			"$kids Child SA(s), $kst, SPIs in $kin out $kout; want 1," \
			"INSTALLED, in $SPI_OUT out $SPI_IN"
		return 1
	fi
	vmt_log "  the gateway's Child SA moved to it unchanged: in $kin out $kout, $kst"
	if ! wait_for 10 status_shows "$spis"; then
		vpnctl_run status "$CASE"
		case_fail "vpnctl status does not show IKE SA $spis with the Child SA" \
			"$SPI_IN/$SPI_OUT installed and virtual IP $VIP"
		return 1
	fi
	vmt_log "  vpnctl status: IKE SA $spis, Child SA in $SPI_IN out $SPI_OUT" \
		"installed, virtual IP $VIP"
	for ns in "$VMT_CL" "$VMT_GW"; do
		child_only_in_kernel "$ns" ||
			{ case_fail "$ns's kernel does not hold exactly the Child SA" \
				"$SPI_IN/$SPI_OUT"; return 1; }
	done
	vip_in_cl "$VIP" ||
		{ case_fail "the virtual IP $VIP left $VMT_CL"; return 1; }
	vmt_log "  both kernels: only the Child SA $SPI_IN/$SPI_OUT; $VIP still on $VMT_CL"
	[ "$who" = gateway ] && want="the gateway" || want=us
	line="IKE SA rekeyed by $want: SPIs ${spis%_*}_i ${spis#*_}_r"
	grep -Fq "$line" "$CL_DIR/vpnd.log" ||
		{ case_fail "vpnd.log lacks '$line'"; return 1; }
	vmt_log "  vpnd.log: $line"
	flood_running ||
		{ case_fail "the ping ended before rekey $round was checked; its" \
			"window is too short for this run"; return 1; }
	IKE_SPIS=$spis
}

# ---------------------------------------------------------------- a case

# run_case NAME WHO ROUNDS GW_REKEY_TIME VPND_IKE_REKEY_TIME
run_case() {
	local who=$2 rounds=$3 rekey=15 t0 i n ini
	t0=$(date +%s.%N)
	VMT_GW_RW_EXTRA="rekey_time = $4"
	vpnd_connect_case "$1" aes256gcm16 false "timers: {ike-rekey-time: $5}" ||
		return 1
	vmt_log "  gateway rekey_time $4, vpnd ike-rekey-time $5"
	GW_VIEW=$(gw_view)
	read -r n IKE_SPIS ini _ <<<"$GW_VIEW"
	if [ "$n" != 1 ] || [ "$ini" != no ]; then
		case_fail "after connect the gateway should have one IKE SA started" \
			"by vpnd: ${GW_VIEW:-nothing}"
		return 1
	fi
	vmt_log "  IKE SA $IKE_SPIS on the gateway"
	# Long enough for ROUNDS rekeys every 15 s (less strongSwan's or
	# vpnd's random tenth) plus time to check each.
	start_flood $((rounds * rekey + 15))
	for ((i = 1; i <= rounds; i++)); do
		check_ike_rekey "$who" "$i" $((rekey + 15)) || { stop_flood; return 1; }
	done
	check_flood $((rounds * rekey + 30)) || return 1
	if grep -q 'peer seems to not support IKE rekeying' "$GW_DIR/charon.log"; then
		case_fail "charon says vpnd does not support IKE rekeying"
		return 1
	fi
	vpnd_disconnect_case || return 1
	# vpnd_disconnect_case checks the gateway's SAs; its policies too.
	# (Its per-socket bypass policies belong to no SA.)
	if ! wait_for 5 xfrm_clean "$VMT_GW"; then
		case_fail "the gateway left xfrm state/policy: $(xfrm_leftovers "$VMT_GW")"
		return 1
	fi
	vmt_log "  after disconnect: no xfrm SA/policy in $VMT_GW either"
	vmt_log "case $CASE: OK ($(elapsed_since "$t0")s guest time)"
}

# After every case, passed or failed (vmt_run_cases then tears the
# network down).
case_cleanup() {
	stop_flood
	vpnd_stop
}

main() {
	local cases=(
		"gw|gateway|2|15s|0"
		"vpnd|vpnd|1|0s|15"
	)
	vmt_run_cases case_cleanup "${cases[@]}"
}

main
