#!/bin/bash
# mobike-bench: how fast a MOBIKE move (RFC 4555) gives the traffic back,
# vpnd against strongSwan's charon as the client, with real ESP in the
# test VM, in one run. It prints a table per client and the ratios
# vpnd/charon; there are no assertions on the timings, only on each move
# really being a MOBIKE move.
#
#   VPND=BUILD/src/daemon/vpnd VPNCTL=BUILD/src/vpnctl/vpnctl \
#       flock /tmp/vpnd-heavy.lock tests/vm/run-in-vm.sh \
#       tests/bench/mobike-bench.sh [N]          (N: moves per client, 10)
#
# (about 2.5 minutes of wall time for N=10, 4.5 s a move; run-in-vm.sh
# stops the VM after VPND_VM_TIMEOUT, 300 s: set it higher for N above
# ~25. `meson test -C BUILD --benchmark mobike-bench` runs it with N=10,
# the vm suite's test vm-mobike-bench with N=1.)
#
# Set-up, the same for both clients: tests/vm/lib.sh's namespaces, the
# strongSwan responder in vmt-gw with mobike = yes, the second uplink
# (vmt_second_uplink: vmt-cl 203.0.113.130/25 on vmt-d, a metric-500 route
# to the gateway through it), ESP aes256gcm16, IKE
# aes256gcm16-prfsha384-ecp384, no IKE rekeying, liveness checks every
# 300 s (so none falls into a move). The clients:
#   vpnd    vpnd in vmt-cl with a PSK profile (tests/vm/vpnd-lib.sh's
#           vpnd_connect_case), debug log on (-d);
#   charon  a second private charon-systemd in vmt-cl as the initiator
#           (swanctl, mobike = yes, no local_addrs: the source follows the
#           route), filelog ike/knl/cfg at level 2.
# Method, as tests/vm/mobike-lib.sh: a ping every 100 ms from the virtual
# IP to 198.51.100.1 (ping -D -O) runs through all moves of a client. A
# move deletes the address the IKE SA is on (flood_addr_del); its resume
# time is from when `ip addr del` returned to the answer of the first echo
# sent after that (flood_resumed_after); its lost echoes are those after
# the last one answered before the deletion that never got an answer,
# up to that first one (flood_lost_around). The moves alternate: away
# (192.0.2.2 on vmt-c goes, the SA moves to 203.0.113.130) and back
# (203.0.113.130 goes, the SA moves to 192.0.2.2). After each move the
# address comes back, its route to the gateway at a worse metric than
# the current one (501, 502, ...), so that no client moves back by
# itself (vpnd follows a better route, charon does not without
# prefer_best_path) and every move is caused by a deletion; then the
# script waits SETTLE seconds and for an answered echo.
# Each move must be a MOBIKE move: the gateway shows its one IKE SA with
# the SPIs of the connect at the new address[4500], and the Child SA of
# the connect (gw_moved); otherwise the benchmark aborts.
# The resolution: echoes go every 100 ms, so a resume time is the time
# until the tunnel works plus the wait for the next echo (0-100 ms) and
# its round trip; medians of N=10 that differ by less than ~50 ms do not
# tell the clients apart.
# CPU: the client daemon's CPU time from /proc/PID/task/*/schedstat (all
# threads, ns; /proc/PID/stat ticks without it) over a window of WINDOW
# seconds from just before `ip addr del` (longer if the checks take
# longer): the move and what follows it. The gateway, ip and swanctl run
# as other processes and are not counted.
#
# Env: VPND, VPNCTL  the built binaries
#      BENCH_WINDOW    CPU window per move in seconds (2)
#      BENCH_SETTLE    seconds after the address came back (1.5)
set -uo pipefail

VMT_NAME=mobike-bench
# shellcheck source=../vm/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../vm/lib.sh"
vmt_require_vm "$@"
[ "${1:-}" = --force ] && shift
# shellcheck source=../vm/vpnd-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../vm/vpnd-lib.sh"
vpnd_vm_preflight
# shellcheck source=../vm/flood-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../vm/flood-lib.sh"
flood_preflight
# a timestamp on every line, for flood_resumed_after
FLOOD_OPTS=(-D)
# A failure aborts the benchmark (lib.sh makes it end only a case).
T_FAIL_EXIT=1

N=${1:-${BENCH_N:-10}}
[[ "$N" =~ ^[1-9][0-9]{0,2}$ ]] ||
	{ echo "usage: $0 [--force] [N (moves per client, 1..999)]" >&2; exit 2; }
