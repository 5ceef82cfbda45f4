# shellcheck shell=bash
# Helpers for the strongSwan interop cases; sourced by every *.sh here.
#
# Each run gets its own pair of network namespaces (vpnd-gw-PID and
# vpnd-cl-PID) joined by a veth pair, a private temp dir, a private
# strongSwan gateway (charon-systemd with its own strongswan.conf and vici
# socket) and, for the vpnd cases, a vpnd in the client namespace. Only the
# PIDs started here are stopped; the EXIT trap removes everything again.
#
# Addresses: gateway 192.0.2.1/24, client 192.0.2.2/24, gateway-side
# network 198.51.100.0/24, virtual IP pool 203.0.113.10-20.
#
# Exit codes follow meson: 0 pass, 1 fail, 77 skip (never skip if CI=true).

# shellcheck disable=SC2034 # read by tests/lib/common.sh
T_SUITE=interop T_KEEP_VAR=INTEROP_KEEP
LIB=$(dirname "${BASH_SOURCE[0]}")/../lib
# shellcheck source=../lib/common.sh
. "$LIB/common.sh"
# shellcheck source=../lib/netns.sh
. "$LIB/netns.sh"
# shellcheck source=../lib/vpnd.sh
. "$LIB/vpnd.sh"
# shellcheck source=../lib/esp.sh
. "$LIB/esp.sh"
# shellcheck source=../lib/strongswan.sh
. "$LIB/strongswan.sh"

NS_GW=vpnd-gw-$T_ID
NS_CL=vpnd-cl-$T_ID
GW_IP=192.0.2.1
CL_IP=192.0.2.2
GW_ID=gw.example.org
CL_ID=client@example.org
TEST_PSK=test-psk-0123456789abcdef
# EAP: the user the gateway knows (not the IKE identity: as in real
# deployments the EAP identity is asked for separately) and its password,
# with a blank and a non-ASCII character.
EAP_USER=alice
EAP_PASSWORD='correct horse battery'
GW_NET=198.51.100.0/24

GW_DIR=
CL_DIR=
CERT_DIR=

show_context() {
	tail_file "$GW_DIR/charon.log" 40 "gateway charon.log (tail)"
	tail_file "$CL_DIR/vpnd.log" 60
	tail_file "$CL_DIR/sw/charon.log" 60
	vpnctl_context
	echo "----"
}

# ---------------------------------------------------------------- setup

# Checks that this machine can run the cases at all (root, netns, tools).
require_env() {
	require_netns
	require_strongswan
	require_tools timeout
}

require_vpnd() { require_exe VPND VPNCTL; }

# Creates the temp dir, the namespaces and the veth link; the cleanup
# trap comes first so that a half-built setup is still torn down.
setup_net() {
	require_env
	t_begin
	GW_DIR=$T_TMP/gw
	CL_DIR=$T_TMP/cl
	CERT_DIR=$T_TMP/certs
	mkdir -p "$GW_DIR/swanctl" "$CERT_DIR"
	client_dir "$CL_DIR"
	netns_add "$NS_GW"
	netns_add "$NS_CL"
	veth_link "$NS_GW" "vg$T_ID" "$GW_IP/24" "$NS_CL" "vc$T_ID" "$CL_IP/24"
	netns_ping "$NS_CL" "$GW_IP" "over the veth pair"
	log "namespaces $NS_GW / $NS_CL ready, temp dir $T_TMP"
}

# ---------------------------------------------------------------- certificates

# pki prints plugin load noise on stderr; keep it in a file.
pki_q() { pki "$@" 2>>"$CERT_DIR/pki.log"; }

cert_ca() {
	[ -f "$CERT_DIR/ca.pem" ] && return 0
	pki_q --gen --type rsa --size 3072 --outform pem >"$CERT_DIR/ca.key" &&
	pki_q --self --ca --lifetime 30 --in "$CERT_DIR/ca.key" \
		--dn "C=XX, O=vpnd interop, CN=vpnd interop CA" \
		--outform pem >"$CERT_DIR/ca.pem" || fail "pki: CA"
	chmod 600 "$CERT_DIR/ca.key"
}

