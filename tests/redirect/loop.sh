#!/bin/bash
# Redirect loop: gw1 (global-redirect to gw2) and gw2 (global-redirect to
# gw1) send vpnd back and forth; libreswan does not detect that, only the
# client can. With max-redirects 3, vpnd follows 3 redirects, refuses the
# 4th and fails the connect with "redirect loop" and the chain of
# gateways. Nothing may be established anywhere and vpnd keeps running.
# RD_MAX=N runs the same with max-redirects N (1 to 100).
. "$(dirname "$0")/lib-vpnd.sh"

MAX=${RD_MAX:-3}
setup_net
gw1_up "global-redirect=yes global-redirect-to=$GW2_IP" ""
gw2_up "global-redirect=yes global-redirect-to=$GW1_IP" ""
client_profile gw "max-redirects: $MAX"
vpnd_start

vpnctl_run connect gw
assert_rc 1 "vpnctl connect gw in a redirect loop"
assert_out "redirect loop" "connect fails with 'redirect loop'"
# The MAX followed redirects and the refused target after them, in order:
# (gw1 -> gw2 -> gw1 -> gw2 -> gw1) for MAX 3.
chain=$(re "$GW1_IP")
for ((i = 1; i <= MAX + 1; i++)); do
	if ((i % 2)); then chain+=" -> $(re "$GW2_IP")"; else chain+=" -> $(re "$GW1_IP")"; fi
done
assert_out "\\($chain\\)" "the message shows the chain of $((MAX + 2)) gateways"
followed=$(grep -c "redirected by .* to .* in IKE_SA_INIT" <<<"$VPNCTL_OUT")
[ "$followed" = "$MAX" ] ||
	fail "vpnctl connect shows $followed followed redirects, want $MAX"
log "ok: vpnd followed $followed redirects"

# The gateways answered MAX + 1 IKE_SA_INITs with REDIRECT, taking turns
# from gw1 (for MAX 3: gw1 the 1st and 3rd, gw2 the 2nd and the refused
# 4th). Give a stray further IKE_SA_INIT time to show up before counting.
sleep 2
n1=$(ls_count_init_redirects "$(gw_dir gw1)")
n2=$(ls_count_init_redirects "$(gw_dir gw2)")
want1=$(((MAX + 2) / 2)) want2=$(((MAX + 1) / 2))
log "gateways: gw1 sent $n1, gw2 sent $n2 IKE_SA_INIT REDIRECTs"
[ "$n1/$n2" = "$want1/$want2" ] ||
	fail "expected $want1 REDIRECTs from gw1 and $want2 from gw2 ($((MAX + 1)) in all), got gw1 $n1, gw2 $n2"
ls_saw_redirected_from "$(gw_dir gw2)" || fail "gw2 did not receive REDIRECTED_FROM"
if ((MAX >= 2)); then
	ls_saw_redirected_from "$(gw_dir gw1)" ||
		fail "gw1 did not receive REDIRECTED_FROM (2nd round)"
	log "ok: both gateways received REDIRECTED_FROM"
fi
assert_gw_no_state gw1 2
assert_gw_no_state gw2 2
assert_vpnd_alive

vpnctl_run status gw
assert_out "^gw: failed" "vpnctl status says failed"
hist=$(grep -c "^  redirected: .* in IKE_SA_INIT" <<<"$VPNCTL_OUT")
[ "$hist" = "$MAX" ] || fail "vpnctl status lists $hist redirects, want $MAX"
log "ok: vpnctl status lists the $MAX followed redirects"
assert_vpnd_alive
pass
