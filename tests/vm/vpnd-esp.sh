#!/bin/bash
# vpnd carries real ESP traffic; run inside the VM by run-in-vm.sh.
#
# Topology from lib.sh: vpnd in $VMT_CL (192.0.2.2) against a strongSwan
# PSK responder in $VMT_GW (192.0.2.1, pool 203.0.113.10-20, local_ts
# 198.51.100.0/24 behind it on a dummy interface).  Three cases: ESP
# AES-GCM-16-256, AES-CBC-256 + HMAC-SHA2-256, and AES-GCM with UDP
# encapsulation forced by the profile (force-encap: true).  Each case:
# connect, the Child SA must be installed, a ping from the virtual IP to
# 198.51.100.1 must pass and be counted by every ESP SA on both sides, and
# after disconnect neither vpnd nor the gateway may leave an SA or policy.
#
# Env: VPND, VPNCTL  the built binaries (meson sets them).
set -uo pipefail

VMT_NAME=vpnd-esp
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
vmt_require_vm "$@"

POOL=203.0.113.10-203.0.113.20
PINGS=3
PING=(ping)
command -v ping >/dev/null || PING=(busybox ping)

for tool in /usr/sbin/charon-systemd /usr/sbin/swanctl; do
	[ -x "$tool" ] || { echo "FAIL: [$VMT_NAME] missing $tool on the host" \
		"(apt-get install charon-systemd strongswan-swanctl)"; exit 1; }
done
for v in VPND VPNCTL; do
	[ -x "${!v:-/nonexistent}" ] || {
		echo "FAIL: [$VMT_NAME] $v not set or not executable" \
			"(run through meson test, or export $v=BUILD/...)"
		exit 1; }
done

VMT_WORK=$(mktemp -d /tmp/vpnd-esp.XXXXXX)
chmod 700 "$VMT_WORK"
VPND_PID=
CASE=
CL_DIR=
GW_DIR=
VPNCTL_OUT=
VPNCTL_RC=
PING_LOG=

stop_vpnd() {
	local pid=$VPND_PID _
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null || true
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	VPND_PID=
}

cleanup() {
	stop_vpnd
	vmt_teardown
	rm -rf "$VMT_WORK"
}
trap cleanup EXIT

# ---------------------------------------------------------------- reporting

# Everything needed to understand a failure without rerunning it.
show_context() {
	local f
	if [ -n "$PING_LOG" ] && [ -f "$PING_LOG" ]; then
		echo "----- ping output -----"
		cat "$PING_LOG"
	fi
	if [ -n "$VPNCTL_OUT" ]; then
		echo "----- last vpnctl output (exit $VPNCTL_RC) -----"
		printf '%s\n' "$VPNCTL_OUT"
	fi
	for f in "$CL_DIR/vpnd.log" "$GW_DIR/charon.log"; do
		[ -f "$f" ] || continue
		echo "----- ${f#"$VMT_WORK"/} (tail) -----"
		tail -n 50 "$f"
	done
	for f in "$VMT_CL" "$VMT_GW"; do
		echo "----- ip -s xfrm state / ip xfrm policy in $f -----"
		ip -n "$f" -s xfrm state 2>&1
		ip -n "$f" xfrm policy 2>&1
	done
	echo "-----"
}

# case_fail MESSAGE: prints the FAIL line and the context; the caller
# returns 1 so that the remaining cases still run.
case_fail() {
	echo "FAIL: [$VMT_NAME/$CASE] $*"
	show_context
}

