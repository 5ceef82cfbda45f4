#!/bin/bash
# resume-bench: what RFC 5723 resumption saves the client. N full
# handshakes and N resumes against one vpnd-testgw, in one run, with the
# namespaces and helpers of the resume suite (tests/resume/lib.sh); needs
# root. It prints a table; there are no assertions on the timings (only on
# each connect really being the kind it is counted as).
#
#   VPND=... VPNCTL=... TESTGW=... TICKET_TOOL=... \
#       bash tests/bench/resume-bench.sh [N]        (N: default 20)
#
# Method. Both modes run in the same vpnd process, with the same profile
# (resumption on, so both ask for and store a ticket: only the handshake
# differs), and measure only the `vpnctl connect` call, which returns once
# the IKE SA is up (the Child SA is negotiated but not installed here):
#   wall  the time around `vpnctl connect` (includes vpnctl's own start);
#   CPU   vpnd's CPU time over the same window: the sum of the first field
#         of /proc/PID/task/*/schedstat (ns, user+sys), or, without
#         schedstat, utime+stime of /proc/PID/stat (clock ticks, coarse).
#         vpnd's start-up and the disconnects fall outside the window.
#   DH, sig  what `vpnctl status` reports for the SA: the DH and signature
#         operations vpnd's crypto library counted during its handshake.
# full:   connect; status; disconnect (which deletes the stored ticket, so
#         the next connect is a full handshake again).
# resume: one full connect first (untimed) for a ticket; then each round
#         copies the fresh, unused ticket the gateway just issued (ticket-
#         tool save), disconnects (which deletes the stored one), puts the
#         copy back (ticket-tool restore) and connects, which resumes with
#         it. Every ticket is used once, so the gateway's replay check
#         passes; a connect that is not a resume aborts the benchmark.
#         A resume chain is cut after 13 resumes by an untimed full
#         connect: the GSC would otherwise reach 15, where vpnd renews
#         the IKE SA with a full handshake (failover draft 4.2.2).
# Liveness checks are every 60 s here, so none falls into a window.
# shellcheck disable=SC2034 # read by lib.sh
RS_CASE=bench
# shellcheck source=tests/resume/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../resume/lib.sh"

N=${1:-${BENCH_N:-20}}
[[ "$N" =~ ^[1-9][0-9]{0,3}$ ]] || { echo "usage: $0 [N (1..9999)]" >&2; exit 2; }

CPU_SRC=
# vpnd_cpu_ns: CPU time vpnd has used so far, in ns (tests/lib/common.sh).
vpnd_cpu_ns() { cpu_ns "$VPND_PID" "$CPU_SRC"; }

now_ns() { date +%s%N; }

# ops_of_status: "X Y" from "(...; X DH and Y signature operations)".
ops_of_status() {
	sed -nE 's/.*gateway switch count: [0-9]+ \([^;]*; ([0-9]+) DH and ([0-9]+) signature operations\).*/\1 \2/p' \
		<<<"$VPNCTL_OUT" | head -n 1
}

