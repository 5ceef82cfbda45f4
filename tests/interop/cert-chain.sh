#!/bin/bash
# Trust anchors and CRLs against strongSwan: the gateway's certificate is
# issued by an intermediate CA under a root (root -> intermediate ->
# gateway, RSA 3072). Then:
#   inter-ca   remote.ca holds only the intermediate: connects;
#   root-ca    remote.ca holds only the root: connects with the
#              intermediate the gateway sends in a CERT payload;
#   revoked    remote.ca the intermediate, remote.crl its CRL listing the
#              gateway: refused, the reason names the revocation, no SA;
#   wrong-id   no local.id (the certificate's DN is sent) where the
#              gateway wants client@example.org: its AUTHENTICATION_FAILED
#              comes with the hint naming the DN and the email SAN.
. "$(dirname "$0")/lib.sh"

require_vpnd
setup_net

CH=$CERT_DIR/chain
mkdir -p "$CH"
# root and intermediate, the gateway's certificate from the intermediate
chain_certs() {
	pki_q --gen --type rsa --size 3072 --outform pem >"$CH/root.key" &&
	pki_q --self --ca --lifetime 30 --in "$CH/root.key" \
		--dn "C=XX, O=vpnd interop, CN=chain root CA" \
		--outform pem >"$CH/root.pem" &&
	pki_q --gen --type rsa --size 3072 --outform pem >"$CH/inter.key" &&
	pki_q --pub --in "$CH/inter.key" |
	pki_q --issue --cacert "$CH/root.pem" --cakey "$CH/root.key" --ca \
		--lifetime 30 --dn "C=XX, O=vpnd interop, CN=chain intermediate CA" \
		--outform pem >"$CH/inter.pem" &&
	pki_q --gen --type rsa --size 3072 --outform pem >"$CH/gw.key" &&
	pki_q --pub --in "$CH/gw.key" |
	pki_q --issue --cacert "$CH/inter.pem" --cakey "$CH/inter.key" \
		--lifetime 30 --dn "C=XX, O=vpnd interop, CN=$GW_ID" \
		--san "$GW_ID" --flag serverAuth --outform pem >"$CH/gw.pem" &&
	pki_q --signcrl --cacert "$CH/inter.pem" --cakey "$CH/inter.key" \
		--lifetime 7 --reason key-compromise --cert "$CH/gw.pem" \
		--outform pem >"$CH/inter-revokes-gw.crl" ||
		fail "pki: the chain and its CRL"
}
chain_certs

# The gateway: its certificate and intermediate, the clients' CA.
gw_conf_chain() {
	local d=$GW_DIR/swanctl
	certs_for rsa # the client's certificate (interop CA)
	sw_mkdirs "$d"
	cp "$CERT_DIR/ca.pem" "$d/x509ca/ca.pem"
	cp "$CH/root.pem" "$d/x509ca/chain-root.pem"
	cp "$CH/inter.pem" "$d/x509ca/chain-inter.pem"
	cp "$CH/gw.pem" "$d/x509/gw-chain.pem"
	install -m 600 "$CH/gw.key" "$d/private/gw-chain.key"
	cat >"$d/swanctl.conf" <<EOF
connections {
  rw {
    local_addrs = $GW_IP
    local { auth = pubkey
      certs = gw-chain.pem
      id = $GW_ID }
    remote { auth = pubkey
      cacerts = ca.pem
      id = $CL_ID }
    children { net { local_ts = $GW_NET } }
    pools = p4
  }
}
pools { p4 { addrs = 203.0.113.10-203.0.113.20
  dns = 198.51.100.53 } }
EOF
}

# chain_profile NAME CA_FILE [CRL_FILE] [LOCAL_ID|-]
chain_profile() {
	local name=$1 ca=$2 crl=${3:-} id=${4:-$CL_ID} f=$CL_DIR/profiles/$1.yaml
	local idline=
	[ "$id" = - ] || idline="id: $id, "
	install -m 600 "$CERT_DIR/cl-rsa.key" "$CL_DIR/$name.key"
	cp "$CERT_DIR/cl-rsa.pem" "$CL_DIR/$name.pem"
	cp "$ca" "$CL_DIR/$name-ca.pem"
	[ -z "$crl" ] || cp "$crl" "$CL_DIR/$name.crl"
	(umask 077; cat >"$f" <<EOF
# written by the interop harness ($T_CASE)
connection: {name: $name, gateway: $GW_IP}
local: {${idline}auth: cert, cert: $CL_DIR/$name.pem, key: $CL_DIR/$name.key}
remote: {id: $GW_ID, auth: cert, ca: $CL_DIR/$name-ca.pem${crl:+, crl: $CL_DIR/$name.crl}}
ike: {proposals: ["aes256gcm16-prfsha384-ecp384"]}
esp: {proposals: ["aes256gcm16"]}
traffic-selectors: {local: [dynamic], remote: ["$GW_NET"]}
ipv4: {method: auto, dns: auto}
resumption: {enabled: true}
EOF
	)
}

gw_conf_chain
chain_profile inter-ca "$CH/inter.pem"
chain_profile root-ca "$CH/root.pem"
chain_profile revoked "$CH/inter.pem" "$CH/inter-revokes-gw.crl"
chain_profile wrong-id "$CH/inter.pem" "" -
gw_start
gw_load
vpnd_start

for name in inter-ca root-ca; do
	log "== $name: the chain is accepted"
	connect_and_verify "$name" AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384
	assert_gw_client_auth RSA
	disconnect_and_verify "$name"
done

# refused_case NAME ERE: connect fails, the text names ERE, nothing left.
refused_case() {
	local name=$1 want=$2
	vpnctl_connect "$name"
	assert_rc 1 "vpnctl connect $name"
	assert_match "$VPNCTL_OUT" "$want" "vpnctl connect $name does not explain the refusal"
	vpnctl_status "$name"
	assert_match "$VPNCTL_OUT" "$want" "vpnctl status $name does not show the reason"
	grep -qiE '(^|[^a-z])established' <<<"$VPNCTL_OUT" &&
		fail "vpnctl status $name claims an established SA"
	assert_vpnd_alive
	assert_gw_no_sa 10
	assert_xfrm_empty
	log "$name: refused: $(grep -oE "$want" <<<"$VPNCTL_OUT" | head -n 1)"
}

log "== revoked: the CRL lists the gateway"
refused_case revoked \
	"chain refused at depth 0, 'C=XX, O=vpnd interop, CN=$(re "$GW_ID")' by 'C=XX, O=vpnd interop, CN=chain intermediate CA': certificate revoked \(listed in the CRL file\)"

log "== wrong-id: the certificate's DN sent, the gateway wants $CL_ID"
refused_case wrong-id \
	"AUTHENTICATION_FAILED; we sent IDi DER_ASN1_DN 'C=XX, O=vpnd interop, CN=$(re "$CL_ID")'; the gateway may expect the certificate's other name as local.id: email '$(re "$CL_ID")'"
assert_file_match "$GW_DIR/charon.log" "no matching peer config found" \
	"the gateway did not refuse for want of a matching identity"
pass
