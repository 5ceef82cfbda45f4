# shellcheck shell=bash
# vpnd and vpnctl for the shell suites (sourced after common.sh): vpnd in
# the client namespace NS_CL with its files in CL_DIR (profiles/, state/,
# vpnd.sock, vpnd.log), the vpnctl wrapper, waiting for a status, and the
# asserts on vpnctl's output. Needs VPND and VPNCTL (meson sets them).
#
# Settings (set before calling):
#   VPND_ARGS    vpnd options after the fixed ones (default: -d)
#   VPND_ENV     NAME=VALUE words for vpnd's environment
#   VPND_PRE     shell commands run just before vpnd (e.g. "ulimit -n 64")
#   VPNCTL_T     vpnctl -t SECONDS (stop waiting); unset: vpnctl's own
#   VPNCTL_WAIT  seconds until vpnctl is killed when VPNCTL_T is unset (90)
#   PROFILE      the profile status_has / status_all / wait_status ask for
# shellcheck disable=SC2153 # VPND, VPNCTL and PROFILE come from outside

VPND_PID=
VPND_SOCK=
VPNCTL_OUT=
VPNCTL_RC=
[ -n "${VPND_ARGS+set}" ] || VPND_ARGS=(-d)
[ -n "${VPND_ENV+set}" ] || VPND_ENV=()
VPND_PRE=${VPND_PRE:-}

# client_dir DIR: DIR, DIR/profiles and DIR/state, private to root.
client_dir() {
	mkdir -p "$1/profiles" "$1/state" &&
		chmod 700 "$1" "$1/profiles" "$1/state"
}

# vpnd_start: vpnd in NS_CL. `ip netns exec` runs it in a private mount
# namespace (a slave of the host's); a bind mount there keeps any DNS
# write of vpnd away from the host's /etc/resolv.conf. Each vpnd appends
# to one CL_DIR/vpnd.log, after a line that marks its start.
vpnd_start() {
	VPND_SOCK=$CL_DIR/vpnd.sock
	rm -f "$VPND_SOCK"
	[ -f "$CL_DIR/resolv.conf" ] ||
		cp /etc/resolv.conf "$CL_DIR/resolv.conf" 2>/dev/null ||
		: >"$CL_DIR/resolv.conf"
	echo "==== vpnd started $(date +%T.%N) ====" >>"$CL_DIR/vpnd.log"
	# shellcheck disable=SC2016 # $1/$@ belong to the inner sh
	ip netns exec "$NS_CL" sh -c '
		mount --bind "$1" /etc/resolv.conf 2>/dev/null
		shift
		'"${VPND_PRE:+$VPND_PRE || exit 125}"'
		exec "$@"' sh "$CL_DIR/resolv.conf" \
		env "${VPND_ENV[@]}" \
		"$VPND" -f -p "$CL_DIR/profiles" -s "$VPND_SOCK" \
		--state-dir "$CL_DIR/state" "${VPND_ARGS[@]}" \
		>>"$CL_DIR/vpnd.log" 2>&1 </dev/null &
	VPND_PID=$!
	track_pid "$VPND_PID"
	wait_for 10 test -S "$VPND_SOCK" ||
		{ fail "vpnd did not create its control socket $VPND_SOCK"; return 1; }
	log "vpnd pid $VPND_PID in $NS_CL"
}

vpnd_alive() { [ -n "$VPND_PID" ] && kill -0 "$VPND_PID" 2>/dev/null; }

assert_vpnd_alive() {
	vpnd_alive || { fail "vpnd (pid $VPND_PID) is no longer running"; return 1; }
	log "ok: vpnd (pid $VPND_PID) is still running"
}

# vpnd_stop: SIGTERM (vpnd deletes its SAs), SIGKILL after 5 s.
vpnd_stop() {
	stop_pid "$VPND_PID"
	VPND_PID=
}

# vpnd_kill: SIGKILL, the way vpnd crashes (its stored ticket stays).
vpnd_kill() {
	[ -n "$VPND_PID" ] || { fail "vpnd_kill: vpnd is not running"; return 1; }
	kill_pid "$VPND_PID" ||
		{ fail "vpnd (pid $VPND_PID) was already gone"; return 1; }
	log "vpnd (pid $VPND_PID) killed with SIGKILL"
	VPND_PID=
}

# ---------------------------------------------------------------- vpnctl

