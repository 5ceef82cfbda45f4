# What the daemon suite's cases share: messages, skip/fail in meson's
# terms (0 pass, 1 fail, 77 skip, a failure with CI=true), stopping the
# processes a case started (by PID) and removing its namespaces and temp
# dir on exit. A case sets CASE, then sources this file.
set -u
set -o pipefail

TMP=
PIDS=()
NETNS=()

log() { printf '[daemon-%s %s] %s\n' "$CASE" "$(date +%T)" "$*"; }

skip() {
	if [ "${CI:-}" = true ]; then
		echo "FAIL: [$CASE] cannot run in CI: $*"
		exit 1
	fi
	echo "SKIP: $*"
	exit 77
}

# The tails of the case's logs ($TMP/*.log) go with the failure.
fail() {
	local f
	echo "FAIL: [$CASE] $*"
	for f in "${TMP:-/nonexistent}"/*.log; do
		[ -f "$f" ] || continue
		echo "---- ${f##*/} (tail) ----"
		tail -n 15 "$f"
	done
	exit 1
}

stop_pid() {
	local pid=$1
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

cleanup() {
	local rc=$? i
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
		stop_pid "${PIDS[i]}"
	done
	for i in "${NETNS[@]}"; do
		ip netns del "$i" 2>/dev/null
	done
	[ -n "$TMP" ] && rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT

# require VAR...: each names an executable; root and namespaces too.
require() {
	local v
	for v in "$@"; do
		[ -x "${!v:-}" ] || skip "$v is not set to an executable"
	done
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
}

# netns_add NAME: a namespace removed on exit.
netns_add() {
	ip netns add "$1" 2>/dev/null || skip "'ip netns add $1' does not work here"
	NETNS+=("$1")
	ip -n "$1" link set lo up
}

# wait_socket PATH: vpnd created its control socket.
wait_socket() {
	for _ in $(seq 50); do
		[ -S "$1" ] && return 0
		sleep 0.1
	done
	fail "vpnd did not create $1"
}
