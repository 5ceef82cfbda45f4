# shellcheck shell=bash
# vpnd against private libreswan 4.10 gateways: the harness shared by the
# redirect-libreswan-* cases, one case per script. The network and the
# gateways are the test bed of lib-bed.sh (gw1 192.0.2.1, client
# 192.0.2.2 running vpnd, gw2 192.0.2.3); tests/lib/ has the rest.
#
# Every case gets its own namespaces (suffixed with the PID), temp dir and
# processes; the EXIT trap stops the plutos and vpnd it started, deletes
# the namespaces and the temp dir (RD_KEEP=1 keeps the temp dir).
#
# Exit codes follow meson: 0 pass, 1 fail, 77 skip (a failure if CI=true).
# Run by hand as root:
#   VPND=build/src/daemon/vpnd VPNCTL=build/src/vpnctl/vpnctl bash tests/redirect/init.sh

# shellcheck disable=SC2034 # read by tests/lib/common.sh
T_SUITE=redirect T_KEEP_VAR=RD_KEEP
RD_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/common.sh
. "$RD_HERE/../lib/common.sh"
# shellcheck source=../lib/netns.sh
. "$RD_HERE/../lib/netns.sh"
# shellcheck source=../lib/vpnd.sh
. "$RD_HERE/../lib/vpnd.sh"
# shellcheck source=../lib/esp.sh
. "$RD_HERE/../lib/esp.sh"
# shellcheck source=lib-bed.sh
. "$RD_HERE/lib-bed.sh"

T_LOG_TAG=redirect-libreswan-$T_CASE
CL_DIR=
# vpnctl stops waiting after RD_CONNECT_TIMEOUT seconds (exit 5).
VPNCTL_T=${RD_CONNECT_TIMEOUT:-60}

show_context() {
	pluto_context gw1 gw2
	tail_file "$CL_DIR/vpnd.log" 60 "vpnd.log (tail)"
	vpnctl_context
	echo "----"
}

# No private notify in vpnd's requests (tests/lib/libreswan.sh).
assert_no_private_notify() { ls_assert_no_private_notify "$GW_BASE"/gw*; }

pass_checks() { assert_no_private_notify; }

# ---------------------------------------------------------------- set-up

require_env() {
	require_exe VPND VPNCTL
	require_tools timeout
	require_bed
}

# The cleanup trap comes before anything is created, so that a
# half-built setup is still torn down.
setup_net() {
	t_begin
	require_env
	GW_BASE=$T_TMP
	CL_DIR=$T_TMP/cl
	client_dir "$CL_DIR"
	setup_bed
}

# ---------------------------------------------------------------- gateways

# gw_established NAME: the gateway has an established IKE SA with the client.
gw_established() {
	local out
	out=$(ls_established "$GW_BASE/$1") || return 1
	grep -q "peer=$CL_IP:" <<<"$out"
}

# gw_states NAME: every state pluto has (IKE and Child, half-open too).
gw_states() { ls_states "$GW_BASE/$1"; }

# Fails closed: a pluto that does not answer has not "no SA".
gw_no_state() { ls_no_state "$GW_BASE/$1"; }

assert_gw_established() { # NAME
	wait_for 10 gw_established "$1" ||
		fail "$1 has no established IKE SA with the client: $(gw_states "$1")"
	log "ok: $1 has an established IKE SA: $(ls_established "$GW_BASE/$1")"
}

assert_gw_no_state() { # NAME [SECONDS]
	wait_for "${2:-10}" gw_no_state "$1" ||
		fail "$1 still has states: $(gw_states "$1")"
	log "ok: $1 has no IKE or Child SA (no state at all)"
}

assert_gw_saw_redirected_from() { # NAME
	ls_saw_redirected_from "$GW_BASE/$1" ||
		fail "$1 did not receive REDIRECTED_FROM"
	log "ok: $1 received REDIRECTED_FROM"
}

# gw_log_line NAME ERE: number of the first line of pluto.log matching ERE.
gw_log_line() {
	grep -nE -- "$2" "$GW_BASE/$1/pluto.log" 2>/dev/null | head -n 1 | cut -d: -f1
}

# ---------------------------------------------------------------- vpnd

# client_profile NAME [REDIRECT SECTION LINES...]: PSK, gateway gw1, the
# proposal the gateways have, no virtual IP (libreswan here has no pool);
# CL_TIMERS ("key: value, ...") becomes the timers section.
# RD_REDIRECT_LINES (lines separated by ";"), if set, replaces the case's
# redirect section: it exists to check that a case can fail, e.g.
#   RD_REDIRECT_LINES="enabled: false" RD_CONNECT_TIMEOUT=15 bash init.sh
client_profile() {
	local name=$1 f=$CL_DIR/profiles/$1.yaml line lines
	shift
	if [ -n "${RD_REDIRECT_LINES+set}" ]; then
		IFS=';' read -ra lines <<<"$RD_REDIRECT_LINES"
		set -- "${lines[@]}"
		log "redirect section replaced by RD_REDIRECT_LINES: $RD_REDIRECT_LINES"
	fi
	(umask 077; {
		echo "# written by tests/redirect ($T_CASE)"
		echo "connection: {name: $name, gateway: $GW1_IP}"
		echo "local: {id: \"fqdn:$CL_ID\", auth: psk, psk: \"$TEST_PSK\"}"
		echo "remote: {id: \"fqdn:$GW_ID\", auth: psk}"
		echo "ike: {proposals: [aes256gcm16-prfsha384-ecp384]}"
		echo "esp: {proposals: [aes256gcm16]}"
		echo "traffic-selectors: {local: [\"$CL_IP/32\"], remote: [\"$GW_NET\"]}"
		echo "ipv4: {method: disabled}"
		echo "resumption: {enabled: true}"
		[ -z "${CL_TIMERS:-}" ] || echo "timers: {$CL_TIMERS}"
		if (($#)); then
			echo "redirect:"
			for line in "$@"; do
				echo "  ${line# }"
			done
		fi
	} >"$f")
	chmod 600 "$f"
	vpnctl_check "$f"
}