# wait_for SECONDS COMMAND...: polls every 0.1 s.
wait_for() {
	local n=$(($1 * 10))
	shift
	while ((n-- > 0)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

elapsed_since() {
	awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'
}

# ---------------------------------------------------------------- vpnd

# write_profile NAME ESP FORCE_ENCAP: PSK profile for the gateway.
write_profile() {
	local f=$CL_DIR/profiles/$1.yaml
	(umask 077; cat >"$f" <<EOF
# written by tests/vm/vpnd-esp.sh ($CASE)
connection: {name: $1, gateway: 192.0.2.1, force-encap: $3}
local: {id: $VMT_CL_ID, auth: psk, psk: "$VMT_PSK"}
remote: {id: $VMT_GW_ID, auth: psk}
ike: {proposals: ["aes256gcm16-prfsha384-ecp384"]}
esp: {proposals: ["$2"]}
traffic-selectors: {local: [dynamic], remote: ["198.51.100.0/24"]}
ipv4: {method: auto, dns: auto}
EOF
	)
}

# vpnd in the client namespace. ip netns exec gives it a private mount
# namespace; the bind mount keeps any DNS write of vpnd in the work dir.
start_vpnd() {
	: >"$CL_DIR/resolv.conf"
	# shellcheck disable=SC2016  # $1 is expanded by that sh
	ip netns exec "$VMT_CL" sh -c '
		mount --bind "$1" /etc/resolv.conf 2>/dev/null
		shift; exec "$@"' sh "$CL_DIR/resolv.conf" \
		env VPND_DNS_FILE="$CL_DIR/dns.conf" \
		"$VPND" -f -p "$CL_DIR/profiles" -s "$CL_DIR/vpnd.sock" \
		--state-dir "$CL_DIR/state" -d \
		>"$CL_DIR/vpnd.log" 2>&1 </dev/null &
	VPND_PID=$!
	wait_for 10 test -S "$CL_DIR/vpnd.sock" ||
		{ case_fail "vpnd did not create its control socket"; return 1; }
	vmt_log "  vpnd started in $VMT_CL (pid $VPND_PID)"
}

# vpnctl_run ARGS...: sets VPNCTL_OUT and VPNCTL_RC and shows the output.
vpnctl_run() {
	VPNCTL_OUT=$(timeout 120 "$VPNCTL" -s "$CL_DIR/vpnd.sock" "$@" 2>&1)
	VPNCTL_RC=$?
	vmt_log "  vpnctl $* -> exit $VPNCTL_RC"
	[ -n "$VPNCTL_OUT" ] && printf '%s\n' "$VPNCTL_OUT" | sed 's/^/    | /'
	return 0
}

# ---------------------------------------------------------------- xfrm

# The client's xfrm SAs and policies, leaving out per-socket policies
# ("socket in/out", the IKE sockets' bypass) which belong to no SA.
cl_xfrm_leftovers() {
	ip -n "$VMT_CL" xfrm state 2>&1
	ip -n "$VMT_CL" xfrm policy 2>&1 | awk '
		/^[^ \t]/ { if (blk != "" && blk !~ /socket (in|out|fwd)/) print blk
			    blk = $0; next }
		{ blk = blk "\n" $0 }
		END { if (blk != "" && blk !~ /socket (in|out|fwd)/) print blk }'
}

cl_xfrm_clean() { [ -z "$(cl_xfrm_leftovers)" ]; }

# Fails closed: a gateway whose vici does not answer has not "no SA".
gw_no_sa() {
	local out
	out=$(vmt_swanctl "$VMT_GW" "$GW_DIR" --list-sas 2>/dev/null) || return 1
	! grep -q IKEv2 <<<"$out" && [ -z "$(ip -n "$VMT_GW" xfrm state)" ]
}

# check_encap: with forced NAT-T every ESP SA on both sides must be
# ESP-in-UDP, and the gateway's end of each must be port 4500.
check_encap() {
	local ns state sas encs
	for ns in "$VMT_CL" "$VMT_GW"; do
		state=$(ip -n "$ns" xfrm state)
		sas=$(grep -c '^src ' <<<"$state")
		encs=$(grep -Ec 'encap type espinudp sport [0-9]+ dport [0-9]+' <<<"$state")
		if [ "$sas" -lt 2 ] || [ "$encs" != "$sas" ]; then
			case_fail "$ns: $encs of $sas ESP SAs are ESP-in-UDP, want all"
			return 1
		fi
	done
	# The client's outbound SA goes to the gateway's port 4500 ...
	if ! grep -Eq 'encap type espinudp sport [0-9]+ dport 4500' \
			<<<"$(ip -n "$VMT_CL" xfrm state)"; then
		case_fail "client SAs do not send ESP-in-UDP to port 4500"
		return 1
	fi
	# ... and the gateway sends from 4500.
	if ! grep -Eq 'encap type espinudp sport 4500 dport [0-9]+' \
			<<<"$(ip -n "$VMT_GW" xfrm state)"; then
		case_fail "gateway SAs do not send ESP-in-UDP from port 4500"
		return 1
	fi
	vmt_log "  all ESP SAs are ESP-in-UDP on port 4500: $(ip -n "$VMT_CL" \
		xfrm state | grep -o 'encap type espinudp sport [0-9]* dport [0-9]*' |
		sort -u | tr '\n' ';')"
}

# check_algs REGEX...: each must match the XFRM states of both sides.
check_algs() {
	local pat ns
	for pat in "$@"; do
		for ns in "$VMT_CL" "$VMT_GW"; do
			grep -Eq "$pat" <<<"$(ip -n "$ns" xfrm state)" && continue
			case_fail "xfrm state in $ns lacks /$pat/"
			return 1
		done
	done
}

# ---------------------------------------------------------------- one case

# vip_in_cl VIP: is VIP an address of an interface in the client namespace?
vip_in_cl() {
	grep -Fq "inet $1/" <<<"$(ip -n "$VMT_CL" -o -4 addr show)"
}

vip_gone() { ! vip_in_cl "$1"; }

# vpnd dies by SIGKILL with the tunnel up; the next vpnd must remove the
# SAs, policies, virtual IP, route and DNS settings the dead one left.
crash_and_restart() {
	local vip=$1
	kill -9 "$VPND_PID"
	wait "$VPND_PID" 2>/dev/null
	cl_xfrm_clean &&
		{ case_fail "nothing was left after SIGKILL: the test proves nothing"; return 1; }
	vip_in_cl "$vip" ||
		{ case_fail "the virtual IP vanished with vpnd: the test proves nothing"; return 1; }
	vmt_log "  vpnd killed with SIGKILL; its SAs, policies and $vip are still there"
	start_vpnd || return 1
	wait_for 5 cl_xfrm_clean ||
		{ case_fail "restarted vpnd left stale xfrm state: $(cl_xfrm_leftovers)"; return 1; }
	wait_for 3 vip_gone "$vip" ||
		{ case_fail "restarted vpnd left the stale virtual IP $vip"; return 1; }
	[ ! -e "$CL_DIR/dns.conf" ] ||
		{ case_fail "restarted vpnd left the stale DNS settings"; return 1; }
	ip -n "$VMT_CL" route | grep -q "198.51.100.0/24" &&
		{ case_fail "restarted vpnd left the stale route"; return 1; }
	vmt_log "  restarted vpnd removed everything the killed one had installed"
	vmt_log "case $CASE: OK"
}

# run_case NAME ESP FORCE_ENCAP ALG_REGEX...
run_case() {
	local esp=$2 encap=$3 t0 status vip spi_in spi_out s kstate added_vip=0
	CASE=$1
	shift 3
	t0=$(date +%s.%N)
	CL_DIR=$VMT_WORK/$CASE-cl
	GW_DIR=$VMT_WORK/$CASE-gw
	VPNCTL_OUT=
	PING_LOG=
	mkdir -p "$CL_DIR/profiles" "$CL_DIR/state"
	chmod 700 "$CL_DIR" "$CL_DIR/profiles" "$CL_DIR/state"
	vmt_log "case $CASE: esp $esp, force-encap $encap"

	vmt_setup_net || { case_fail "network setup failed"; return 1; }
	# vpnd routes the remote network itself (via its virtual IP); the
	# harness's plain route is for the strongSwan self-test only.
	ip -n "$VMT_CL" route del 198.51.100.0/24 via 192.0.2.1 ||
		{ case_fail "cannot remove the harness route"; return 1; }
	vmt_start_gateway "$GW_DIR" "$esp" "$POOL" ||
		{ case_fail "strongSwan gateway did not start"; return 1; }
	write_profile "$CASE" "$esp" "$encap"
	start_vpnd || return 1

	vpnctl_run connect "$CASE"
	[ "$VPNCTL_RC" = 0 ] ||
		{ case_fail "vpnctl connect exited $VPNCTL_RC"; return 1; }
	vpnctl_run status "$CASE"
	status=$VPNCTL_OUT
	[ "$VPNCTL_RC" = 0 ] ||
		{ case_fail "vpnctl status exited $VPNCTL_RC"; return 1; }
	if ! grep -Eq 'child SA: ESP .*, installed' <<<"$status"; then
		case_fail "vpnctl status does not show the Child SA installed"
		return 1
	fi
	# The SPIs vpnd reports must be the ones in the kernel.
	spi_in=$(sed -n 's/.*SPIs in \([0-9a-f]*\) out \([0-9a-f]*\).*/\1/p' <<<"$status")
	spi_out=$(sed -n 's/.*SPIs in \([0-9a-f]*\) out \([0-9a-f]*\).*/\2/p' <<<"$status")
	kstate=$(ip -n "$VMT_CL" xfrm state)
	for s in "$spi_in" "$spi_out"; do
		grep -Eq "spi 0x${s:-none}[( ]" <<<"$kstate" ||
			{ case_fail "Child SA SPI '$s' from vpnctl status is not in the kernel"
			  return 1; }
	done
	vip=$(sed -n 's/^ *virtual IP: \(203\.0\.113\.[0-9]*\)\/.*/\1/p' <<<"$status" | head -n1)
	[ -n "$vip" ] ||
		{ case_fail "vpnctl status shows no virtual IP from 203.0.113.0/24"; return 1; }
	vmt_log "  Child SA installed, SPIs in $spi_in out $spi_out, virtual IP $vip"

	wait_for 1 vip_in_cl "$vip" ||
		{ case_fail "vpnd did not install the virtual IP $vip"; return 1; }
	ip -n "$VMT_CL" route get 198.51.100.1 | grep -q "src $vip" ||
		{ case_fail "no route to 198.51.100.0/24 from $vip: $(ip -n "$VMT_CL" route)"; return 1; }
	vmt_log "  vpnd installed the virtual IP $vip and the route with it as source"
	# DNS goes to resolved or resolvconf on a real host; VPND_DNS_FILE
	# keeps this test's copy private.
	grep -q "198.51.100.53" "$CL_DIR/dns.conf" 2>/dev/null ||
		{ case_fail "vpnd did not hand over the gateway's DNS server"; return 1; }

	vmt_sa_packets "$VMT_GW" >"$GW_DIR/before"
	vmt_sa_packets "$VMT_CL" >"$CL_DIR/before"
	if ! ip netns exec "$VMT_CL" "${PING[@]}" -c "$PINGS" -W 5 -I "$vip" \
			198.51.100.1 >"$CL_DIR/ping.log" 2>&1; then
		PING_LOG=$CL_DIR/ping.log
		case_fail "ping -I $vip 198.51.100.1 through the tunnel failed"
		return 1
	fi
	grep -E 'packets transmitted' "$CL_DIR/ping.log" | sed 's/^/  /'
	vmt_sa_packets "$VMT_GW" >"$GW_DIR/after"
	vmt_sa_packets "$VMT_CL" >"$CL_DIR/after"
	vmt_check_counters "$VMT_CL" "$CL_DIR/before" "$CL_DIR/after" "$PINGS" ||
		{ case_fail "client ESP SA counters did not rise by $PINGS"; return 1; }
	vmt_check_counters "$VMT_GW" "$GW_DIR/before" "$GW_DIR/after" "$PINGS" ||
		{ case_fail "gateway ESP SA counters did not rise by $PINGS"; return 1; }
	check_algs "$@" || return 1
	# vpnctl status reads the counters from the kernel.
	vpnctl_run status "$CASE"
	grep -Eq 'in +[0-9]+ bytes, [1-9][0-9]* packets; out [0-9]+ bytes, [1-9][0-9]* packets' <<<"$VPNCTL_OUT" ||
		{ case_fail "vpnctl status shows no traffic counters from the kernel"; return 1; }
	if [ "$CASE" = crash ]; then
		crash_and_restart "$vip"
		return
	fi
	if [ "$encap" = true ]; then
		check_encap || return 1
	elif grep -q 'encap type' <<<"$(ip -n "$VMT_CL" xfrm state)"; then
		case_fail "unexpected UDP encapsulation without force-encap"
		return 1
	fi

	vpnctl_run disconnect "$CASE"
	[ "$VPNCTL_RC" = 0 ] ||
		{ case_fail "vpnctl disconnect exited $VPNCTL_RC"; return 1; }
	if ! wait_for 5 cl_xfrm_clean; then
		case_fail "vpnd left xfrm state/policy in $VMT_CL: $(cl_xfrm_leftovers)"
		return 1
	fi
	if ! wait_for 10 gw_no_sa; then
		case_fail "gateway still has an SA after disconnect:" \
			"$(vmt_swanctl "$VMT_GW" "$GW_DIR" --list-sas 2>&1)"
		return 1
	fi
	if [ -e "$CL_DIR/dns.conf" ]; then
		case_fail "vpnd left its DNS settings after disconnect"
		return 1
	fi
	if [ "$added_vip" = 0 ] && ! wait_for 3 vip_gone "$vip"; then
		case_fail "vpnd installed the virtual IP $vip but left it after disconnect"
		return 1
	fi
	kill -0 "$VPND_PID" 2>/dev/null ||
		{ case_fail "vpnd (pid $VPND_PID) died"; return 1; }
	vmt_log "  after disconnect: no xfrm SA/policy in $VMT_CL, no SA on the gateway"
	# Not a failure, but worth seeing in a passing run too.
	grep -E 'vpnd\[(warn|error)' "$CL_DIR/vpnd.log" | sed 's/^/  vpnd.log: /'
	vmt_log "case $CASE: OK ($(elapsed_since "$t0")s guest time)"
}

main() {
	local failed=0 passed=0 c f t0
	local cases=(
		"gcm|aes256gcm16|false|aead rfc4106\\(gcm\\(aes\\)\\)"
		"cbc|aes256-sha256|false|enc cbc\\(aes\\)|auth-trunc hmac\\(sha256\\)"
		"natt|aes256gcm16|true|aead rfc4106\\(gcm\\(aes\\)\\)"
		"crash|aes256gcm16|false|aead rfc4106\\(gcm\\(aes\\)\\)"
	)
	t0=$(date +%s.%N)
	for c in "${cases[@]}"; do
		IFS='|' read -r -a f <<<"$c"
		if run_case "${f[@]}"; then
			passed=$((passed + 1))
		else
			vmt_log "case ${f[0]}: FAILED"
			failed=$((failed + 1))
		fi
		stop_vpnd
		vmt_teardown
	done
	echo "$VMT_NAME: $passed passed, $failed failed ($(elapsed_since "$t0")s guest time)"
	[ "$failed" -eq 0 ]
}

main
