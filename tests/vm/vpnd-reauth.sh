#!/bin/bash
# vpnd reauthenticates (RFC 7296 2.8.3, RFC 4478) make-before-break with
# real ESP while traffic flows; run inside the VM by run-in-vm.sh.
#
# Topology and gateway as in vpnd-esp.sh.  Two cases, each with one ping
# every 100 ms from the virtual IP to 198.51.100.1 for its whole length:
#   gw    the gateway's reauth_time 100 s: strongSwan sends AUTH_LIFETIME
#         and vpnd reauthenticates half way (vpnd's reauth-time 0)
#   vpnd  vpnd's own timers.reauth-time 30 (the gateway's reauth_time 0,
#         so no AUTH_LIFETIME)
# After the reauthentication: the gateway has exactly one IKE SA, a new one
# (new unique id and SPIs, started by vpnd) with a new Child SA; in
# charon.log that IKE SA was established before the old one's DELETE
# arrived; it holds the same virtual IP, which is still on vmt-cl with its
# route and DNS; vpnctl status shows the new IKE and Child SA and the
# tunnel working; vpnd deleted the old IKE SA; both kernels hold only the
# new ESP SAs, and vmt-cl's policies point at the new Child SA (its
# reqid).  At most one ping may be lost across the reauthentication, and
# the new ESP SAs must count the pings sent after it.  After disconnect no
# SA or policy on either side.  About 2.5 minutes of guest time.
#
# Env: VPND, VPNCTL  the built binaries (meson sets them).
set -uo pipefail

VMT_NAME=vpnd-reauth
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
vmt_require_vm "$@"
# shellcheck source=vpnd-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/vpnd-lib.sh"
vpnd_vm_preflight
# shellcheck source=flood-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/flood-lib.sh"
flood_preflight

# the gateway's IKE SA of the connect: unique id and "SPIi_SPIr"
OLD_ID=
OLD_SPIS=
# the gateway's lines (gw_ikes) of the last look
GW_LINES=
# set when a look found the old and the new IKE SA side by side
SAW_BOTH=

# Run on exit by tests/lib/common.sh.
cleanup_hook() { stop_flood; }

vmt_begin

# ---------------------------------------------------------------- probes

