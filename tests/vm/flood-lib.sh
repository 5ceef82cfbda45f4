# shellcheck shell=bash
# shellcheck disable=SC2034 # FLOOD_T0 and PING_LOG are read by the tests
# The background ping of the VM tests that change SAs under traffic
# (vpnd-ike-rekey.sh, vpnd-reauth.sh, mobike-lib.sh and
# tests/bench/mobike-bench.sh; sourced after vpnd-lib.sh): one echo
# every 100 ms from the virtual IP to 198.51.100.1, its statistics, the
# ESP SA counters at its start, and with -D how long a change of the
# client's addresses stopped it.  Needs iputils ping (-i 0.1, -O).

# the background ping of the running case
FLOOD_PID=
FLOOD_LOG=
FLOOD_T0=
# set by flood_finish: echoes sent and answered
FLOOD_TX=
FLOOD_RX=
# more options for the ping (e.g. -D for flood_resumed_after)
FLOOD_OPTS=()

# flood_preflight: exits 1 without iputils ping.
flood_preflight() {
	"${PING[@]}" -V 2>/dev/null | grep -q iputils ||
		{ echo "FAIL: [$VMT_NAME] needs iputils ping (-i 0.1, -O)"; exit 1; }
}

# stop_flood: ends a ping that is still running (a case that failed) and
# shows how far it got; SIGINT makes ping print its statistics.
stop_flood() {
	[ -n "$FLOOD_PID" ] || return 0
	kill -INT "$FLOOD_PID" 2>/dev/null || true
	wait "$FLOOD_PID" 2>/dev/null || true
	FLOOD_PID=
	vmt_log "  ping stopped early: $(grep -E 'packets transmitted' "$FLOOD_LOG")"
}

# start_flood SECONDS: a ping every 100 ms from the virtual IP for
# SECONDS, in the background; the ESP SA counters of both sides go to
# CL_DIR/sa-before and GW_DIR/sa-before first.  A count, not a signal,
# ends it, so that no echo is in flight when the statistics are made.
start_flood() {
	local count=$(($1 * 10))
	FLOOD_LOG=$CL_DIR/flood.log
	vmt_sa_packets "$VMT_CL" >"$CL_DIR/sa-before"
	vmt_sa_packets "$VMT_GW" >"$GW_DIR/sa-before"
	ip netns exec "$VMT_CL" "${PING[@]}" -O -i 0.1 -c "$count" -W 5 \
		"${FLOOD_OPTS[@]}" -I "$VIP" 198.51.100.1 >"$FLOOD_LOG" 2>&1 &
	FLOOD_PID=$!
	FLOOD_T0=$(date +%s.%N)
	vmt_log "  ping -i 0.1 -c $count from $VIP to 198.51.100.1 started (${1}s)"
}

flood_running() { kill -0 "$FLOOD_PID" 2>/dev/null; }
flood_done() { ! flood_running; }

# flood_last_seq: the highest icmp_seq the ping has printed so far, as an
# answer or as "no answer yet".  With -O ping prints one of them for an
# echo at the latest when it sends the next, so every echo sent before
# this is called has a sequence number of at most this plus one.
flood_last_seq() {
	sed -n 's/.*icmp_seq=\([0-9]*\).*/\1/p' "$FLOOD_LOG" |
		sort -n | tail -n1 | grep . || echo 0
}

# flood_resumed_after T0 (date +%s.%N): "SECONDS SEQ" for the first
# echo sent at or after T0 that was answered: its answer came SECONDS
# after T0.  Its send time is the answer's timestamp less its round
# trip, so an echo sent before T0 and answered after it does not count.
# Needs FLOOD_OPTS=(-D) (a timestamp on every line); fails when no such
# echo has been answered yet.
flood_resumed_after() {
	awk -v t0="$1" '
		/^\[[0-9.]*\] .*bytes from .*icmp_seq=.*time=/ {
			ts = substr($1, 2, length($1) - 2) + 0
			s = $0; sub(/.*icmp_seq=/, "", s); sub(/[^0-9].*/, "", s)
			r = $0; sub(/.*time=/, "", r); sub(/[^0-9.].*/, "", r)
			if (ts - r / 1000 >= t0) {
				printf "%.3f %d\n", ts - t0, s
				found = 1
				exit
			}
		}
		END { exit !found }' "$FLOOD_LOG"
}

# flood_resumed T0: flood_resumed_after T0 into RESUMED, for wait_for.
RESUMED=
flood_resumed() { RESUMED=$(flood_resumed_after "$1"); }