# vpnctl_run ARGS...: sets VPNCTL_OUT and VPNCTL_RC and shows the output.
vpnctl_run() {
	local wait=${VPNCTL_WAIT:-90} topt=()
	if [ -n "${VPNCTL_T:-}" ]; then
		topt=(-t "$VPNCTL_T")
		wait=$((VPNCTL_T + 20))
	fi
	VPNCTL_OUT=$(timeout "$wait" "$VPNCTL" -s "$VPND_SOCK" "${topt[@]}" "$@" 2>&1)
	VPNCTL_RC=$?
	log "vpnctl $* -> exit $VPNCTL_RC"
	[ -n "$VPNCTL_OUT" ] && printf '%s\n' "$VPNCTL_OUT" | sed 's/^/    | /'
	return 0
}

# vpnctl_watch NAME FILE: `vpnctl watch NAME` in the background into
# FILE (stopped by the cleanup, or by vpnctl_unwatch).
vpnctl_watch() {
	"$VPNCTL" -s "$VPND_SOCK" watch "$1" >"$2" 2>&1 &
	WATCH_PID=$!
	track_pid "$WATCH_PID"
}

vpnctl_unwatch() {
	[ -n "${WATCH_PID:-}" ] && stop_pid "$WATCH_PID"
	WATCH_PID=
}

# vpnctl_quiet ARGS...: the same without the log, for polling.
vpnctl_quiet() {
	VPNCTL_OUT=$(timeout 20 "$VPNCTL" -s "$VPND_SOCK" -t 10 "$@" 2>&1)
	VPNCTL_RC=$?
}

vpnctl_connect() { vpnctl_run connect "$1"; }
vpnctl_status() { vpnctl_run status "$1"; }
vpnctl_disconnect() { vpnctl_run disconnect "$1"; }

# vpnctl_check FILE: `vpnctl check` accepts the profile FILE.
vpnctl_check() {
	"$VPNCTL" check "$1" >"$CL_DIR/check.out" 2>&1 ||
		{ fail "vpnctl check $1: $(cat "$CL_DIR/check.out")"; return 1; }
}

# For show_context: the last vpnctl output.
vpnctl_context() {
	[ -n "$VPNCTL_OUT" ] || return 0
	echo "---- last vpnctl output (exit $VPNCTL_RC) ----"
	printf '%s\n' "$VPNCTL_OUT"
}

# ---------------------------------------------------------------- status

# status_has ERE: `vpnctl status $PROFILE` matches ERE (keeps VPNCTL_OUT).
status_has() {
	vpnctl_quiet status "$PROFILE"
	[ "$VPNCTL_RC" = 0 ] && grep -Eq -- "$1" <<<"$VPNCTL_OUT"
}

# status_all ERE...: `vpnctl status $PROFILE` matches every ERE.
status_all() {
	local r
	vpnctl_quiet status "$PROFILE"
	[ "$VPNCTL_RC" = 0 ] || return 1
	for r in "$@"; do
		grep -Eq -- "$r" <<<"$VPNCTL_OUT" || return 1
	done
}

# wait_status SECONDS WHAT ERE...: polls until the status matches every
# ERE; the failure names the first ERE it lacks.
wait_status() {
	local secs=$1 what=$2 r
	shift 2
	if ! wait_for "$secs" status_all "$@"; then
		for r in "$@"; do
			grep -Eq -- "$r" <<<"$VPNCTL_OUT" ||
				{ fail "$what: status lacks /$r/ after $secs s"; return 1; }
		done
		fail "$what: status did not match"
		return 1
	fi
	log "ok: $what"
	printf '%s\n' "$VPNCTL_OUT" | sed 's/^/    | /'
}

# ---------------------------------------------------------------- asserts

assert_rc() { # EXPECTED WHAT
	[ "$VPNCTL_RC" = "$1" ] ||
		{ fail "$2: expected exit $1, got $VPNCTL_RC"; return 1; }
}

assert_out() { # ERE WHAT
	grep -Eq -- "$1" <<<"$VPNCTL_OUT" ||
		{ fail "$2: no /$1/ in the vpnctl output"; return 1; }
	log "ok: $2: $(grep -E -- "$1" <<<"$VPNCTL_OUT" | head -n 1 | sed 's/^ *//')"
}

assert_no_out() { # ERE WHAT
	! grep -Eq -- "$1" <<<"$VPNCTL_OUT" ||
		{ fail "$2: unexpected /$1/ in the vpnctl output"; return 1; }
	log "ok: $2"
}
