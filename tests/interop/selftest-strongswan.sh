#!/bin/bash
# Checks the harness itself, without vpnd: a second strongSwan instance
# (initiator) in the client namespace must reach ESTABLISHED against the
# gateway for every setup the vpnd cases use. Not registered in meson;
# run by hand as root: bash tests/interop/selftest-strongswan.sh
#
# Each setup is a fresh gateway + initiator pair in the same namespaces.

. "$(dirname "$0")/lib.sh"

SW=

# sw_client_conf AUTH [opts as client_profile]: swanctl.conf for the
# strongSwan initiator (same identities, secrets and certificates).
sw_client_conf() {
	local auth=$1 d=$SW/swanctl
	shift
	reset_opts
	parse_opts "$@"
	sw_mkdirs "$d"
	local la ra secrets='' encap=no
	[ "$OPT_force_encap" = true ] && encap=yes
	if [ "$auth" = psk ]; then
		la="auth = psk"
		ra="auth = psk"
		secrets=$(sw_psk_secret "$CL_ID" "$GW_ID" "$OPT_psk")
	else
		certs_for "$OPT_kind"
		cp "$CERT_DIR/ca.pem" "$d/x509ca/ca.pem"
		cp "$CERT_DIR/cl-$OPT_kind.pem" "$d/x509/cl.pem"
		install -m 600 "$CERT_DIR/cl-$OPT_kind.key" "$d/private/cl.key"
		la="auth = pubkey
      certs = cl.pem"
		ra="auth = pubkey
      cacerts = ca.pem"
	fi
	cat >"$d/swanctl.conf" <<EOF
connections {
  gw {
    remote_addrs = $OPT_gateway
    vips = 0.0.0.0
    proposals = ${OPT_proposals:-aes256gcm16-prfsha384-ecp384}
    encap = $encap
    local {
      $la
      id = $CL_ID
    }
    remote {
      $ra
      id = $GW_ID
    }
    children {
      net {
        remote_ts = $OPT_remote_ts
        esp_proposals = ${OPT_esp:-aes256gcm16}
      }
    }
  }
}
secrets {
  $secrets
}
EOF
}

# one_case LABEL GW_AUTH "GW_OPTS" CL_AUTH "CL_OPTS" EXPECT(up|down) [ALGS]
one_case() {
	local label=$1 gauth=$2 gopts=$3 cauth=$4 copts=$5 expect=$6 algs=${7:-}
	local out
	log "== $label"
	# shellcheck disable=SC2086
	gw_conf "$gauth" $gopts
	SW=$CL_DIR/sw
	rm -rf "$SW" "$GW_DIR/charon.log"
	sw_write_conf "$SW" "install_routes = no" "install_virtual_ip = no"
	# shellcheck disable=SC2086
	sw_client_conf "$cauth" $copts
	gw_start
	gw_load
	sw_start "$NS_CL" "$SW"
	sw_load "$NS_CL" "$SW"
	out=$(sw_ctl "$NS_CL" "$SW" --initiate --child net --timeout 20 2>&1)
	if [ "$expect" = up ]; then
		assert_gw_established
		[ -z "$algs" ] || assert_gw_algs "$algs"
	else
		sleep 1
		gw_sa_established && fail "$label: expected no SA: $(gw_ctl --list-sas)"
		log "gateway: no SA, as expected"
	fi
	[ "${VERBOSE:-0}" = 1 ] && { printf '%s\n' "$out"; gw_ctl --list-sas; gw_ctl --list-sas --raw; }
	# Stop both instances (by PID) before the next setup.
	sw_stop "$GW_DIR"
	sw_stop "$SW"
	LAST_GW_LOG=$(cat "$GW_DIR/charon.log")
}

setup_net

ONLY=${1:-}
run() { [ -z "$ONLY" ] || [ "$ONLY" = "$1" ] || return 0; one_case "$@"; }

run psk psk "" psk "" up AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384
run wrong-psk psk "" psk "psk=not-the-right-psk" down
for kind in rsa ecdsa256 ecdsa384; do
	run "cert-$kind" cert "kind=$kind" cert "kind=$kind" up
	if [ -z "$ONLY" ] || [ "$ONLY" = "cert-$kind" ]; then
		method=ECDSA; [ "$kind" = rsa ] && method=RSA
		grep -Eq "authentication of '$CL_ID' with [^ ]*${method}[^ ]* successful" <<<"$LAST_GW_LOG" ||
			fail "cert-$kind: gateway log shows no $method authentication of the client"
		log "gateway authenticated the client with $method"
	fi
done
run natt-client psk "" psk "force-encap=true" up
if [ -z "$ONLY" ] || [ "$ONLY" = natt-client ]; then
	grep -q 'remote host is behind NAT' <<<"$LAST_GW_LOG" ||
		fail "natt-client: gateway did not see the faked NAT"
	log "gateway saw the client's faked NAT"
fi
run natt-gw psk "encap=yes" psk "" up
while read -r prop algs; do
	run "proposal-$prop" psk "proposals=$prop" psk "proposals=$prop" up "$algs"
done <<'EOF'
aes256gcm16-prfsha384-ecp384 AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384
aes128-sha256-ecp256 AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/ECP_256
chacha20poly1305-prfsha256-x25519 CHACHA20_POLY1305/PRF_HMAC_SHA2_256/CURVE_25519
aes256-sha512-modp2048 AES_CBC-256/HMAC_SHA2_512_256/PRF_HMAC_SHA2_512/MODP_2048
aes256-sha384-ecp521 AES_CBC-256/HMAC_SHA2_384_192/PRF_HMAC_SHA2_384/ECP_521
EOF
run invalid-ke psk "proposals=aes256gcm16-prfsha384-ecp256" \
	psk "proposals=aes256gcm16-prfsha384-x25519-ecp256" up \
	AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_256
if [ -z "$ONLY" ] || [ "$ONLY" = invalid-ke ]; then
	grep -Eq 'N\(INVAL_KE\)|requesting ECP_256' <<<"$LAST_GW_LOG" ||
		fail "invalid-ke: gateway log shows no INVALID_KE_PAYLOAD"
	log "gateway sent INVALID_KE_PAYLOAD"
fi
pass
