#!/bin/bash
# EAP-MSCHAPv2 with a gateway RSA certificate, the road-warrior setup of
# most commercial VPN services and Windows RRAS: charon signs with its
# certificate, asks the EAP identity (eap_id = %any) and runs
# EAP-MSCHAPv2 against its EAP secret. Then:
# - a wrong password: a clean error naming it, nothing left behind;
# - no password file: `vpnctl connect` asks for it on its terminal (a pty
#   made by script(1)), with the echo off, and the password never shows
#   in vpnd's log.
. "$(dirname "$0")/lib.sh"

require_vpnd
SCRIPT_BIN=$(command -v script) ||
	fail "script(1) (util-linux) is needed to drive a terminal"
setup_net
gw_up eap-mschapv2
client_profile gw eap-mschapv2
client_profile wrong eap-mschapv2 password=not-the-password
client_profile asked eap-mschapv2 password-file=no
vpnd_start

log "== the right password, from the profile's password file"
connect_and_verify gw AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384
assert_file_match "$GW_DIR/charon.log" "received EAP identity '$EAP_USER'" \
	"gateway did not get the EAP identity"
assert_file_match "$GW_DIR/charon.log" \
	"EAP method EAP_MSCHAPV2 succeeded, MSK established" \
	"gateway: EAP-MSCHAPv2 did not succeed with an MSK"
assert_file_match "$GW_DIR/charon.log" \
	"authentication of '$CL_ID' with EAP successful" \
	"gateway did not take vpnd's MSK-keyed AUTH"
assert_match "$CONNECT_OUT" "EAP succeeded" "vpnctl connect shows no EAP round"
disconnect_and_verify gw

log "== a wrong password"
vpnctl_connect wrong
assert_rc 1 "vpnctl connect with a wrong password"
assert_match "$VPNCTL_OUT" "wrong user name or password" \
	"vpnctl does not say the password is wrong"
assert_vpnd_alive
assert_gw_no_sa 5
assert_xfrm_empty

log "== no password file: vpnctl asks on its terminal"
# TCSAFLUSH drops what was typed before the prompt, as for a person:
# the password is written once vpnctl has had time to ask.
{ sleep 1.5; printf '%s\n' "$EAP_PASSWORD"; } |
	timeout 60 "$SCRIPT_BIN" -qec \
		"$VPNCTL -s $VPND_SOCK connect asked" /dev/null \
		>"$CL_DIR/pty.out" 2>&1
VPNCTL_RC=$?
VPNCTL_OUT=$(cat "$CL_DIR/pty.out")
assert_connect_rc "vpnctl connect asked (on a pty)"
sed 's/^/    pty| /' "$CL_DIR/pty.out"
grep -q "Password for asked: " "$CL_DIR/pty.out" || fail "vpnctl did not prompt"
grep -qF "$EAP_PASSWORD" "$CL_DIR/pty.out" && fail "the password was echoed"
vpnctl_status asked
grep -qi established <<<"$VPNCTL_OUT" || fail "asked: not established"
disconnect_and_verify asked

# Neither the password nor its hex form in vpnd's log.
hex=$(printf '%s' "$EAP_PASSWORD" | od -An -tx1 | tr -d ' \n')
grep -qF "$EAP_PASSWORD" "$CL_DIR/vpnd.log" && fail "vpnd logged the password"
grep -qi "$hex" "$CL_DIR/vpnd.log" && fail "vpnd logged the password (hex)"
pass