# The gateway's IKE SAs, one line each:
#   "UNIQUEID SPIi_SPIr STATE INITIATOR VIP CHILD_SAS CHILD_STATE SPI_IN SPI_OUT"
# INITIATOR is yes when the gateway started the IKE SA, VIP the virtual IP
# it gave vpnd; the Child SA fields are those of the last one listed.
# The gateway's SPI_IN is vpnd's outbound SPI.
gw_ikes() {
	local raw
	raw=$(vmt_swanctl "$VMT_GW" "$GW_DIR" --list-sas --raw 2>/dev/null) ||
		return 1
	awk '
		function field(s, k,   v) {
			if (!match(s, "[ {]" k "=[^ }]*"))
				return "-"
			v = substr(s, RSTART + 1, RLENGTH - 1)
			sub(/^[^=]*=/, "", v)
			gsub(/[][]/, "", v)
			return v == "" ? "-" : v
		}
		/^list-sa event / {
			ike = $0
			kids = ""
			if ((p = index($0, " child-sas {")) > 0) {
				ike = substr($0, 1, p)
				kids = substr($0, p)
			}
			ini = ike ~ /[ {]initiator=yes/ ? "yes" : "no"
			print field(ike, "uniqueid"),
			      field(ike, "initiator-spi") "_" field(ike, "responder-spi"),
			      field(ike, "state"), ini, field(ike, "remote-vips"),
			      gsub(/[ {]spi-in=/, "&", kids), field(kids, "state"),
			      field(kids, "spi-in"), field(kids, "spi-out")
		}' <<<"$raw"
}

# reauthenticated: the gateway has exactly one IKE SA, established, not
# the one of the connect, with an installed Child SA.  Sets GW_LINES and
# SAW_BOTH.
reauthenticated() {
	local id st kst
	GW_LINES=$(gw_ikes) || return 1
	[ "$(grep -c . <<<"$GW_LINES")" = 2 ] && SAW_BOTH=yes
	[ "$(grep -c . <<<"$GW_LINES")" = 1 ] || return 1
	read -r id _ st _ _ _ kst _ <<<"$GW_LINES"
	[ "$id" != "$OLD_ID" ] && [ "$st" = ESTABLISHED ] && [ "$kst" = INSTALLED ]
}

# line_of FILE FIXED: the number of FIXED's first line in FILE (empty if
# none).
line_of() { grep -nF -m1 -- "$2" "$1" | cut -d: -f1; }

# status_ok SPIi_SPIr IN OUT: vpnctl status shows the connection
# established with a working tunnel, that IKE SA, that Child SA installed
# and the virtual IP of the connect.
status_ok() {
	local status
	status=$(timeout 20 "$VPNCTL" -s "$CL_DIR/vpnd.sock" status "$CASE" 2>/dev/null)
	grep -Eq "^$CASE: established( since |\$)" <<<"$status" &&
		grep -Fq "IKE SA: SPIs ${1%_*}_i ${1#*_}_r" <<<"$status" &&
		[ "$(status_spis "$status")" = "$2 $3" ] &&
		grep -Eq 'child SA: ESP .*, installed' <<<"$status" &&
		grep -Eq "^ *virtual IP: $VIP/" <<<"$status"
}

# host_side_kept: the virtual IP is still on vmt-cl, the route to the
# remote network has it as source, and the DNS server is still applied.
host_side_kept() {
	vip_in_cl "$VIP" || { HOST_WHY="the virtual IP $VIP left $VMT_CL"; return 1; }
	ip -n "$VMT_CL" route get 198.51.100.1 2>/dev/null | grep -q "src $VIP " ||
		{ HOST_WHY="no route to 198.51.100.1 from $VIP: $(ip -n "$VMT_CL" route)"
		  return 1; }
	grep -q 198.51.100.53 "$CL_DIR/dns.conf" 2>/dev/null ||
		{ HOST_WHY="the DNS server is no longer applied"; return 1; }
}
HOST_WHY=

# only_sas NS IN OUT: the ESP SAs in NS are exactly IN and OUT (hex).
# Sets REQID to theirs (they must share it).
REQID=
only_sas() {
	local state reqids
	state=$(ip -n "$1" xfrm state)
	[ "$(grep -c '^src ' <<<"$state")" = 2 ] &&
		grep -Eq "spi 0x${2}[( ]" <<<"$state" &&
		grep -Eq "spi 0x${3}[( ]" <<<"$state" || return 1
	reqids=$(grep -o 'reqid [0-9]*' <<<"$state" | sort -u)
	[ "$(grep -c . <<<"$reqids")" = 1 ] || return 1
	REQID=${reqids#reqid }
}

# policies_of NS: the reqids of NS's tunnel policies, one a line (socket
# policies have none).
policies_of() {
	ip -n "$1" xfrm policy | grep -o 'reqid [0-9]*' | sed 's/reqid //'
}

# kernels_new_only IN OUT: both kernels hold only the Child SA IN/OUT
# (vpnd's view); vmt-cl's three policies (out, in, fwd) and all of the
# gateway's carry its reqid.
kernels_new_only() {
	local ns pols n
	for ns in "$VMT_CL" "$VMT_GW"; do
		if ! only_sas "$ns" "$1" "$2"; then
			case_fail "$ns's kernel does not hold exactly the new Child SA" \
				"$1/$2 under one reqid"
			return 1
		fi
		pols=$(policies_of "$ns")
		n=$(grep -c . <<<"$pols")
		if { [ "$ns" = "$VMT_CL" ] && [ "$n" != 3 ]; } || [ "$n" -lt 3 ] ||
				grep -vqx "$REQID" <<<"$pols"; then
			case_fail "$ns's policies are not the new Child SA's (reqid" \
				"$REQID): reqids $(tr '\n' ' ' <<<"$pols")"
			return 1
		fi
		vmt_log "  $ns: only the ESP SAs $1/$2 and $n policies, all reqid $REQID"
	done
}

# ---------------------------------------------------------------- checks

# check_order NEW_ID: in charon.log the new IKE SA was established, with
# its Child SA, before the old one's DELETE came; vpnd logged the
# reauthentication, then the old SA's deletion.
check_order() {
	local log=$GW_DIR/charon.log up del vlog=$CL_DIR/vpnd.log a b
	up=$(line_of "$log" "IKE_SA rw[$1] established")
	del=$(line_of "$log" "received DELETE for IKE_SA rw[$OLD_ID]")
	if [ -z "$up" ] || [ -z "$del" ] || [ "$up" -ge "$del" ]; then
		case_fail "charon.log: want 'IKE_SA rw[$1] established' (line" \
			"${up:-none}) before 'received DELETE for IKE_SA rw[$OLD_ID]'" \
			"(line ${del:-none})"
		return 1
	fi
	vmt_log "  charon.log: IKE_SA rw[$1] established at line $up, DELETE" \
		"for rw[$OLD_ID] at line $del${SAW_BOTH:+; both were seen side by side}"
	# vpnd may still be taking the answer to its DELETE.
	wait_for 10 grep -qF "$CASE (old SA): disconnected" "$vlog"
	a=$(line_of "$vlog" "reauthenticated with ")
	b=$(grep -nF "$CASE (old SA): disconnected" "$vlog" | tail -n1 | cut -d: -f1)
	if [ -z "$a" ] || [ -z "$b" ] || [ "$a" -ge "$b" ]; then
		case_fail "vpnd.log: want 'reauthenticated with' (line ${a:-none})" \
			"before '$CASE (old SA): disconnected' (line ${b:-none})"
		return 1
	fi
	vmt_log "  vpnd.log: reauthenticated (line $a), old IKE SA deleted (line $b)"
}

# check_reauth SECONDS: waits for the reauthentication and checks it.
check_reauth() {
	local id spis st ini vip kids kst kin kout
	if ! wait_for "$1" reauthenticated; then
		vpnctl_run status "$CASE"
		case_fail "no single new IKE SA on the gateway within ${1}s (had" \
			"rw[$OLD_ID] $OLD_SPIS; now: $(tr '\n' ';' <<<"${GW_LINES:-nothing}"))"
		return 1
	fi
	read -r id spis st ini vip kids kst kin kout <<<"$GW_LINES"
	vmt_log "  reauthenticated at +$(elapsed_since "$FLOOD_T0")s of the ping:" \
		"rw[$OLD_ID] $OLD_SPIS -> rw[$id] $spis, Child SA in $kin out $kout"
	if [ "$spis" = "$OLD_SPIS" ] || [ "$ini" != no ] || [ "$kids" != 1 ] ||
			[ "$kin" = "$SPI_OUT" ] || [ "$kout" = "$SPI_IN" ]; then
		case_fail "the gateway's IKE SA rw[$id] is not a new one from vpnd" \
			"with a new Child SA: $GW_LINES"
		return 1
	fi
	[ "$vip" = "$VIP" ] ||
		{ case_fail "the new IKE SA holds virtual IP $vip, not $VIP"; return 1; }
	check_order "$id" || return 1
	# The gateway's SPI_IN is vpnd's SPI_OUT.
	if ! wait_for 10 status_ok "$spis" "$kout" "$kin"; then
		vpnctl_run status "$CASE"
		case_fail "vpnctl status does not show $CASE established with IKE SA" \
			"$spis, Child SA in $kout out $kin installed, virtual IP $VIP"
		return 1
	fi
	vmt_log "  vpnctl status: established, IKE SA $spis, Child SA in $kout" \
		"out $kin installed, virtual IP $VIP"
	host_side_kept || { case_fail "$HOST_WHY"; return 1; }
	# Handed over, not removed and installed again.
	grep -qF "virtual IP, routes and DNS kept for the new IKE SA" \
		"$CL_DIR/vpnd.log" ||
		{ case_fail "vpnd.log does not say the host side was handed over"; return 1; }
	vmt_log "  $VMT_CL: $VIP, its route and the DNS server kept (handed over" \
		"to the new IKE SA)"
	kernels_new_only "$kout" "$kin" || return 1
	NEW_IN=$kout NEW_OUT=$kin
	flood_running ||
		{ case_fail "the ping ended before the reauthentication was checked;" \
			"its window is too short for this run"; return 1; }
}

# spi_packets NS SPI: the packets the ESP SA SPI (hex) in NS has counted;
# nothing if NS has no such SA.
spi_packets() {
	ip -n "$1" -s xfrm state | awk -v want="0x$2" '
		/^src / { spi = "" }
		/proto esp spi / { spi = $4; sub(/\(.*/, "", spi) }
		spi == want && /^[ \t]*[0-9]+\(bytes\), [0-9]+\(packets\)/ {
			n = $2; sub(/\(packets\).*/, "", n); print n + 0; exit }'
}

# new_counters: "NS:SPI:PACKETS" for the new Child SA's two ESP SAs in
# both kernels, one a line.
new_counters() {
	local ns spi
	for ns in "$VMT_CL" "$VMT_GW"; do
		for spi in "$NEW_IN" "$NEW_OUT"; do
			echo "$ns:$spi:$(spi_packets "$ns" "$spi")"
		done
	done
}

# check_new_counted: after the ping, each of the new Child SA's ESP SAs
# on both sides counted at least the echoes sent after MID_COUNTS was
# taken (with a sequence number above MID_SEQ+1), less those lost.
NEW_IN=
NEW_OUT=
MID_SEQ=
MID_COUNTS=
check_new_counted() {
	local min=$((FLOOD_TX - MID_SEQ - 1 - (FLOOD_TX - FLOOD_RX)))
	local ns spi old n ok=0
	[ "$min" -ge 10 ] ||
		{ case_fail "only $min pings after the reauthentication; the" \
			"ping's window is too short for this run"; return 1; }
	while IFS=: read -r ns spi old; do
		n=$(spi_packets "$ns" "$spi")
		vmt_log "  $ns ESP SA $spi: packets ${old:-none} -> ${n:-gone}"
		{ [ -n "$old" ] && [ -n "$n" ] && [ $((n - old)) -ge "$min" ]; } || ok=1
	done <<<"$MID_COUNTS"
	[ "$ok" = 0 ] || {
		case_fail "the new ESP SAs did not count the $min pings after the" \
			"reauthentication (or were gone: another reauthentication?)"
		return 1; }
	vmt_log "  the new ESP SAs counted the $min pings after the reauthentication"
}

# ---------------------------------------------------------------- a case

# run_case NAME GW_REAUTH_TIME VPND_REAUTH_TIME DUE: DUE is when the
# reauthentication is due, in seconds after the connect.
run_case() {
	local due=$4 t0 n ini vip secs
	t0=$(date +%s.%N)
	SAW_BOTH=
	VMT_GW_RW_EXTRA="reauth_time = $2"
	vpnd_connect_case "$1" aes256gcm16 false \
		"timers: {ike-rekey-time: 0, reauth-time: $3}" || return 1
	vmt_log "  gateway reauth_time $2, vpnd reauth-time $3"
	GW_LINES=$(gw_ikes)
	n=$(grep -c . <<<"$GW_LINES")
	read -r OLD_ID OLD_SPIS _ ini vip _ <<<"$GW_LINES"
	if [ "$n" != 1 ] || [ "$ini" != no ] || [ "$vip" != "$VIP" ]; then
		case_fail "after connect the gateway should have one IKE SA started" \
			"by vpnd, holding $VIP: ${GW_LINES:-nothing}"
		return 1
	fi
	vmt_log "  IKE SA rw[$OLD_ID] $OLD_SPIS on the gateway"
	if [ "$2" = 0s ]; then
		! grep -q 'gateway wants reauthentication' "$CL_DIR/vpnd.log" ||
			{ case_fail "AUTH_LIFETIME from a gateway without reauth_time"; return 1; }
	else
		grep -q 'within [0-9]* s (AUTH_LIFETIME)' "$CL_DIR/vpnd.log" ||
			{ case_fail "vpnd did not take the gateway's AUTH_LIFETIME"; return 1; }
		vmt_log "  vpnd.log: $(grep -o 'gateway wants reauth.*' "$CL_DIR/vpnd.log" | head -n1)"
	fi
	# Until the reauthentication and 20 s beyond, for its checks and the
	# pings through the new SAs; the next reauthentication is due the
	# same time after this one, well after that.
	secs=$((due + 20))
	start_flood "$secs"
	check_reauth $((due + 20)) || { stop_flood; return 1; }
	MID_COUNTS=$(new_counters)
	MID_SEQ=$(flood_last_seq)
	flood_finish $((secs + 30)) 1 "across the reauthentication" || return 1
	check_new_counted || return 1
	vpnd_disconnect_case || return 1
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
	# gw: AUTH_LIFETIME 90-100 s (strongSwan takes up to a tenth off),
	# vpnd reauthenticates half way, 45-50 s after the connect.
	local cases=(
		"gw|100s|0|50"
		"vpnd|0s|30|30"
	)
	vmt_run_cases case_cleanup "${cases[@]}"
}

main