# flood_addr_del WHAT NS ADDR/LEN DEV: deletes the address under the running
# ping and waits up to 10 s for an echo sent after the change to be
# answered.  The change is when `ip addr del` has returned: the address
# is gone then, so an echo sent after it cannot have used the old path
# (one sent while ip starts can, and be answered there).  Sets DEL_T0
# (before ip started), DEL_T1 (the change), and from flood_resumed_after
# DEL_SECS and DEL_SEQ: the answer came DEL_SECS after DEL_T1.
DEL_T0='' DEL_T1='' DEL_SECS='' DEL_SEQ=''
flood_addr_del() {
	local what=$1 ns=$2 addr=$3 dev=$4
	DEL_T0='' DEL_T1='' DEL_SECS='' DEL_SEQ=''
	flood_running ||
		{ case_fail "$what: the ping ended before it; its window is too" \
			"short for this run"; return 1; }
	DEL_T0=$(date +%s.%N)
	ip -n "$ns" addr del "$addr" dev "$dev" ||
		{ case_fail "$what: ip addr del $addr dev $dev"; return 1; }
	DEL_T1=$(date +%s.%N)
	vmt_log "  $what: deleted $addr from $dev (ip took" \
		"$(awk -v a="$DEL_T0" -v b="$DEL_T1" 'BEGIN { printf "%.3f", b - a }') s)"
	if ! wait_for 10 flood_resumed "$DEL_T1"; then
		case_fail "$what: no echo sent after the deletion of $addr was" \
			"answered within 10 s"
		return 1
	fi
	read -r DEL_SECS DEL_SEQ <<<"$RESUMED"
}

# flood_lost_around T0 SEQ: how many echoes after the last one answered
# before T0, and before icmp_seq SEQ, have no answer (in the log so
# far): what a change at T0 cost until SEQ (flood_resumed_after) came
# through.  Needs FLOOD_OPTS=(-D).
flood_lost_around() {
	awk -v t0="$1" -v seq="$2" '
		/^\[[0-9.]*\] .*bytes from .*icmp_seq=/ {
			ts = substr($1, 2, length($1) - 2) + 0
			s = $0; sub(/.*icmp_seq=/, "", s); sub(/[^0-9].*/, "", s)
			got[s + 0] = 1
			if (ts < t0 && s + 0 > last)
				last = s + 0
		}
		END {
			for (i = last + 1; i < seq; i++)
				if (!got[i])
					n++
			print n + 0
		}' "$FLOOD_LOG"
}

# flood_unanswered: the sequence numbers of the echoes without an answer.
flood_unanswered() {
	awk -v n="$FLOOD_TX" '
		/bytes from .*icmp_seq=/ {
			s = $0; sub(/.*icmp_seq=/, "", s); sub(/[^0-9].*/, "", s)
			got[s + 0] = 1 }
		END { for (i = 1; i <= n; i++) if (!got[i]) { printf "%s%d", sep, i; sep = " " } }
	' "$FLOOD_LOG"
}

# flood_finish SECONDS MAX_LOST WHAT: waits up to SECONDS for the ping to
# end; its statistics must show at most MAX_LOST echoes unanswered
# (WHAT: across what, for the FAIL line).  Sets FLOOD_TX and FLOOD_RX.
flood_finish() {
	local max=$2 rc stats late lost
	FLOOD_TX='' FLOOD_RX=''
	if ! wait_for "$1" flood_done; then
		stop_flood
		case_fail "the ping did not end within ${1}s of its planned end"
		return 1
	fi
	wait "$FLOOD_PID"
	rc=$?
	FLOOD_PID=
	stats=$(grep -E 'packets transmitted' "$FLOOD_LOG")
	late=$(grep -c 'no answer yet' "$FLOOD_LOG")
	vmt_log "  ping statistics: $stats (exit $rc; $late echoes answered" \
		"after the next was sent)"
	grep -E '^rtt ' "$FLOOD_LOG" | sed 's/^/  /'
	FLOOD_TX=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' <<<"$stats")
	FLOOD_RX=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' <<<"$stats")
	# ping exits 1 when no echo was answered (the count below fails
	# that), 2 on an error.
	if [ -z "$FLOOD_TX" ] || [ -z "$FLOOD_RX" ] || [ "$rc" -gt 1 ]; then
		PING_LOG=$FLOOD_LOG
		case_fail "the ping failed (exit $rc): ${stats:-no statistics}"
		return 1
	fi
	lost=$((FLOOD_TX - FLOOD_RX))
	vmt_log "  pings: $FLOOD_TX sent, $FLOOD_RX answered, $lost lost" \
		"(at most $max allowed)"
	[ "$lost" = 0 ] ||
		vmt_log "  unanswered: icmp_seq $(flood_unanswered) (one every 0.1 s" \
			"from the start)"
	if [ "$lost" -gt "$max" ]; then
		PING_LOG=$FLOOD_LOG
		case_fail "$lost pings lost $3 (at most $max allowed): $stats"
		return 1
	fi
}

# flood_counted N WHAT: each ESP SA on both sides counted at least N
# packets more than at start_flood (WHAT: what N counts, for the FAIL
# line).
flood_counted() {
	vmt_sa_packets "$VMT_CL" >"$CL_DIR/sa-after"
	vmt_sa_packets "$VMT_GW" >"$GW_DIR/sa-after"
	if ! vmt_check_counters "$VMT_CL" "$CL_DIR/sa-before" "$CL_DIR/sa-after" "$1" ||
			! vmt_check_counters "$VMT_GW" "$GW_DIR/sa-before" "$GW_DIR/sa-after" "$1"; then
		case_fail "the ESP SAs did not count the $1 $2"
		return 1
	fi
}