WINDOW=${BENCH_WINDOW:-2}
SETTLE=${BENCH_SETTLE:-1.5}
ESP=aes256gcm16
IKE=aes256gcm16-prfsha384-ecp384
GW_IP=192.0.2.1
CL_IP=192.0.2.2
CL_IP2=$VMT_CL_IP2
CLIENTS=(vpnd charon)

# Run on exit by tests/lib/common.sh.
cleanup_hook() { stop_flood; }

vmt_begin

# per client and move (KEY "CLIENT MOVE"): resume s, first answered
# icmp_seq, the deletion's start, lost echoes, CPU ns, window s, direction
declare -A R_SECS=() R_SEQ=() R_T0=() R_LOST=() R_CPU=() R_WIN=() R_DIR=()
declare -A CPU_SRC=()
# the client daemon's PID (CPU time)
CPU_PID=

# ---------------------------------------------------------------- clients

# connect_vpnd: vpnd connected through the first uplink.
connect_vpnd() {
	VMT_NET_EXTRA=vmt_second_uplink
	vpnd_connect_case vpnd "$ESP" false \
		"timers: {ike-rekey-time: 0, dpd-interval: 300}" || return 1
	VMT_NET_EXTRA=
	grep -q 'gateway supports MOBIKE' "$CL_DIR/vpnd.log" ||
		{ case_fail "vpnd did not see MOBIKE_SUPPORTED from the gateway"
		  return 1; }
	CPU_PID=$VPND_PID
}

# write_charon_client DIR: the initiator's swanctl.conf, as vpnd's profile.
write_charon_client() {
	cat >"$1/swanctl.conf" <<EOF
connections {
  home {
    remote_addrs = $GW_IP
    vips = 0.0.0.0
    mobike = yes
    proposals = $IKE
    rekey_time = 0s
    dpd_delay = 300s
    local { auth = psk
      id = $VMT_CL_ID }
    remote { auth = psk
      id = $VMT_GW_ID }
    children { net { remote_ts = 198.51.100.0/24
        esp_proposals = $ESP } }
  }
}
$(vmt_secrets_block)
EOF
}

# connect_charon: the strongSwan initiator connected through the first
# uplink; sets CL_DIR, GW_DIR, VIP.
connect_charon() {
	CL_DIR=$VMT_WORK/charon-cl
	GW_DIR=$VMT_WORK/charon-gw
	VIP=
	vmt_log "case charon: esp $ESP"
	vmt_setup_net || { case_fail "network setup failed"; return 1; }
	vmt_second_uplink 500 || { case_fail "second uplink failed"; return 1; }
	# charon routes the remote network itself (table 220), as vpnd does
	ip -n "$VMT_CL" route del 198.51.100.0/24 via "$GW_IP" ||
		{ case_fail "cannot remove the harness route"; return 1; }
	vmt_start_gateway "$GW_DIR" "$ESP" "$POOL" ||
		{ case_fail "strongSwan gateway did not start"; return 1; }
	mkdir -p "$CL_DIR"
	vmt_write_strongswan_conf "$CL_DIR"
	write_charon_client "$CL_DIR"
	vmt_start_charon "$VMT_CL" "$CL_DIR" ||
		{ case_fail "the strongSwan client did not start"; return 1; }
	if ! vmt_swanctl "$VMT_CL" "$CL_DIR" --initiate --child net \
			--timeout 60 >"$CL_DIR/initiate.log" 2>&1; then
		case_fail "swanctl --initiate: $(tail -n 20 "$CL_DIR/initiate.log")"
		return 1
	fi
	# the lease (POOL), not the second uplink's 203.0.113.130
	VIP=$(ip -n "$VMT_CL" -o -4 addr show |
		grep -oE 'inet 203\.0\.113\.(1[0-9]|20)/' | head -n1 |
		sed 's/^inet //; s/\/$//')
	[ -n "$VIP" ] || { case_fail "no virtual IP installed in $VMT_CL"; return 1; }
	CPU_PID=$(cat "$CL_DIR/pid")
	vmt_log "  strongSwan client up, virtual IP $VIP"
}