# A second CA that signed nothing the gateway has: a client trusting only
# this one must refuse the gateway.
cert_other_ca() {
	[ -f "$CERT_DIR/other-ca.pem" ] && return 0
	pki_q --gen --type ecdsa --size 256 --outform pem >"$CERT_DIR/other-ca.key" &&
	pki_q --self --ca --lifetime 30 --in "$CERT_DIR/other-ca.key" \
		--dn "C=XX, O=vpnd interop, CN=unrelated CA" \
		--outform pem >"$CERT_DIR/other-ca.pem" || fail "pki: other CA"
}

# cert_issue NAME TYPE SIZE SAN FLAG: writes NAME.key (0600) and NAME.pem.
cert_issue() {
	local name=$1 type=$2 size=$3 san=$4 flag=$5
	[ -f "$CERT_DIR/$name.pem" ] && return 0
	cert_ca
	(umask 077; pki_q --gen --type "$type" --size "$size" --outform pem \
		>"$CERT_DIR/$name.key") || fail "pki: key $name"
	pki_q --pub --in "$CERT_DIR/$name.key" |
	pki_q --issue --cacert "$CERT_DIR/ca.pem" --cakey "$CERT_DIR/ca.key" \
		--lifetime 30 --dn "C=XX, O=vpnd interop, CN=$san" --san "$san" \
		--flag "$flag" --outform pem >"$CERT_DIR/$name.pem" ||
		fail "pki: issue $name"
}

# certs_for KIND (rsa | ecdsa256 | ecdsa384): gateway and client pair
# gw-KIND / cl-KIND signed by the RSA 3072 CA.
certs_for() {
	local type=rsa size=3072
	case $1 in
	rsa) ;;
	ecdsa256) type=ecdsa size=256 ;;
	ecdsa384) type=ecdsa size=384 ;;
	*) fail "certs_for: unknown kind $1" ;;
	esac
	cert_issue "gw-$1" "$type" "$size" "$GW_ID" serverAuth
	cert_issue "cl-$1" "$type" "$size" "$CL_ID" clientAuth
}

# ---------------------------------------------------------------- strongSwan

gw_ctl() { sw_ctl "$NS_GW" "$GW_DIR" "$@"; }

gw_start() {
	sw_write_conf "$GW_DIR" "install_routes = no" "install_virtual_ip = no"
	sw_start "$NS_GW" "$GW_DIR"
}

# Reloads the gateway's swanctl.conf (after gw_conf_*).
gw_load() { sw_load "$NS_GW" "$GW_DIR"; }

# Parses "key=value" arguments of the gw_conf_* / client_* helpers into
# the variables OPT_<key> (dashes become underscores).
parse_opts() {
	local kv k
	for kv in "$@"; do
		case $kv in
		*=*) k=${kv%%=*}; k=${k//-/_}
		     printf -v "OPT_$k" '%s' "${kv#*=}" ;;
		*) fail "bad option '$kv' (want key=value)" ;;
		esac
	done
}

reset_opts() {
	OPT_proposals='' OPT_esp='' OPT_encap=no OPT_psk=$TEST_PSK
	OPT_force_encap=false OPT_gateway=$GW_IP OPT_remote_ts=$GW_NET
	OPT_kind=rsa OPT_id=$CL_ID OPT_remote_id=$GW_ID OPT_ca='' OPT_send_id=''
	OPT_timers='' OPT_rekey_time=0s OPT_reauth_time=0s OPT_mobike=yes
	OPT_password=$EAP_PASSWORD OPT_password_file=yes OPT_eap_id=$EAP_USER
	OPT_dns_domains=''
}

# gw_conf AUTH [proposals=P,P] [esp=P] [encap=yes] [psk=S] [kind=K]
#         [rekey-time=10s] [reauth-time=30s] (IKE SA; 0s: off)
#         [mobike=no] [password=P] [dns-domains=D,D] (INTERNAL_DNS_DOMAIN,
#         attribute 25 of the pool, RFC 8598):
# AUTH is psk, cert or eap-mschapv2 (the gateway signs with its
# certificate, the client answers EAP-Identity and EAP-MSCHAPv2 as
# $EAP_USER with password P); kind (rsa|ecdsa256|ecdsa384) picks the
# gateway certificate. The client must authenticate the same way.
gw_conf() {
	local auth=$1 d=$GW_DIR/swanctl
	shift
	reset_opts
	parse_opts "$@"
	sw_mkdirs "$d"
	local local_auth remote_auth secrets=
	if [ "$auth" = psk ]; then
		local_auth="auth = psk"
		remote_auth="auth = psk"
		secrets=$(sw_psk_secret "$GW_ID" "$CL_ID" "$OPT_psk")
	else
		certs_for "$OPT_kind"
		cp "$CERT_DIR/ca.pem" "$d/x509ca/ca.pem"
		# One name per kind: a reload adds credentials, it does not
		# replace them, so the connection must name its certificate.
		cp "$CERT_DIR/gw-$OPT_kind.pem" "$d/x509/gw-$OPT_kind.pem"
		install -m 600 "$CERT_DIR/gw-$OPT_kind.key" "$d/private/gw-$OPT_kind.key"
		local_auth="auth = pubkey
      certs = gw-$OPT_kind.pem"
		remote_auth="auth = pubkey
      cacerts = ca.pem"
	fi
	if [ "$auth" = eap-mschapv2 ]; then
		# eap_id %any: charon asks the EAP identity (EAP-Identity)
		remote_auth="auth = eap-mschapv2
      eap_id = %any"
		secrets="eap-$EAP_USER {
    id = $EAP_USER
    secret = \"$OPT_password\"
  }"
	fi
	cat >"$d/swanctl.conf" <<EOF
