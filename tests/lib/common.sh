# shellcheck shell=bash
# What every shell suite shares (sourced, not executed): messages, skip /
# fail / pass in meson's terms, the processes, namespaces and temp dir a
# case owns and their removal on exit, and polling.
#
# The helpers also work under set -e (the vm suite's self-test uses it).
#
# Exit codes follow meson: 0 pass, 1 fail, 77 skip. A skip is a failure
# with CI=true: a CI job that silently skips everything proves nothing.
#
# A suite's lib sets T_SUITE (and may set T_CASE, T_LOG_TAG, T_KEEP_VAR,
# T_TIME_FMT, T_FAIL_EXIT) before sourcing this file, and may define
# these hooks:
#   show_context   prints the logs that explain a failure (after FAIL:)
#   pass_checks    runs last checks before PASS (may fail)
#   cleanup_hook   stops what the suite tracks itself (run on exit, after
#                  the tracked PIDs are stopped, before the namespaces go)

set -u
set -o pipefail

T_SUITE=${T_SUITE:?set T_SUITE before sourcing tests/lib/common.sh}
T_CASE=${T_CASE:-$(basename "${0%.sh}")}
# In the brackets of every log line (default: T_CASE).
T_LOG_TAG=${T_LOG_TAG:-}
# date(1) format of the time in log lines.
T_TIME_FMT=${T_TIME_FMT:-%T}
# The environment variable that, set to 1, keeps the temp dir.
T_KEEP_VAR=${T_KEEP_VAR:-VPND_TEST_KEEP}
# 1: fail exits the script. 0: fail reports and returns 1, for harnesses
# that run several cases in one script (the vm suite).
T_FAIL_EXIT=${T_FAIL_EXIT:-1}
# Suffix of every namespace, interface and probe of this run.
# shellcheck disable=SC2034 # used by the suites' libs
T_ID=$$
T_TMP=
T_PIDS=()
T_NETNS=()
T_RESOLV_SUM=

# ---------------------------------------------------------------- messages

log() { printf '[%s %s] %s\n' "${T_LOG_TAG:-$T_CASE}" "$(date +"$T_TIME_FMT")" "$*"; }

skip() {
	if [ "${CI:-}" = true ]; then
		echo "FAIL: [$T_CASE] cannot run in CI: $*"
		exit 1
	fi
	echo "SKIP: $*"
	exit 77
}

fail() {
	echo "FAIL: [$T_CASE] $*"
	if declare -F show_context >/dev/null; then
		show_context
	fi
	[ "$T_FAIL_EXIT" = 0 ] && return 1
	exit 1
}

pass() {
	if declare -F pass_checks >/dev/null; then
		pass_checks
	fi
	log "PASS"
	exit 0
}

# tail_file FILE LINES [TITLE]: a titled tail for show_context; paths
# below the temp dir are shown relative to it.
tail_file() {
	local f=$1 n=$2 title=${3:-}
	[ -f "$f" ] || return 0
	[ -n "$T_TMP" ] && f=${f#"$T_TMP"/}
	echo "---- ${title:-$f (tail)} ----"
	tail -n "$n" "$1"
}

# ---------------------------------------------------------------- requirements

require_root() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
}

# require_exe VAR...: each variable names an executable (meson sets them).
require_exe() {
	local v
	for v in "$@"; do
		if [ -z "${!v:-}" ] || ! [ -x "${!v}" ]; then
			skip "$v not set or not executable (run through meson test)"
		fi
	done
}

# require_tools TOOL...: each is on PATH.
require_tools() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null || skip "$t missing"
	done
}

# ---------------------------------------------------------------- processes

# track_pid PID: stopped on exit (in reverse order of tracking).
track_pid() { T_PIDS+=("$1"); }

# untrack_pid PID: that process is gone (reaped); its number may be
# reused by someone else's process, so it must never be signalled again.
untrack_pid() {
	local p keep=()
	for p in "${T_PIDS[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	T_PIDS=("${keep[@]}")
}

