#!/bin/bash
# Gateway-initiated redirect (RFC 5685 5) with strongSwan: once the SA is
# up, `swanctl --redirect` sends REDIRECT in an INFORMATIONAL request.
# vpnd must answer, bring up a new SA to the target (carrying
# REDIRECTED_FROM), and only then delete the old one.
. "$(dirname "$0")/lib.sh"

GW2_IP=192.0.2.3

require_vpnd
setup_net
ip -n "$NS_GW" addr add "$GW2_IP/24" dev "vg$T_ID"
gw_conf psk
# One charon answers on both addresses: the redirect target is the same
# gateway identity behind another address, as in a cluster.
sed -i "s/local_addrs = $GW_IP/local_addrs = $GW_IP, $GW2_IP/" \
	"$GW_DIR/swanctl/swanctl.conf"
gw_start
gw_load
client_profile gw psk
vpnd_start

connect_and_verify gw AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384

gw_ctl --redirect --ike rw --gateway "$GW2_IP" >"$T_TMP/redirect.out" 2>&1 ||
	fail "swanctl --redirect failed: $(cat "$T_TMP/redirect.out")"
log "gateway asked to redirect to $GW2_IP"

moved() {
	vpnctl_run status gw >/dev/null
	grep -q "gateway: $GW2_IP\[" <<<"$VPNCTL_OUT"
}
wait_for 20 moved || fail "vpnd did not move to $GW2_IP"
vpnctl_status gw
assert_match "$VPNCTL_OUT" "redirected: $GW_IP -> $GW2_IP in INFORMATIONAL" \
	"status shows no redirect history"
assert_match "$VPNCTL_OUT" "established" "status after the redirect"

# The gateway ends with exactly one SA, on the new address.
one_sa_on_new() {
	local out
	out=$(gw_ctl --list-sas 2>/dev/null) || return 1
	[ "$(grep -c ESTABLISHED <<<"$out")" = 1 ] &&
		grep -q "local  '$GW_ID' @ $GW2_IP" <<<"$out"
}
wait_for 10 one_sa_on_new ||
	fail "gateway does not show a single SA on $GW2_IP: $(gw_ctl --list-sas 2>&1)"
assert_file_match "$GW_DIR/charon.log" 'N\(REDIR_FROM\)' \
	"the new IKE_SA_INIT carried no REDIRECTED_FROM"
# Make-before-break: the new SA was established before the old was deleted.
new_up=$(grep -n "IKE_SA rw\[[0-9]*\] established between $GW2_IP" "$GW_DIR/charon.log" | head -1 | cut -d: -f1)
old_del=$(grep -n "deleting IKE_SA rw\[[0-9]*\] between $GW_IP" "$GW_DIR/charon.log" | head -1 | cut -d: -f1)
[ -n "$new_up" ] || fail "gateway log shows no SA established on $GW2_IP"
[ -n "$old_del" ] || fail "gateway log shows no deletion of the SA on $GW_IP"
[ "$new_up" -lt "$old_del" ] ||
	fail "the old SA was deleted (log line $old_del) before the new one was up (line $new_up)"

disconnect_and_verify gw
pass
