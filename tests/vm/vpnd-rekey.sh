#!/bin/bash
# vpnd keeps the tunnel through Child SA rekeying (RFC 7296 1.3.3, 2.8);
# run inside the VM by run-in-vm.sh.
#
# Topology and gateway as in vpnd-esp.sh.  Cases:
#   gw        strongSwan rekeys the Child SA twice (swanctl --rekey), AES-GCM
#   gw-pfs    the same once with PFS (esp_proposals aes256gcm16-ecp256 on
#             both sides; the new Child SA must show ECP_256 on the gateway)
#   gw-natt   the same once with UDP encapsulation forced: the new SAs must
#             be ESP-in-UDP too
#   vpnd-pfs  vpnd rekeys by itself when the kernel reports the soft
#             lifetime (timers: child-rekey-time 30), with PFS
# Each rekey: the gateway must end with exactly one Child SA, installed,
# with new SPIs, and vpnctl status must show that pair; the old SPIs must
# leave the kernel on both sides; vpnd must log the rekey; and a ping from
# the virtual IP must pass and be counted by the NEW SAs on both sides.
# After disconnect nothing may be left.  About 3 minutes of guest time.
#
# Env: VPND, VPNCTL  the built binaries (meson sets them).
set -uo pipefail

VMT_NAME=vpnd-rekey
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
vmt_require_vm "$@"
# shellcheck source=vpnd-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/vpnd-lib.sh"
vpnd_vm_preflight

vmt_begin
# the pair after the last rekey, as vpnd sees it
NEW_IN=
NEW_OUT=
GW_PROP=


# ---------------------------------------------------------------- probes