# the gateway's SAs of the connect: IKE_SPIS (gw_one_from), and
# SPI_IN/SPI_OUT as the client's (the gateway's out and in).
connected_sas() {
	local kin kout
	gw_one_from "$CL_IP" || return 1
	read -r _ _ _ _ _ _ _ kin kout <<<"$GW_VIEW"
	if [ "$CASE" = charon ]; then
		SPI_IN=$kout SPI_OUT=$kin
	elif [ "$kin" != "$SPI_OUT" ] || [ "$kout" != "$SPI_IN" ]; then
		case_fail "the gateway's Child SA $kin/$kout is not vpnd's" \
			"$SPI_IN/$SPI_OUT"
		return 1
	fi
	vmt_log "  IKE SA $IKE_SPIS on the gateway from $CL_IP, Child SA in" \
		"$SPI_IN out $SPI_OUT (the client's)"
}

# ---------------------------------------------------------------- a move

# move CLIENT K: move K of CLIENT (odd: away, even: back), measured.
move() {
	local cl=$1 k=$2 from dev len to back c0 c1 w t
	if ((k % 2)); then
		from=$CL_IP dev=vmt-c len=24 to=$CL_IP2 R_DIR["$cl $k"]=away
	else
		from=$CL_IP2 dev=vmt-d len=25 to=$CL_IP R_DIR["$cl $k"]=back
	fi
	c0=$(cpu_ns "$CPU_PID" "${CPU_SRC[$cl]}")
	flood_addr_del "move $k" "$VMT_CL" "$from/$len" "$dev" || return 1
	vmt_log "move $k ($from -> $to): traffic resumed after $DEL_SECS s" \
		"(icmp_seq=$DEL_SEQ)"
	gw_moved "move $k" "$to" || return 1
	# the rest of the window, then the CPU time
	t=$(awk -v a="$DEL_T0" -v w="$WINDOW" -v b="$(date +%s.%N)" \
		'BEGIN { d = a + w - b; printf "%.3f", (d > 0 ? d : 0) }')
	sleep "$t"
	c1=$(cpu_ns "$CPU_PID" "${CPU_SRC[$cl]}")
	w=$(elapsed_since "$DEL_T0")
	R_SECS["$cl $k"]=$DEL_SECS R_SEQ["$cl $k"]=$DEL_SEQ
	R_T0["$cl $k"]=$DEL_T0 R_CPU["$cl $k"]=$((c1 - c0)) R_WIN["$cl $k"]=$w
	# The address back, its route worse than the current one's.
	if [ "$dev" = vmt-c ]; then
		ip -n "$VMT_CL" addr add "$CL_IP/24" dev vmt-c metric $((500 + k)) ||
			{ case_fail "ip addr add $CL_IP/24 dev vmt-c"; return 1; }
	else
		ip -n "$VMT_CL" addr add "$CL_IP2/25" dev vmt-d ||
			{ case_fail "ip addr add $CL_IP2/25 dev vmt-d"; return 1; }
		vmt_second_route $((500 + k)) || return 1
	fi
	back=$(date +%s.%N)
	sleep "$SETTLE"
	wait_for 5 flood_resumed "$back" ||
		{ case_fail "after move $k: no echo answered once $from was back"
		  return 1; }
	# still where the move put it: the address's return moved nothing
	gw_at "$to" ||
		{ case_fail "after move $k: $from back moved the IKE SA:" \
			"${GW_VIEW:-nothing}"; return 1; }
}

# bench CLIENT: connect, N moves under the ping, the losses, teardown.
bench() {
	local cl=$1 k want
	CASE=$cl
	# shellcheck disable=SC2034 # the FAIL lines name the client
	T_CASE=$VMT_NAME/$cl
	VMT_GW_RW_EXTRA="mobike = yes"
	"connect_$cl" || return 1
	connected_sas || return 1
	want=$SW_CHARON
	[ "$cl" = vpnd ] && want=$VPND
	pid_runs "$CPU_PID" "$want" ||
		{ case_fail "pid $CPU_PID is not the $cl client $want:" \
			"$(tr '\0' ' ' <"/proc/$CPU_PID/cmdline")"; return 1; }
	CPU_SRC[$cl]=$(cpu_source "$CPU_PID")
	start_flood "$(awk -v n="$N" -v w="$WINDOW" -v s="$SETTLE" \
		'BEGIN { printf "%d", n * (w + s + 3) + 20 }')"
	PING_LOG=$FLOOD_LOG
	sleep 2
	wait_for 5 flood_resumed "$FLOOD_T0" ||
		{ case_fail "no echo answered before the first move"; return 1; }
	for ((k = 1; k <= N; k++)); do
		move "$cl" "$k" || return 1
	done
	stop_flood
	for ((k = 1; k <= N; k++)); do
		R_LOST["$cl $k"]=$(flood_lost_around "${R_T0["$cl $k"]}" \
			"${R_SEQ["$cl $k"]}")
	done
	PING_LOG=
	if [ "$cl" = vpnd ]; then
		vpnd_stop
	fi
	vmt_teardown
}

