#!/bin/bash
# The inside of tests/systemd/journal.sh, run by it with
# `unshare -m --propagation private`: in this private mount namespace a
# systemd-journald of the test's own runs on tmpfs (its sockets below
# /run/systemd/journal, a volatile journal below /run/log, no kernel
# log, nothing forwarded) and the host's journal, /run and /etc are not
# touched. vpnd runs in network namespace NS, its stderr on the
# journal's stream (journal-exec): first with JOURNAL_STREAM set, a
# connect and a disconnect of profile jn, SIGTERM; then once more with
# JOURNAL_STREAM unset. The journal is exported to T/journal.json.
# Arguments: T (the case's temp dir) NS VPND VPNCTL JEXEC
set -euo pipefail
T=$1 NS=$2 VPND=$3 VPNCTL=$4 JEXEC=$5
PIDS=()
# shellcheck disable=SC2317 # run by the trap
stop_all() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || :
	done
}
trap stop_all EXIT

mount -t tmpfs tmpfs /run/systemd
mkdir -p /run/systemd/journal
mount -t tmpfs tmpfs /run/log
[ -d /var/log/journal ] && mount -t tmpfs tmpfs /var/log/journal
[ -d /etc/systemd/journald.conf.d ] &&
	mount -t tmpfs tmpfs /etc/systemd/journald.conf.d
printf '%s\n' '[Journal]' Storage=volatile ReadKMsg=no ForwardToSyslog=no \
	ForwardToKMsg=no ForwardToConsole=no ForwardToWall=no \
	RateLimitBurst=0 >"$T/journald.conf"
if [ -f /etc/systemd/journald.conf ]; then
	mount --bind "$T/journald.conf" /etc/systemd/journald.conf
fi

# Not in NS: `ip netns exec` mounts a sysfs of its own, without the
# cgroup file systems journald needs; its sockets are files anyway.
SYSTEMD_LOG_TARGET=console /lib/systemd/systemd-journald \
	>"$T/journald.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do
	[ -S /run/systemd/journal/stdout ] && [ -S /run/systemd/journal/socket ] && break
	sleep 0.1
done
[ -S /run/systemd/journal/stdout ] || { echo "journald did not start"; exit 1; }

# run_vpnd [--no-env]: vpnd on the journal's stream until its control
# socket answers; its pid in VPND_PID and T/vpnd.pids.
run_vpnd() {
	rm -f "$T/vpnd.sock"
	ip netns exec "$NS" "$JEXEC" "$@" "$VPND" -p "$T/profiles" \
		-s "$T/vpnd.sock" --state-dir "$T/state" --no-kernel </dev/null &
	VPND_PID=$!
	PIDS+=("$VPND_PID")
	echo "$VPND_PID" >>"$T/vpnd.pids"
	for _ in $(seq 100); do
		[ -S "$T/vpnd.sock" ] && "$VPNCTL" -s "$T/vpnd.sock" list \
			>/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "vpnd did not answer on its control socket"
	exit 1
}

stop_vpnd() {
	kill -TERM "$VPND_PID"
	wait "$VPND_PID" || { echo "vpnd exited $? after SIGTERM"; exit 1; }
}

run_vpnd
# 192.0.2.99 has no route in NS: the attempt fails; only its lines count.
"$VPNCTL" -s "$T/vpnd.sock" -t 1 connect jn >"$T/connect.out" 2>&1 || :
"$VPNCTL" -s "$T/vpnd.sock" -t 5 disconnect jn >>"$T/connect.out" 2>&1 || :
stop_vpnd
run_vpnd --no-env
stop_vpnd

journalctl --file '/run/log/journal/*/*.journal' -o json >"$T/journal.json"
echo "journal: $(wc -l <"$T/journal.json") entries"