# timed_connect KIND: one measured connect; appends to the KIND totals.
declare -A T_WALL=() T_CPU=() T_DH=() T_SIG=() T_N=()
timed_connect() {
	local kind=$1 w0 w1 c0 c1 ops
	c0=$(vpnd_cpu_ns)
	w0=$(now_ns)
	VPNCTL_OUT=$(timeout 40 "$VPNCTL" -s "$VPND_SOCK" -t 20 connect "$PROFILE" 2>&1)
	VPNCTL_RC=$?
	w1=$(now_ns)
	c1=$(vpnd_cpu_ns)
	assert_connect_rc "$kind connect"
	case $kind in
	full)
		grep -q 'IKE SA established with' <<<"$VPNCTL_OUT" ||
			fail "a full connect did not report 'IKE SA established'"
		grep -q 'resumed with ticket' <<<"$VPNCTL_OUT" &&
			fail "a connect counted as full resumed" ;;
	resume)
		grep -q 'resumed with ticket at' <<<"$VPNCTL_OUT" ||
			fail "a connect counted as a resume did not resume" ;;
	esac
	vpnctl_quiet status "$PROFILE"
	ops=$(ops_of_status)
	[ -n "$ops" ] || fail "no DH/signature counts in the status"
	T_WALL[$kind]=$((${T_WALL[$kind]:-0} + w1 - w0))
	T_CPU[$kind]=$((${T_CPU[$kind]:-0} + c1 - c0))
	T_DH[$kind]=$((${T_DH[$kind]:-0} + ${ops% *}))
	T_SIG[$kind]=$((${T_SIG[$kind]:-0} + ${ops#* }))
	T_N[$kind]=$((${T_N[$kind]:-0} + 1))
}

# disconnect_clean: disconnect and wait until the SA and ticket are gone.
disconnect_clean() {
	vpnctl_quiet disconnect "$PROFILE"
	[ "$VPNCTL_RC" = 0 ] || fail "disconnect: $VPNCTL_OUT"
	wait_for 10 status_has '^rs: (idle|failed)' ||
		fail "still not idle after disconnect: $VPNCTL_OUT"
	wait_for 5 test ! -e "$(ticket_file)" ||
		fail "the ticket is still stored after disconnect"
}

# mean NS_TOTAL N: milliseconds with two decimals.
mean_ms() { awk -v t="$1" -v n="$2" 'BEGIN { printf "%.2f", t / n / 1e6 }'; }
mean() { awk -v t="$1" -v n="$2" 'BEGIN { printf "%.1f", t / n }'; }

setup_net
RS_DPD_INTERVAL=60 client_profile rfc5723
gw_start gw1 --mode rfc5723
vpnd_start
pid_runs "$VPND_PID" "$VPND" ||
	fail "pid $VPND_PID is not $VPND: $(tr '\0' ' ' <"/proc/$VPND_PID/cmdline")"
CPU_SRC=$(cpu_source "$VPND_PID")
# 0, or 4 (established, no tunnel) where this kernel has no ESP
CONNECT_RC=$(connect_rc_for "$NS_CL")

log "full handshakes: $N"
for ((i = 0; i < N; i++)); do
	timed_connect full
	disconnect_clean
done

log "resumes: $N"
vpnctl_quiet connect "$PROFILE"
[ "$VPNCTL_RC" = "$CONNECT_RC" ] || fail "the untimed first connect: $VPNCTL_OUT"
copy=$T_TMP/bench.ticket
# Each resume counts one up the ticket's GSC (the gateway seals it into
# the next ticket); at 15 vpnd would re-establish with a full handshake
# and the gateway refuses to go further, so a chain stops at 13 and an
# untimed full connect starts a new one.
TICKET_GSC_LIMIT=13
FRESH=0
for ((i = 0; i < N; i++)); do
	wait_for 5 test -f "$(ticket_file)" || fail "no ticket stored to resume with"
	if (($(ticket_field gsc) >= TICKET_GSC_LIMIT)); then
		# a new chain: see "Method" above
		disconnect_clean
		vpnctl_quiet connect "$PROFILE"
		[ "$VPNCTL_RC" = "$CONNECT_RC" ] || fail "untimed full connect: $VPNCTL_OUT"
		FRESH=$((FRESH + 1))
		wait_for 5 test -f "$(ticket_file)" || fail "no ticket after the full connect"
	fi
	ticket_tool save "$copy" || fail "ticket-tool save"
	disconnect_clean
	ticket_tool restore "$copy" || fail "ticket-tool restore"
	timed_connect resume
done
disconnect_clean

resumed=$(gw_count gw1 0 '^event=resume_ok')
refused=$(gw_count gw1 0 '^event=resume_refused')
inits=$(gw_count gw1 0 '^event=ike_sa_init')
echo
echo "vpnd client cost per connect, n=$N each, one vpnd (pid $VPND_PID), one vpnd-testgw;"
echo "CPU from /proc/PID/$([ "$CPU_SRC" = schedstat ] && echo 'task/*/schedstat (ns)' || echo 'stat utime+stime (clock ticks)');"
echo "gateway saw $inits IKE_SA_INIT (of them $((FRESH + 1)) untimed, for new tickets), $resumed resume_ok, $refused resume_refused"
printf '%-8s %5s %14s %20s %8s %8s\n' mode n "mean wall ms" "mean client CPU ms" "DH ops" "sig ops"
for kind in full resume; do
	printf '%-8s %5s %14s %20s %8s %8s\n' "$kind" "${T_N[$kind]}" \
		"$(mean_ms "${T_WALL[$kind]}" "${T_N[$kind]}")" \
		"$(mean_ms "${T_CPU[$kind]}" "${T_N[$kind]}")" \
		"$(mean "${T_DH[$kind]}" "${T_N[$kind]}")" \
		"$(mean "${T_SIG[$kind]}" "${T_N[$kind]}")"
done
exit 0
