#!/bin/bash
# RFC 5685 redirect in IKE_AUTH: gw1 (libreswan, send-redirect=yes,
# redirect-to=gw2) authenticates vpnd and answers IKE_AUTH with REDIRECT
# instead of SA/TS. vpnd must delete that IKE SA on gw1 (RFC 5685 6),
# follow the redirect with REDIRECTED_FROM and end up established on gw2;
# gw1 must never have made a Child SA.
. "$(dirname "$0")/lib-vpnd.sh"

setup_net
gw1_up "" "send-redirect=yes redirect-to=$GW2_IP"
gw2_up "" ""
client_profile gw
vpnd_start

vpnctl_run connect gw
assert_connect_rc "vpnctl connect gw (redirected to gw2 in IKE_AUTH)"
assert_out "redirected by $(re "$GW1_IP")[^ ]* to $(re "$GW2_IP") in IKE_AUTH" \
	"vpnctl connect reports the IKE_AUTH redirect"
gw1=$(gw_dir gw1)
ls_log_grep "$gw1" 'responder established IKE SA' ||
	fail "gw1 never established (authenticated) the IKE SA it redirected"
ls_log_grep "$gw1" 'IKE_AUTH request: .*N\(REDIRECT_SUPPORTED\)|IKE_SA_INIT request: .*N\(REDIRECT_SUPPORTED\)|v2N_REDIRECT_SUPPORTED' ||
	fail "gw1 saw no REDIRECT_SUPPORTED from vpnd"
log "ok: vpnd announced REDIRECT_SUPPORTED and authenticated to gw1"
assert_gw_established gw2
assert_gw_saw_redirected_from gw2
assert_gw_no_state gw1
# pluto keeps the redirected IKE SA until the client deletes it: the
# Delete must come from vpnd (INFORMATIONAL with D on the established SA),
# before pluto drops the state.
del_rx=$(gw_log_line gw1 'ESTABLISHED_IKE_SA matching INFORMATIONAL request: SK\{D\}')
del_st=$(gw_log_line gw1 'deleting state \(STATE_V2_ESTABLISHED_IKE_SA\)')
[ -n "$del_rx" ] || fail "gw1 received no Delete for the redirected IKE SA from vpnd"
[ -n "$del_st" ] || fail "gw1 did not log deleting the redirected IKE SA"
[ "$del_rx" -lt "$del_st" ] ||
	fail "gw1 dropped the IKE SA (log line $del_st) before vpnd's Delete (line $del_rx)"
log "ok: vpnd deleted the redirected IKE SA on gw1 (INFORMATIONAL D, gw1 log lines $del_rx < $del_st)"
# pluto logs every Child SA it negotiates ("#2: proposal ... ESP=...");
# a redirecting IKE_AUTH response must carry none.
ls_log_grep "$gw1" '#[0-9]+: proposal [0-9]+:ESP=|netlink response for Add SA' &&
	fail "gw1 negotiated a Child SA although it redirected in IKE_AUTH"
log "ok: gw1 negotiated no Child SA"

vpnctl_run status gw
assert_rc 0 "vpnctl status gw"
assert_out "^gw: established" "status says established"
assert_out "gateway: $(re "$GW2_IP")\[" "status shows gateway $GW2_IP"
assert_out "redirected: $(re "$GW1_IP") -> $(re "$GW2_IP") in IKE_AUTH" \
	"status shows the redirect history line"
assert_vpnd_alive
pass