# ---------------------------------------------------------------- report

# stats: "MIN MEDIAN MEAN MAX" of the numbers on stdin, one a line.
stats() {
	sort -g | awk '
		{ v[NR] = $1; sum += $1 }
		END {
			med = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%.3f %.3f %.3f %.3f\n", v[1], med, sum / NR, v[NR] }'
}

# column CLIENT ARRAY [SCALE]: that client's values of R_ARRAY, divided.
column() {
	local -n a=$2
	local k
	for ((k = 1; k <= N; k++)); do
		awk -v v="${a["$1 $k"]}" -v s="${3:-1}" 'BEGIN { print v / s }'
	done
}

report() {
	local cl k s l c
	declare -A SEC=() CPU=()
	echo
	echo "MOBIKE move, client address deleted -> first echo sent after it answered"
	echo "(real ESP in the test VM, qemu TCG; a ping every 100 ms from the virtual IP;"
	echo " $N moves per client alternating away/back; CPU: the client daemon's, from"
	echo " /proc/PID/task/*/schedstat over ${WINDOW} s from the deletion; lost: echoes"
	echo " never answered, from the last answer before the deletion to the first after)"
	for cl in "${CLIENTS[@]}"; do
		echo
		echo "$cl: per move"
		printf '  %4s %-5s %9s %5s %8s %8s\n' move dir resume_s lost cpu_ms window_s
		for ((k = 1; k <= N; k++)); do
			printf '  %4d %-5s %9s %5s %8.2f %8s\n' "$k" \
				"${R_DIR["$cl $k"]}" "${R_SECS["$cl $k"]}" \
				"${R_LOST["$cl $k"]}" \
				"$(awk -v v="${R_CPU["$cl $k"]}" 'BEGIN { print v / 1e6 }')" \
				"${R_WIN["$cl $k"]}"
		done
	done
	echo
	printf '%-7s %5s  %-31s  %-19s  %-27s\n' "" "" \
		"resume time (s)" "lost echoes/move" "CPU per move (ms, ${CPU_SRC[vpnd]:-?}/${CPU_SRC[charon]:-?})"
	printf '%-7s %5s  %7s %7s %7s %7s  %6s %6s %5s  %6s %6s %6s %6s\n' \
		client moves min median mean max min mean max min median mean max
	for cl in "${CLIENTS[@]}"; do
		read -r -a s <<<"$(column "$cl" R_SECS | stats)"
		read -r -a l <<<"$(column "$cl" R_LOST | stats)"
		read -r -a c <<<"$(column "$cl" R_CPU 1000000 | stats)"
		SEC[$cl]="${s[1]} ${s[2]}" CPU[$cl]="${c[1]} ${c[2]}"
		printf '%-7s %5d  %7.3f %7.3f %7.3f %7.3f  %6.0f %6.1f %5.0f  %6.2f %6.2f %6.2f %6.2f\n' \
			"$cl" "$N" "${s[@]}" "${l[0]}" "${l[2]}" "${l[3]}" "${c[@]}"
	done
	awk -v s1="${SEC[vpnd]}" -v s2="${SEC[charon]}" \
		-v c1="${CPU[vpnd]}" -v c2="${CPU[charon]}" '
		function r(a, b) { return b > 0 ? sprintf("%.2f", a / b) : "n/a" }
		BEGIN {
			split(s1, a); split(s2, b); split(c1, x); split(c2, y)
			printf "\nvpnd/charon: resume time median %s, mean %s;" \
				" CPU per move median %s, mean %s\n",
				r(a[1], b[1]), r(a[2], b[2]), r(x[1], y[1]), r(x[2], y[2])
		}'
}

main() {
	local cl t0
	t0=$(date +%s.%N)
	vmt_log "$N MOBIKE moves per client: ${CLIENTS[*]}"
	for cl in "${CLIENTS[@]}"; do
		bench "$cl" || exit 1
	done
	report
	echo
	echo "$VMT_NAME: $((2 * N)) moves measured ($(elapsed_since "$t0")s guest time)"
}

main