# The gateway's Child SAs, one per line: "STATE SPI_IN SPI_OUT PROPOSAL"
# (its SPI_IN is vpnd's outbound SPI).
gw_children() {
	vmt_swanctl "$VMT_GW" "$GW_DIR" --list-sas 2>/dev/null | awk '
		/^  [^ ].*: #[0-9]+, reqid / {
			n++; st[n] = $5; sub(/,$/, "", st[n]); prop[n] = $NF }
		/^    in  / { si[n] = $2; sub(/[,\/(].*/, "", si[n]) }
		/^    out / { so[n] = $2; sub(/[,\/(].*/, "", so[n]) }
		END { for (i = 1; i <= n; i++)
			print st[i], si[i], so[i], prop[i] }'
}

# ESP SAs in namespace NS as "SPI PACKETS" (SPI in 8 hex digits).
spi_packets() {
	ip -n "$1" -s xfrm state | awk '
		/^src / { spi = "" }
		/proto esp spi 0x/ { spi = $4; sub(/^0x/, "", spi); sub(/\(.*/, "", spi) }
		/^[ \t]*[0-9]+\(bytes\), [0-9]+\(packets\)/ && spi != "" {
			n = $2; sub(/\(packets\).*/, "", n); print spi, n + 0 }'
}

# rekey_settled OLD_IN OLD_OUT: the gateway has one Child SA, installed,
# with SPIs other than the old pair, and vpnctl status shows that pair
# installed.
# Sets NEW_IN, NEW_OUT and GW_PROP.
rekey_settled() {
	local old_in=$1 old_out=$2 kids st g_in g_out prop status
	kids=$(gw_children)
	[ -n "$kids" ] && [ "$(wc -l <<<"$kids")" = 1 ] || return 1
	read -r st g_in g_out prop <<<"$kids"
	[ "$st" = INSTALLED ] && [ -n "$g_in" ] && [ -n "$g_out" ] || return 1
	[ "$g_in" != "$old_out" ] && [ "$g_out" != "$old_in" ] || return 1
	status=$(timeout 20 "$VPNCTL" -s "$CL_DIR/vpnd.sock" status "$CASE" 2>/dev/null)
	[ "$(status_spis "$status")" = "$g_out $g_in" ] || return 1
	grep -Eq 'child SA: ESP .*, installed' <<<"$status" || return 1
	NEW_IN=$g_out
	NEW_OUT=$g_in
	GW_PROP=$prop
}

# spis_absent NS SPI...: none of the SPIs is in the kernel of NS.
spis_absent() {
	local ns=$1 state s
	shift
	state=$(ip -n "$ns" xfrm state)
	for s in "$@"; do
		grep -Eq "spi 0x${s}[( ]" <<<"$state" && return 1
	done
	return 0
}

# spis_present NS SPI...: all of them are.
spis_present() {
	local ns=$1 state s
	shift
	state=$(ip -n "$ns" xfrm state)
	for s in "$@"; do
		grep -Eq "spi 0x${s}[( ]" <<<"$state" || return 1
	done
	return 0
}

# spis_counted NS BEFORE AFTER SPI...: each SPI counted at least PINGS
# packets more in AFTER than in BEFORE (0 when it was not there).
spis_counted() {
	local ns=$1 before=$2 after=$3 s old new ok=0
	shift 3
	for s in "$@"; do
		old=$(awk -v s="$s" '$1 == s { print $2 }' "$before")
		new=$(awk -v s="$s" '$1 == s { print $2 }' "$after")
		vmt_log "  $ns SA $s: packets ${old:-0} -> ${new:-none}"
		[ -n "$new" ] && [ $((new - ${old:-0})) -ge "$PINGS" ] || ok=1
	done
	return $ok
}

# ping_counted IN OUT: a ping passes and vpnd's SAs IN and OUT count it,
# and so do the gateway's (its inbound SPI is OUT).
ping_counted() {
	local in=$1 out=$2
	spi_packets "$VMT_CL" >"$CL_DIR/before"
	spi_packets "$VMT_GW" >"$GW_DIR/before"
	ping_vip || return 1
	spi_packets "$VMT_CL" >"$CL_DIR/after"
	spi_packets "$VMT_GW" >"$GW_DIR/after"
	spis_counted "$VMT_CL" "$CL_DIR/before" "$CL_DIR/after" "$in" "$out" ||
		{ case_fail "vpnd's SAs in $in / out $out did not count the pings"; return 1; }
	spis_counted "$VMT_GW" "$GW_DIR/before" "$GW_DIR/after" "$in" "$out" ||
		{ case_fail "the gateway's SAs $out / $in did not count the pings"; return 1; }
}

# encap_on NS SPI...: the SAs with these SPIs are ESP-in-UDP.
encap_on() {
	local ns=$1 s
	shift
	for s in "$@"; do
		ip -n "$ns" xfrm state | awk -v s="spi 0x$s" '
			/^src / { blk = 0 } index($0, s) { blk = 1 }
			blk && /encap type espinudp/ { found = 1 }
			END { exit !found }' || return 1
	done
}

# ---------------------------------------------------------------- a rekey

# check_rekey WHO PROP_REGEX ENCAP TIMEOUT: waits for a rekey of the pair
# SPI_IN/SPI_OUT (started by the gateway or by vpnd: WHO is "gateway" or
# "vpnd") and checks it; the new pair becomes SPI_IN/SPI_OUT.
check_rekey() {
	local who=$1 prop_re=$2 encap=$3 secs=$4 old_in=$SPI_IN old_out=$SPI_OUT
	local line t0
	t0=$(date +%s.%N)
	if ! wait_for "$secs" rekey_settled "$old_in" "$old_out"; then
		vpnctl_run status "$CASE"
		case_fail "no rekey settled within ${secs}s (old SPIs in $old_in" \
			"out $old_out); gateway Child SAs: $(gw_children | tr '\n' ';')"
		return 1
	fi
	vmt_log "  rekeyed ($who) after $(elapsed_since "$t0")s: SPIs in $old_in out $old_out" \
		"-> in $NEW_IN out $NEW_OUT; gateway: $GW_PROP"
	grep -Eq "$prop_re" <<<"$GW_PROP" ||
		{ case_fail "the gateway's new Child SA is $GW_PROP, want /$prop_re/"; return 1; }
	spis_present "$VMT_CL" "$NEW_IN" "$NEW_OUT" ||
		{ case_fail "vpnd's new SPIs $NEW_IN/$NEW_OUT are not in its kernel"; return 1; }
	wait_for 10 spis_absent "$VMT_CL" "$old_in" "$old_out" ||
		{ case_fail "the old SAs $old_in/$old_out are still in vpnd's kernel"; return 1; }
	wait_for 10 spis_absent "$VMT_GW" "$old_in" "$old_out" ||
		{ case_fail "the old SAs $old_in/$old_out are still in the gateway's kernel"; return 1; }
	vmt_log "  old SAs $old_in/$old_out gone from both kernels"
	if [ "$who" = gateway ]; then
		line="Child SA rekeyed by the gateway: SPIs in $NEW_IN out $NEW_OUT"
	else
		line="Child SA rekeyed: SPIs in $NEW_IN out $NEW_OUT"
	fi
	grep -Fq "$line" "$CL_DIR/vpnd.log" ||
		{ case_fail "vpnd.log lacks '$line'"; return 1; }
	vmt_log "  vpnd.log: $line"
	if [ "$encap" = true ]; then
		encap_on "$VMT_CL" "$NEW_IN" "$NEW_OUT" ||
			{ case_fail "vpnd's new SAs are not ESP-in-UDP"; return 1; }
		vmt_log "  the new SAs are ESP-in-UDP"
	fi
	ping_counted "$NEW_IN" "$NEW_OUT" || return 1
	SPI_IN=$NEW_IN
	SPI_OUT=$NEW_OUT
}

# run_case NAME ESP ENCAP WHO ROUNDS PROP_REGEX [PROFILE_EXTRA]
run_case() {
	local esp=$2 encap=$3 who=$4 rounds=$5 prop_re=$6 extra=${7:-} t0 i
	t0=$(date +%s.%N)
	vpnd_connect_case "$1" "$esp" "$encap" "$extra" || return 1
	ping_counted "$SPI_IN" "$SPI_OUT" || return 1
	for ((i = 1; i <= rounds; i++)); do
		if [ "$who" = gateway ]; then
			vmt_swanctl "$VMT_GW" "$GW_DIR" --rekey --child net \
				>"$GW_DIR/rekey.log" 2>&1 ||
				{ case_fail "swanctl --rekey failed: $(tail -n 3 "$GW_DIR/rekey.log")"
				  return 1; }
			vmt_log "  round $i: swanctl --rekey --child net on the gateway"
			check_rekey gateway "$prop_re" "$encap" 30 || return 1
		else
			vmt_log "  round $i: waiting for vpnd's own rekey (soft lifetime)"
			check_rekey vpnd "$prop_re" "$encap" 75 || return 1
		fi
	done
	vpnd_disconnect_case || return 1
	vmt_log "case $CASE: OK ($(elapsed_since "$t0")s guest time)"
}

main() {
	local timers="timers: {child-rekey-time: 30, child-life-time: 600}"
	local cases=(
		"gw|aes256gcm16|false|gateway|2|^ESP:AES_GCM_16-256$|"
		"gw-pfs|aes256gcm16-ecp256|false|gateway|1|^ESP:AES_GCM_16-256/ECP_256$|"
		"gw-natt|aes256gcm16|true|gateway|1|^ESP:AES_GCM_16-256$|"
		"vpnd-pfs|aes256gcm16-ecp256|false|vpnd|1|^ESP:AES_GCM_16-256/ECP_256$|$timers"
	)
	vmt_run_cases vpnd_stop "${cases[@]}"
}

main