connections {
  rw {
    local_addrs = $GW_IP
    proposals = ${OPT_proposals:-default}
    encap = $OPT_encap
    rekey_time = $OPT_rekey_time
    reauth_time = $OPT_reauth_time
    mobike = $OPT_mobike
    local {
      $local_auth
      id = $GW_ID
    }
    remote {
      $remote_auth
      id = $CL_ID
    }
    children {
      net {
        local_ts = $GW_NET
        esp_proposals = ${OPT_esp:-aes256gcm16,default}
      }
    }
    pools = p4
  }
}
pools {
  p4 {
    addrs = 203.0.113.10-203.0.113.20
    dns = 198.51.100.53
    ${OPT_dns_domains:+25 = $OPT_dns_domains}
  }
}
secrets {
  $secrets
}
EOF
}

gw_conf_psk() { gw_conf psk "$@"; }
gw_conf_cert() { gw_conf cert "$@"; }

# gw_up AUTH [opts]: writes the gateway config, starts charon, loads it.
gw_up() {
	gw_conf "$@"
	gw_start
	gw_load
}

# gw_eap_tls_conf LOCAL: the cert configuration with the client's round
# as eap-tls (same CA); LOCAL eap turns the gateway's own round into
# EAP-only (RFC 5998: no AUTH of its own, its certificate used by TLS).
gw_eap_tls_conf() {
	local f=$GW_DIR/swanctl/swanctl.conf
	gw_conf cert
	awk -v local_auth="$1" '
	     /local \{/ { l = 1 } l && /auth = pubkey/ { sub("pubkey", local_auth); l = 0 }
	     /remote \{/ { r = 1 } r && /auth = pubkey/ { sub("pubkey", "eap-tls"); r = 0 }
	     { print }' "$f" >"$f.new" && mv "$f.new" "$f"
	grep -q "auth = $1\$" "$f" || fail "gateway conf: no local auth $1"
	grep -q 'auth = eap-tls' "$f" || fail "gateway conf: no eap-tls round"
}

# gw_restart [SETTING...]: charon stopped, started again with these
# strongswan.conf settings, the configuration loaded.
gw_restart() {
	sw_stop "$GW_DIR"
	sw_write_conf "$GW_DIR" "install_routes = no" "install_virtual_ip = no" "$@"
	sw_start "$NS_GW" "$GW_DIR"
	gw_load
}

gw_sa_established() { gw_ctl --list-sas 2>/dev/null | grep -q ESTABLISHED; }
# The virtual IP (from the gateway's pool) in the last vpnctl output.
vip_of_status() {
	grep -oE '203\.0\.113\.(1[0-9]|20)([^0-9]|$)' <<<"$VPNCTL_OUT" |
		head -n 1 | tr -dc '0-9.'
}

# Exactly one IKE SA on the gateway (a replaced one is gone).
gw_single_sa() { [ "$(gw_raw_sas | grep -o 'initiator-spi=' | wc -l)" = 1 ]; }
# Fails closed: a gateway that does not answer has not "no SA".
gw_no_sa() {
	local out
	out=$(gw_ctl --list-sas 2>/dev/null) || return 1
	! grep -q 'IKEv2' <<<"$out"
}

# A second uplink for the client (a laptop's LTE beside its Wi-Fi):
# 203.0.113.130/25 to the gateway's 203.0.113.129/25, and the gateway's
# network 192.0.2.0/24 through it at a higher metric, so that it carries
# the traffic only once the first uplink's connected route is gone.
CL_IP2=203.0.113.130
GW_IP2=203.0.113.129
second_uplink() {
	veth_link "$NS_GW" "vh$T_ID" "$GW_IP2/25" "$NS_CL" "vd$T_ID" "$CL_IP2/25"
	ip -n "$NS_CL" route add 192.0.2.0/24 via "$GW_IP2" metric 500 ||
		fail "route to the gateway over the second uplink"
	log "second uplink: $CL_IP2 -> $GW_IP2"
}

# A second uplink behind a NAT router instead (a hotel's Wi-Fi): the
# client's 203.0.113.130/26 to the router namespace's 203.0.113.129/26,
# which masquerades everything it forwards from 203.0.113.193/26 to the
# gateway's 203.0.113.194/26.
NS_RT=vpnd-rt-$T_ID
RT_OUT_IP=203.0.113.193
nat_uplink() {
	netns_add "$NS_RT"
	veth_link "$NS_RT" "ri$T_ID" "$GW_IP2/26" "$NS_CL" "vd$T_ID" "$CL_IP2/26"
	veth_link "$NS_RT" "ro$T_ID" "$RT_OUT_IP/26" "$NS_GW" "vh$T_ID" "203.0.113.194/26"
	ip netns exec "$NS_RT" sysctl -qw net.ipv4.ip_forward=1
	ip -n "$NS_RT" route add 192.0.2.0/24 via 203.0.113.194 ||
		fail "router: route to the gateway"
	ip -n "$NS_CL" route add 192.0.2.0/24 via "$GW_IP2" metric 500 ||
		fail "client: route to the gateway through the router"
	printf '%s\n' 'table ip nat {' ' chain post {' \
		'  type nat hook postrouting priority srcnat;' \
		"  oifname \"ro$T_ID\" masquerade" ' }' '}' |
		ip netns exec "$NS_RT" nft -f - || fail "router: nftables masquerade"
	log "second uplink behind a NAT: $CL_IP2 -> $GW_IP2 (router, masquerade as $RT_OUT_IP)"
}

# The client address the gateway has for its IKE SA.
gw_remote_host() { gw_sa_field remote-host; }

# ---------------------------------------------------------------- vpnd client

# yaml_list "a,b" -> ["a", "b"]
yaml_list() {
	local IFS=, item out=
	for item in $1; do
		out+="${out:+, }\"$item\""
	done
	printf '[%s]' "$out"
}

# client_profile NAME AUTH [proposals=P,P] [esp=P] [force-encap=true]
#                [psk=S] [kind=K] [gateway=IP] [remote-id=ID] [ca=FILE]
#                [send-id=false] [timers="key: value, ..."]
#                [password=P] [password-file=no] [eap-id=USER]: writes a
#                vpnd profile. AUTH eap-mschapv2: the password in a
#                password file unless password-file=no (then vpnctl asks).
# Several comma-separated proposals become several list entries; one
# proposal may itself list several groups (x25519-ecp256).
client_profile() {
	local name=$1 auth=$2 f=$CL_DIR/profiles/$1.yaml
	shift 2
	reset_opts
	parse_opts "$@"
	local local_line remote_line eap_line=
	if [ "$auth" = eap-mschapv2 ]; then
		cp "${OPT_ca:-$CERT_DIR/ca.pem}" "$CL_DIR/$name-ca.pem"
		local_line="{id: $OPT_id, auth: eap}"
		remote_line="{id: $OPT_remote_id, auth: cert, ca: $CL_DIR/$name-ca.pem}"
		eap_line="eap: {method: mschapv2, identity: $OPT_eap_id"
		if [ "$OPT_password_file" = yes ]; then
			(umask 077; printf '%s\n' "$OPT_password" >"$CL_DIR/$name.pw")
			eap_line+=", password-file: $CL_DIR/$name.pw"
		fi
		eap_line+="}"
	elif [ "$auth" = psk ]; then
		local_line="{id: $OPT_id, auth: psk, psk: \"$OPT_psk\"}"
		remote_line="{id: $OPT_remote_id, auth: psk}"
	else
		certs_for "$OPT_kind"
		install -m 600 "$CERT_DIR/cl-$OPT_kind.key" "$CL_DIR/$name.key"
		cp "$CERT_DIR/cl-$OPT_kind.pem" "$CL_DIR/$name.pem"
		cp "${OPT_ca:-$CERT_DIR/ca.pem}" "$CL_DIR/$name-ca.pem"
		local_line="{id: $OPT_id, auth: cert, cert: $CL_DIR/$name.pem, key: $CL_DIR/$name.key}"
		remote_line="{id: $OPT_remote_id, auth: cert, ca: $CL_DIR/$name-ca.pem${OPT_send_id:+, send-id: $OPT_send_id}}"
	fi
	(umask 077; cat >"$f" <<EOF
# written by the interop harness ($T_CASE)
connection: {name: $name, gateway: $OPT_gateway, force-encap: $OPT_force_encap}
local: $local_line
remote: $remote_line
$eap_line
ike: {proposals: $(yaml_list "${OPT_proposals:-aes256gcm16-prfsha384-ecp384}")}
esp: {proposals: $(yaml_list "${OPT_esp:-aes256gcm16}")}
traffic-selectors: {local: [dynamic], remote: ["$OPT_remote_ts"]}
ipv4: {method: auto, dns: auto}
resumption: {enabled: true}
${OPT_timers:+timers: {$OPT_timers\}}
EOF
	)
	chmod 600 "$f"
}

# eap_tls_profile NAME REMOTE [client_profile options]: a cert profile
# turned into local auth eap with EAP-TLS (the same certificate and key);
# REMOTE cert wants the gateway's signature, eap allows EAP-only.
eap_tls_profile() {
	local name=$1 remote=$2 f=$CL_DIR/profiles/$1.yaml
	shift 2
	client_profile "$name" cert "$@"
	sed -i -e 's/^local: {id: \([^,]*\), auth: cert,/local: {id: \1, auth: eap,/' \
		-e "s/^remote: {id: \([^,]*\), auth: cert,/remote: {id: \1, auth: $remote,/" "$f"
	grep -q "^remote: {id: [^,]*, auth: $remote," "$f" || fail "profile $name: no remote auth $remote"
	echo "eap: {method: tls}" >>"$f"
}

# ---------------------------------------------------------------- asserts

assert_gw_established() {
	wait_for 5 gw_sa_established ||
		fail "gateway has no ESTABLISHED IKE SA: $(gw_ctl --list-sas 2>&1)"
	log "gateway: IKE SA ESTABLISHED"
}

assert_gw_no_sa() {
	wait_for "${1:-10}" gw_no_sa ||
		fail "gateway still has an IKE SA: $(gw_ctl --list-sas 2>&1)"
	log "gateway: no IKE SA"
}

# Gateway's list-sas shows e.g. AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384.
assert_gw_algs() {
	local sas
	sas=$(gw_ctl --list-sas 2>&1)
	grep -qF -- "$1" <<<"$sas" ||
		fail "gateway IKE SA does not use $1: $sas"
	log "gateway: IKE SA uses $1"
}

assert_xfrm_empty() {
	local out
	out=$(xfrm_leftovers "$NS_CL")
	[ -z "$out" ] || fail "client xfrm state/policy not empty: $out"
	log "client namespace: no xfrm SA, no xfrm policy (socket policies aside)"
}

# The gateway log names how the client authenticated, e.g.
# "authentication of 'client@example.org' with ECDSA_WITH_SHA256_DER successful".
assert_gw_client_auth() { # ERE for the method (e.g. RSA, ECDSA, pre-shared key)
	assert_file_match "$GW_DIR/charon.log" \
		"authentication of '$CL_ID' with [^ ]*($1)[^ ]* successful" \
		"gateway did not authenticate the client with $1"
	log "gateway: client authenticated with $1"
}

gw_raw_sas() { gw_ctl --list-sas --raw 2>/dev/null; }

# gw_sa_field KEY: value of KEY=... in the first IKE SA of --raw output.
gw_sa_field() {
	gw_raw_sas | grep -o "[ {]$1=[^ }]*" | head -n 1 | cut -d= -f2
}

# status_shows_algs "AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/ECP_256":
# every algorithm name of the gateway's view (vpnd uses the same names,
# see src/common/names.c) and the key size must be in $VPNCTL_OUT.
assert_status_algs() {
	local IFS=/ part name size
	for part in $1; do
		name=${part%%-*}
		assert_match "$VPNCTL_OUT" "$name" "vpnctl status does not show $name"
		if [ "$name" != "$part" ]; then
			size=${part#*-}
			assert_match "$VPNCTL_OUT" "(^|[^0-9])$size([^0-9]|$)" \
				"vpnctl status does not show key size $size"
		fi
	done
	log "vpnctl status shows $1"
}

# connect_and_verify NAME GW_ALGS: connect, gateway ESTABLISHED with the
# expected algorithms, vpnctl status agrees (state, algorithms, SPI,
# virtual IP from the pool). Leaves the connect output in CONNECT_OUT and
# the status output in VPNCTL_OUT.
# vpnd's requests as charon parsed them carry no private-use notify:
# charon prints a notify type it does not know as N((NUMBER)) and its own
# private ones by name (BEET_MODE, ME_*, RADIUS, UNITY_LB). A private
# number means something only after a Vendor ID agreement, and strongSwan
# never shows vpnd's. The profiles ask for tickets, so IKE_AUTH is where
# vpnd's resumption notify would have gone.
assert_no_private_notify() {
	local lines bad
	lines=$(grep -E 'parsed [A-Z_]+ request [0-9]+ \[' "$GW_DIR/charon.log")
	grep -q 'parsed IKE_AUTH request .*N(TKT_REQ)' <<<"$lines" ||
		fail "gateway log shows no IKE_AUTH request with TICKET_REQUEST to check"
	bad=$(grep -E 'N\(\([0-9]+\)\)|N\((BEET_MODE|ME_[A-Z]+|RADIUS|UNITY_LB)\)' <<<"$lines")
	[ -z "$bad" ] || fail "vpnd sent strongSwan a private notify: $bad"
	log "gateway log: no private notify in vpnd's requests"
}

connect_and_verify() {
	local name=$1 algs=$2 spi
	vpnctl_connect "$name"
	CONNECT_OUT=$VPNCTL_OUT
	assert_connect_rc "vpnctl connect $name"
	assert_gw_established
	assert_no_private_notify
	assert_gw_algs "$algs"
	spi=$(gw_sa_field initiator-spi)
	vpnctl_status "$name"
	assert_rc 0 "vpnctl status $name"
	grep -qi established <<<"$VPNCTL_OUT" ||
		fail "vpnctl status does not say ESTABLISHED"
	assert_status_algs "$algs"
	grep -qi -- "$spi" <<<"$VPNCTL_OUT" ||
		fail "vpnctl status does not show the IKE SPI $spi the gateway has"
	assert_match "$VPNCTL_OUT" '203\.0\.113\.(1[0-9]|20)([^0-9]|$)' \
		"vpnctl status shows no virtual IP from the gateway's pool"
}

disconnect_and_verify() {
	vpnctl_disconnect "$1"
	assert_rc 0 "vpnctl disconnect $1"
	assert_gw_no_sa 10
	assert_vpnd_alive
	wait_for 5 xfrm_clean "$NS_CL" || assert_xfrm_empty
}

# The gateway could not install its ESP SAs (kernel without ESP, as on the
# development machine), so it refused the Child SA with NO_PROPOSAL_CHOSEN.
gw_esp_unavailable() {
	grep -q 'unable to add SAD entry' "$GW_DIR/charon.log" 2>/dev/null
}

# After connect_and_verify: the Child SA outcome must be reported. Without
# ESP in the kernel the gateway refuses it and vpnd must say so; with ESP
# the gateway's inbound SPI must show up in vpnctl status.
assert_child_reported() {
	local text spi
	text=$CONNECT_OUT$'\n'$VPNCTL_OUT$'\n'$(cat "$CL_DIR/vpnd.log" 2>/dev/null)
	if gw_esp_unavailable; then
		assert_match "$text" NO_PROPOSAL_CHOSEN \
			"vpnd does not report the Child SA refused with NO_PROPOSAL_CHOSEN"
		assert_match "$VPNCTL_OUT" "established, no tunnel: NO_PROPOSAL_CHOSEN" \
			"vpnctl status does not say there is no tunnel"
		log "vpnd reported the refused Child SA (no ESP in this kernel)"
	else
		spi=$(gw_sa_field spi-in)
		[ -n "$spi" ] || fail "gateway has no Child SA: $(gw_raw_sas)"
		grep -qi -- "$spi" <<<"$VPNCTL_OUT" ||
			fail "vpnctl status does not show the Child SA SPI $spi"
		log "vpnctl status shows the Child SA (SPI $spi)"
	fi
}