# stop_pid PID [SIGNAL]: SIGNAL (TERM), up to 5 s, then SIGKILL; reaps it.
stop_pid() {
	local pid=$1 sig=${2:-TERM} i
	[ -n "$pid" ] || return 0
	if kill -"$sig" "$pid" 2>/dev/null; then
		for ((i = 0; i < 50; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || :
	fi
	wait "$pid" 2>/dev/null || :
	untrack_pid "$pid"
	return 0
}

# kill_pid PID: SIGKILL at once, the way a process crashes. Status 1 if
# it was already gone.
kill_pid() {
	local pid=$1 rc=0
	kill -KILL "$pid" 2>/dev/null || rc=1
	wait "$pid" 2>/dev/null || :
	untrack_pid "$pid"
	return "$rc"
}

# pid_runs PID PROGRAM: PID's argv[0] is PROGRAM (the path it was
# started by): the build under test, not just a process named like it
# (comm), and readable where /proc/PID/exe is not (vpnd is
# non-dumpable).
pid_runs() {
	[ "$(tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null | head -n1)" = "$2" ]
}

# cpu_source PID: where cpu_ns reads PID's CPU time: "schedstat" (the
# sum of the first field of /proc/PID/task/*/schedstat, ns, user+sys,
# all threads) or, without schedstat, "stat" (utime+stime of
# /proc/PID/stat, whole clock ticks: coarse).
cpu_source() {
	if read -r _ _ <"/proc/$1/schedstat" 2>/dev/null; then
		echo schedstat
	else
		echo stat
	fi
}

# cpu_ns PID [SOURCE]: the CPU time PID has used so far, in ns (SOURCE
# as cpu_source prints it; found out each time without it).
cpu_ns() {
	local pid=$1 src=${2:-} f sum=0 v tick
	[ -n "$src" ] || src=$(cpu_source "$pid")
	if [ "$src" = schedstat ]; then
		for f in /proc/"$pid"/task/*/schedstat; do
			read -r v _ <"$f" 2>/dev/null || continue
			sum=$((sum + v))
		done
		echo "$sum"
		return
	fi
	tick=$(getconf CLK_TCK)
	# fields 14 and 15 (utime, stime); comm (field 2) has no spaces here
	read -ra f <"/proc/$pid/stat"
	echo $(((f[13] + f[14]) * 1000000000 / tick))
}

# ---------------------------------------------------------------- set-up and cleanup

# shellcheck disable=SC2002 # a missing file must sum too
resolv_sum() { cat /etc/resolv.conf 2>/dev/null | md5sum; }

# On exit: stop the tracked PIDs, run cleanup_hook, delete the tracked
# namespaces, check that the host's resolv.conf is unchanged, remove the
# temp dir (unless $T_KEEP_VAR=1). Keeps the exit status.
t_cleanup() {
	local rc=$? i ns pids=("${T_PIDS[@]}")
	trap - EXIT INT TERM HUP
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		stop_pid "${pids[i]}"
	done
	if declare -F cleanup_hook >/dev/null; then
		cleanup_hook
	fi
	for ns in "${T_NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null || :
	done
	if [ -n "$T_RESOLV_SUM" ] && [ "$(resolv_sum)" != "$T_RESOLV_SUM" ]; then
		echo "FAIL: [$T_CASE] /etc/resolv.conf of the host was changed during the test"
		rc=1
	fi
	if [ -n "$T_TMP" ]; then
		if [ "${!T_KEEP_VAR:-0}" = 1 ]; then
			echo "kept $T_TMP"
		else
			rm -rf "$T_TMP"
		fi
	fi
	exit "$rc"
}

# t_begin: the cleanup trap first (so that a half-built set-up is still
# torn down), the resolv.conf checksum, then a private temp dir T_TMP.
t_begin() {
	trap t_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM HUP
	T_RESOLV_SUM=$(resolv_sum)
	T_TMP=$(mktemp -d "/tmp/vpnd-$T_SUITE-${T_CASE//\//-}.XXXXXX") ||
		fail "mktemp"
	chmod 700 "$T_TMP"
}

# ---------------------------------------------------------------- polling

# wait_for SECONDS COMMAND...: runs COMMAND every 0.1 s until it succeeds
# (status 0) or SECONDS of wall time have passed (status 1); at least once.
wait_for() {
	local end=$((${EPOCHREALTIME//[!0-9]/} + $1 * 1000000))
	shift
	while :; do
		"$@" && return 0
		((${EPOCHREALTIME//[!0-9]/} >= end)) && return 1
		sleep 0.1
	done
}

# ---------------------------------------------------------------- asserts

assert_match() { # TEXT ERE WHAT
	grep -Eq -- "$2" <<<"$1" || fail "$3: no match for /$2/"
}

assert_no_match() { # TEXT ERE WHAT
	! grep -Eq -- "$2" <<<"$1" || fail "$3: unexpected match for /$2/"
}

assert_file_match() { # FILE ERE WHAT
	grep -Eq -- "$2" "$1" 2>/dev/null ||
		fail "$3: /$2/ not found in ${1#"$T_TMP"/}"
}

# re IPV4: the address with its dots escaped, for an ERE.
re() { printf '%s' "${1//./\\.}"; }
