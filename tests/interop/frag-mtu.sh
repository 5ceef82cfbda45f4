#!/bin/bash
# IKE fragmentation (RFC 7383) on a path that cannot carry a big
# IKE_AUTH: link MTU 1280 on both sides and every IP fragment dropped
# (nftables, ahead of the kernel's reassembly), with RSA-4096 keys on a
# root -> intermediate -> end-entity chain for both the gateway and the
# client, so that IKE_AUTH is several kilobytes in each direction.
# strongSwan has fragmentation=yes. With vpnd's default profile IKE_AUTH
# completes, and charon's log shows fragments both ways; with
# `fragmentation: false` the connect fails with a timeout naming
# IKE_AUTH, not a hang.
. "$(dirname "$0")/lib.sh"

require_vpnd
require_tools nft
setup_net

# The path: MTU 1280, fragments dropped in both namespaces. Priority
# -450 is before conntrack's defragmentation (-400), which would
# otherwise hand the filter whole datagrams.
for ns in "$NS_GW" "$NS_CL"; do
	dev=vg$T_ID
	[ "$ns" = "$NS_CL" ] && dev=vc$T_ID
	ip -n "$ns" link set dev "$dev" mtu 1280 || fail "mtu on $dev"
	ip netns exec "$ns" nft -f - <<'NFT' || fail "nft in $ns"
table inet vpnd_frag {
	chain pre {
		type filter hook prerouting priority -450; policy accept;
		ip frag-off & 0x3fff != 0 counter drop
		exthdr frag exists counter drop
	}
}
NFT
done
# The path really drops fragments: a 3000-byte ping does not pass.
ip netns exec "$NS_CL" ping -c 1 -W 1 -s 3000 "$GW_IP" >/dev/null 2>&1 &&
	fail "a fragmented ping passed the path"
log "path: MTU 1280, IP fragments dropped"

# RSA 4096: root, intermediate, and the gateway's and client's
# certificates under the intermediate (certs_for finds them there).
rsa4096() { (umask 077; pki_q --gen --type rsa --size 4096 --outform pem >"$CERT_DIR/$1.key") || fail "pki: key $1"; }
rsa4096 ca
pki_q --self --ca --lifetime 30 --in "$CERT_DIR/ca.key" \
	--dn "C=XX, O=vpnd interop, CN=vpnd interop root" \
	--outform pem >"$CERT_DIR/ca.pem" || fail "pki: root"
rsa4096 inter
pki_q --pub --in "$CERT_DIR/inter.key" |
pki_q --issue --cacert "$CERT_DIR/ca.pem" --cakey "$CERT_DIR/ca.key" \
	--ca --lifetime 30 --dn "C=XX, O=vpnd interop, CN=vpnd interop intermediate" \
	--outform pem >"$CERT_DIR/inter.pem" || fail "pki: intermediate"
leaf() { # NAME SAN FLAG
	rsa4096 "$1"
	pki_q --pub --in "$CERT_DIR/$1.key" |
	pki_q --issue --cacert "$CERT_DIR/inter.pem" --cakey "$CERT_DIR/inter.key" \
		--lifetime 30 --dn "C=XX, O=vpnd interop, CN=$2" --san "$2" \
		--flag "$3" --outform pem >"$CERT_DIR/$1.pem" || fail "pki: $1"
}
leaf gw-rsa "$GW_ID" serverAuth
leaf cl-rsa "$CL_ID" clientAuth
log "RSA-4096 chain: root -> intermediate -> $GW_ID, $CL_ID"

client_profile frag cert kind=rsa
client_profile nofrag cert kind=rsa timers="retransmit-timeout: 1, retransmit-tries: 2"
sed -i 's/^connection: {/connection: {fragmentation: false, /' \
	"$CL_DIR/profiles/nofrag.yaml"
gw_conf cert kind=rsa
sed -i 's/^    mobike = .*/&\n    fragmentation = yes/' "$GW_DIR/swanctl/swanctl.conf"
# The gateway completes the client's chain with the intermediate, and
# sends it with its own certificate.
cp "$CERT_DIR/inter.pem" "$GW_DIR/swanctl/x509ca/inter.pem"
gw_start
gw_load
vpnd_start

connect_and_verify frag AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384
assert_gw_client_auth RSA
glog=$GW_DIR/charon.log
# What charon 5.9 logs at the harness's levels (enc 1, net 1): each
# fragment it parses and generates as EF(n/N), the reassembly, and
# every datagram's size.
assert_file_match "$glog" 'parsed IKE_AUTH request 1 \[ EF\(1/[2-9]\) \]' \
	"charon parsed no fragment of vpnd's IKE_AUTH request"
assert_file_match "$glog" 'received fragment #[0-9]+ of [0-9]+, reassembled fragmented IKE message' \
	"charon reassembled no fragmented IKE message"
assert_file_match "$glog" 'generating IKE_AUTH response 1 \[ EF\(1/[2-9]\) \]' \
	"charon sent its IKE_AUTH response unfragmented"
big=$(grep -oE 'sending packet: .*\(([0-9]+) bytes\)' "$glog" |
	grep -oE '[0-9]+ bytes' | tr -d -c '0-9\n' | sort -n | tail -n 1)
[ "${big:-0}" -le 1252 ] || fail "charon sent a datagram of $big bytes"
log "fragments both ways: $(grep -cE 'EF\([0-9]+/[0-9]+\)' "$glog") EF lines in charon.log; charon's largest datagram $big bytes"
grep -E 'EF\(|reassembled|splitting' "$glog" | sed 's/^/  charon: /' | head -n 20
disconnect_and_verify frag

log "== nofrag: fragmentation off, IKE_AUTH cannot pass"
nef=$(grep -c 'EF(' "$glog")
vpnctl_connect nofrag
assert_rc 1 "vpnctl connect nofrag (no fragmentation on a fragment-dropping path)"
assert_match "$VPNCTL_OUT" 'timeout.*IKE_AUTH.*IKE fragmentation is off \(connection\.fragmentation\)' \
	"vpnctl connect nofrag did not name the IKE_AUTH timeout and its likely cause"
log "nofrag: $(grep -m 1 '^vpnctl:' <<<"$VPNCTL_OUT")"
assert_vpnd_alive
# The gateway never saw the IKE_AUTH: its half-open SA stays CONNECTING
# until its own timeout, and none is ESTABLISHED.
gw_sa_established && fail "the gateway established an SA without fragments"
[ "$(grep -c 'EF(' "$glog")" = "$nef" ] ||
	fail "fragments were used with fragmentation off"
pass
