#!/bin/bash
# RFC 5685 redirect of an established IKE SA: vpnd is up on gw1, then
# `whack --name rw --redirect-to gw2` makes gw1 send REDIRECT in an
# INFORMATIONAL request. vpnd must move to gw2 make-before-break: gw2's
# IKE SA is established before the old one on gw1 is deleted.
. "$(dirname "$0")/lib-vpnd.sh"

setup_net
gw1_up "" ""
gw2_up "" ""
client_profile gw
vpnd_start

vpnctl_run connect gw
assert_connect_rc "vpnctl connect gw (to gw1)"
assert_no_out "redirected" "no redirect while connecting to gw1"
assert_gw_established gw1
gw_no_state gw2 || fail "gw2 has states before the redirect: $(gw_states gw2)"

ls_whack "$(gw_dir gw1)" --name rw --redirect-to "$GW2_IP" >"$T_TMP/whack-redirect.out" 2>&1 ||
	fail "whack --redirect-to: $(cat "$T_TMP/whack-redirect.out")"
log "whack --name rw --redirect-to $GW2_IP: $(tr '\n' ' ' <"$T_TMP/whack-redirect.out")"
grep -q 'redirections sent for 1 tunnels' "$T_TMP/whack-redirect.out" ||
	fail "gw1 did not redirect exactly one tunnel"

# shellcheck disable=SC2317 # called through wait_for
moved() {
	vpnctl_quiet status gw
	grep -q "gateway: $(re "$GW2_IP")\[" <<<"$VPNCTL_OUT"
}
wait_for 30 moved || fail "vpnd did not move to $GW2_IP within 30 s"
assert_gw_established gw2
assert_gw_saw_redirected_from gw2
assert_gw_no_state gw1
ls_log_grep "$(gw_dir gw1)" "redirecting to: $(re "$GW2_IP")" ||
	fail "gw1 did not log sending the REDIRECT"

# Make-before-break, in wall-clock order across both plutos' logs (same
# host clock; debug lines): gw2 sent its IKE_AUTH response (the new SA is
# up) before gw1 received vpnd's Delete for the old one.
ts() { # NAME ERE: time of day, in seconds, of the first matching line
	grep -E -- "$2" "$T_TMP/$1/pluto.log" 2>/dev/null | head -n 1 |
		awk '{ split($3, t, ":"); printf "%.6f\n", t[1] * 3600 + t[2] * 60 + t[3] }'
}
ls_log_grep "$(gw_dir gw2)" 'responder established IKE SA' ||
	fail "gw2 log shows no established IKE SA"
new_up=$(ts gw2 'sending [0-9]+ bytes for STATE_V2_PARENT_R1 ')
old_del=$(ts gw1 'ESTABLISHED_IKE_SA matching INFORMATIONAL request: SK\{D\}')
[ -n "$new_up" ] || fail "gw2 log shows no IKE_AUTH response sent"
[ -n "$old_del" ] || fail "gw1 received no Delete for the old IKE SA from vpnd"
awk -v a="$new_up" -v b="$old_del" 'BEGIN { exit !(a < b) }' ||
	fail "vpnd deleted the old IKE SA (gw1 got the Delete at $old_del s) before gw2's SA was up (IKE_AUTH response at $new_up s): break-before-make"
log "ok: make-before-break: gw2 answered IKE_AUTH at $new_up s, vpnd's Delete reached gw1 at $old_del s"
grep -q "moved to $(re "$GW2_IP")\[.*deleting the SA with the old gateway" "$CL_DIR/vpnd.log" ||
	fail "vpnd.log does not say it moved to $GW2_IP and deleted the old SA"
log "ok: vpnd.log: moved to $GW2_IP, then deleted the old SA"

vpnctl_run status gw
assert_rc 0 "vpnctl status gw"
assert_out "^gw: established" "status says established"
assert_out "gateway: $(re "$GW2_IP")\[" "status shows gateway $GW2_IP"
assert_out "redirected: $(re "$GW1_IP") -> $(re "$GW2_IP") in INFORMATIONAL" \
	"status shows the INFORMATIONAL redirect"
assert_vpnd_alive
pass
