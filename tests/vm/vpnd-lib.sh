# shellcheck shell=bash
# Helpers for the VM tests that run vpnd against the gateway of lib.sh
# (sourced after lib.sh, not executed): strongSwan, or libreswan's pluto
# with VMT_GATEWAY=libreswan; vpnd and vpnctl themselves come from
# tests/lib/vpnd.sh.  Each case sets CASE, and vpnd_connect_case sets
# CL_DIR and GW_DIR.  Needs VPND and VPNCTL (meson sets them;
# run-in-vm.sh passes them into the guest).

# shellcheck source=../lib/vpnd.sh
. "$VMT_LIB/vpnd.sh"
NS_CL=$VMT_CL
VPNCTL_WAIT=120

PINGS=${PINGS:-3}
PING=(ping)
command -v ping >/dev/null || PING=(busybox ping)
POOL=${POOL:-203.0.113.10-203.0.113.20}
# the gateway vpnd_connect_case starts: strongswan or libreswan
VMT_GATEWAY=${VMT_GATEWAY:-strongswan}

CASE=
CL_DIR=
GW_DIR=
PING_LOG=
# set by vpnd_connect_case
SPI_IN=
SPI_OUT=
VIP=
VPN_IF=
VPN_IF_INDEX=
# the gateway's IKE SA of the connect as "SPIi_SPIr" (gw_one_from or a
# test's own check sets it; for gw_moved and mobike-lib.sh)
IKE_SPIS=

# The tools and binaries every vpnd VM test needs; exits 1 without them.
vpnd_vm_preflight() {
	local tool v
	for tool in /usr/sbin/charon-systemd /usr/sbin/swanctl; do
		[ -x "$tool" ] || { echo "FAIL: [$VMT_NAME] missing $tool on the host" \
			"(apt-get install charon-systemd strongswan-swanctl)"; exit 1; }
	done
	for v in VPND VPNCTL; do
		[ -x "${!v:-/nonexistent}" ] || {
			echo "FAIL: [$VMT_NAME] $v not set or not executable" \
				"(run through meson test, or export $v=BUILD/...)"
			exit 1; }
	done
}

# ---------------------------------------------------------------- reporting

# Everything needed to understand a failure without rerunning it; a
# test's own show_context_more (if defined) adds to it.
show_context() {
	local f
	if [ -n "$PING_LOG" ] && [ -f "$PING_LOG" ]; then
		echo "----- ping output -----"
		cat "$PING_LOG"
	fi
	vpnctl_context
	# CL_DIR/charon.log: a strongSwan client's (tests/bench/mobike-bench.sh)
	for f in "$CL_DIR/vpnd.log" "$CL_DIR/charon.log" "$GW_DIR/charon.log"; do
		[ -f "$f" ] || continue
		echo "----- ${f#"$VMT_WORK"/} (tail, without vici chatter) -----"
		grep -v 'vici client' "$f" | tail -n 60
	done
	# pluto's debug lines ("NAME: | ...") would drown the interesting ones
	if [ -n "$GW_DIR" ] && [ -f "$GW_DIR/pluto.log" ]; then
		echo "----- ${GW_DIR#"$VMT_WORK"/}/pluto.log (tail, no debug lines) -----"
		ls_new_log "$GW_DIR" | grep -v '^[^|]*: |' | tail -n 60
		echo "----- whack --showstates / --trafficstatus -----"
		ls_states "$GW_DIR"
		ls_whack "$GW_DIR" --trafficstatus 2>&1
		tail -n 10 "$GW_DIR/stderr.log" 2>/dev/null
	fi
	for f in "$VMT_CL" "$VMT_GW"; do
		echo "----- ip -s xfrm state / ip xfrm policy in $f -----"
		ip -n "$f" -s xfrm state 2>&1
		ip -n "$f" xfrm policy 2>&1
	done
	if declare -F show_context_more >/dev/null; then
		show_context_more
	fi
	echo "-----"
}

# case_fail MESSAGE: prints the FAIL line and the context (fail, which
# returns here); the caller returns 1 so that the remaining cases still run.
case_fail() { fail "$@"; }

# ---------------------------------------------------------------- vpnd

# write_profile NAME ESP FORCE_ENCAP [EXTRA]: PSK profile for the gateway;
# EXTRA is appended as more YAML (e.g. a timers section).
write_profile() {
	local f=$CL_DIR/profiles/$1.yaml
	(umask 077; cat >"$f" <<EOF
# written by tests/vm/$VMT_NAME.sh ($CASE)
connection: {name: $1, gateway: 192.0.2.1, force-encap: $3}
local: {id: $VMT_CL_ID, auth: psk, psk: "$VMT_PSK"}
remote: {id: $VMT_GW_ID, auth: psk}
ike: {proposals: ["aes256gcm16-prfsha384-ecp384"]}
esp: {proposals: ["$2"]}
traffic-selectors: {local: [dynamic], remote: ["198.51.100.0/24"]}
ipv4: {method: auto, dns: auto}
${4:-}
EOF
	)
}

# status_spis TEXT: "IN OUT" from a vpnctl status text, empty if none.
status_spis() {
	sed -n 's/.*SPIs in \([0-9a-f]*\) out \([0-9a-f]*\).*/\1 \2/p' <<<"$1" |
		head -n1
}

# ---------------------------------------------------------------- xfrm

# gw_start DIR ESP: the gateway of VMT_GATEWAY in $VMT_GW, with ESP
# (vpnd's form of the proposal) as its ESP proposal and POOL.
gw_start() {
	case $VMT_GATEWAY in
	strongswan) vmt_start_gateway "$1" "$2" "$POOL" ;;
	libreswan)
		local esp
		case $2 in
		aes256gcm16) esp=aes_gcm256 ;;
		aes256-sha256) esp=aes256-sha2_256 ;;
		*) ls_err "gw_start: no libreswan form known for $2"; return 1 ;;
		esac
		vmt_start_ls_gateway "$1" "$esp" "$POOL" ;;
	*) echo "gw_start: VMT_GATEWAY=$VMT_GATEWAY?" >&2; return 1 ;;
	esac
}

# The gateway's SAs as its daemon lists them (for the FAIL lines).
gw_list() {
	case $VMT_GATEWAY in
	libreswan) ls_states "$GW_DIR" ;;
	*) vmt_swanctl "$VMT_GW" "$GW_DIR" --list-sas 2>&1 ;;
	esac
}

# gw_xfrm_leftovers: the xfrm SAs and policies in $VMT_GW (socket
# policies aside) that are not its daemon's own: pluto keeps a bypass
# for IPv6 neighbour discovery while it runs (ls_xfrm_leftovers).
gw_xfrm_leftovers() {
	if [ "$VMT_GATEWAY" = libreswan ]; then
		ls_xfrm_leftovers "$VMT_GW"
	else
		xfrm_leftovers "$VMT_GW"
	fi
}

gw_xfrm_clean() { [ -z "$(gw_xfrm_leftovers)" ]; }

# Fails closed: a gateway whose vici (or whack) does not answer has not
# "no SA".
gw_no_sa() {
	local out
	if [ "$VMT_GATEWAY" = libreswan ]; then
		ls_no_state "$GW_DIR" || return 1
	else
		out=$(vmt_swanctl "$VMT_GW" "$GW_DIR" --list-sas 2>/dev/null) || return 1
		! grep -q IKEv2 <<<"$out" || return 1
	fi
	[ -z "$(ip -n "$VMT_GW" xfrm state)" ]
}

# vip_in_cl VIP: is VIP an address of an interface in the client namespace?
vip_in_cl() {
	grep -Fq "inet $1/" <<<"$(ip -n "$VMT_CL" -o -4 addr show)"
}

vip_gone() { ! vip_in_cl "$1"; }

# vip_dev VIP: the interface in the client namespace that carries VIP.
vip_dev() {
	ip -n "$VMT_CL" -o -4 addr show | awk -v a="$1" '
		{ for (i = 1; i < NF; i++) if ($i == "inet" && index($(i + 1), a "/") == 1) print $2 }' |
		head -n1
}

# vpn_if_index DEV: its interface index in the client namespace.
vpn_if_index() {
	ip -n "$VMT_CL" -o link show dev "$1" 2>/dev/null | cut -d: -f1
}

vpn_if_gone() { ! ip -n "$VMT_CL" link show dev "$1" >/dev/null 2>&1; }

# vpn_if_packets DEV: "RX TX" packet counters of DEV (ip -s link).
vpn_if_packets() {
	ip -n "$VMT_CL" -s link show dev "$1" | awk '
		/^ *RX:/ { getline; rx = $2 }
		/^ *TX:/ { getline; tx = $2 }
		END { print rx + 0, tx + 0 }'
}

# check_vpn_if: the virtual IP is on vpnd's XFRM interface, not on the
# uplink (vmt-c); the route to the protected net goes through it; the
# interface's if_id is on every SA and policy of the tunnel.  Sets VPN_IF.
check_vpn_if() {
	local details if_id
	VPN_IF=$(vip_dev "$VIP")
	VPN_IF_INDEX=$(vpn_if_index "$VPN_IF")
	if [ -z "$VPN_IF" ] || [ "$VPN_IF" = vmt-c ]; then
		case_fail "the virtual IP $VIP is on '${VPN_IF:-nothing}', not on a VPN interface"
		return 1
	fi
	details=$(ip -n "$VMT_CL" -d link show dev "$VPN_IF")
	if_id=$(sed -n 's/.*xfrm .*if_id \(0x[0-9a-f]*\).*/\1/p' <<<"$details" | head -n1)
	[ -n "$if_id" ] ||
		{ case_fail "$VPN_IF is not an XFRM interface with an if_id: $details"; return 1; }
	grep -q "state UP\|,UP" <<<"$details" ||
		{ case_fail "$VPN_IF is not up: $details"; return 1; }
	ip -n "$VMT_CL" route get 198.51.100.1 | grep -q "dev $VPN_IF " ||
		{ case_fail "198.51.100.1 is not routed through $VPN_IF: $(ip -n "$VMT_CL" route)"; return 1; }
	[ "$(ip -n "$VMT_CL" xfrm state | grep -c "^src ")" = \
	  "$(ip -n "$VMT_CL" xfrm state | grep -c "if_id $if_id")" ] ||
		{ case_fail "not every ESP SA carries if_id $if_id: $(ip -n "$VMT_CL" xfrm state)"; return 1; }
	[ "$(ip -n "$VMT_CL" xfrm policy | grep -c "^src 198.51.100\|^src 203.0.113")" = \
	  "$(ip -n "$VMT_CL" xfrm policy | grep -c "if_id $if_id")" ] ||
		{ case_fail "not every tunnel policy carries if_id $if_id: $(ip -n "$VMT_CL" xfrm policy)"; return 1; }
	ip -n "$VMT_CL" -o addr show dev vmt-c | grep -q "$VIP" &&
		{ case_fail "the virtual IP is on the uplink too"; return 1; }
	vmt_log "  VPN interface $VPN_IF (XFRM, if_id $if_id) holds $VIP and the route; SAs and policies carry its if_id"
}

# ---------------------------------------------------------------- a case

# vpnd_connect_case NAME ESP FORCE_ENCAP [PROFILE_EXTRA]: fresh network,
# the gateway with ESP as esp_proposals, vpnd connected.  Checks that the
# Child SA is installed with the SPIs the kernel has, and that the virtual
# IP, its route and the DNS server are in place.  Sets CASE, CL_DIR,
# GW_DIR, SPI_IN, SPI_OUT and VIP.
vpnd_connect_case() {
	local esp=$2 encap=$3 extra=${4:-} status spis s kstate
	CASE=$1
	# shellcheck disable=SC2034 # the FAIL lines name the case
	T_CASE=$VMT_NAME/$CASE
	CL_DIR=$VMT_WORK/$CASE-cl
	GW_DIR=$VMT_WORK/$CASE-gw
	VPNCTL_OUT=
	PING_LOG=
	SPI_IN='' SPI_OUT='' VIP=''
	client_dir "$CL_DIR"
	vmt_log "case $CASE: esp $esp, force-encap $encap"

	vmt_setup_net || { case_fail "network setup failed"; return 1; }
	# VMT_NET_EXTRA: a command that adds to the network before vpnd
	# starts (e.g. a second uplink).
	if [ -n "${VMT_NET_EXTRA:-}" ] && ! "$VMT_NET_EXTRA"; then
		case_fail "network setup ($VMT_NET_EXTRA) failed"
		return 1
	fi
	# Real ESP or nothing: without it the case would fail later and
	# less clearly (or, worse, test something else).
	if ! kernel_has_esp "$VMT_CL" || ! kernel_has_esp "$VMT_GW"; then
		case_fail "this kernel cannot add an ESP SA (no esp4/AES-GCM):" \
			"the test needs real ESP (run it in the VM, run-in-vm.sh)"
		return 1
	fi
	# vpnd routes the remote network itself (via its virtual IP); the
	# harness's plain route is for the strongSwan self-test only.
	ip -n "$VMT_CL" route del 198.51.100.0/24 via 192.0.2.1 ||
		{ case_fail "cannot remove the harness route"; return 1; }
	gw_start "$GW_DIR" "$esp" ||
		{ case_fail "the $VMT_GATEWAY gateway did not start"; return 1; }
	write_profile "$CASE" "$esp" "$encap" "$extra"
	# DNS goes to resolved or resolvconf on a real host; VPND_DNS_FILE
	# keeps this test's copy private. With VMT_DNS_RESOLVED=1 vpnd uses
	# the private resolved the test started (its bus, rs_start of
	# tests/lib/resolved.sh, e.g. from VMT_NET_EXTRA), which the test
	# checks itself.
	if [ "${VMT_DNS_RESOLVED:-0}" = 1 ]; then
		[ -n "${DBUS_SYSTEM_BUS_ADDRESS:-}" ] ||
			{ case_fail "VMT_DNS_RESOLVED=1 but no private bus (rs_start)"; return 1; }
		VPND_ENV=("DBUS_SYSTEM_BUS_ADDRESS=$DBUS_SYSTEM_BUS_ADDRESS")
	else
		VPND_ENV=("VPND_DNS_FILE=$CL_DIR/dns.conf")
	fi
	vpnd_start || return 1

	vpnctl_run connect "$CASE"
	# 0 only with the Child SA, policies, virtual IP, routes and DNS in
	# place (4 would be "established, no tunnel").
	[ "$VPNCTL_RC" = 0 ] ||
		{ case_fail "vpnctl connect exited $VPNCTL_RC"; return 1; }
	grep -q "^$CASE is up: " <<<"$VPNCTL_OUT" ||
		{ case_fail "vpnctl connect does not say '$CASE is up'"; return 1; }
	vpnctl_run status "$CASE"
	status=$VPNCTL_OUT
	[ "$VPNCTL_RC" = 0 ] ||
		{ case_fail "vpnctl status exited $VPNCTL_RC"; return 1; }
	if ! grep -Eq 'child SA: ESP .*, installed' <<<"$status"; then
		case_fail "vpnctl status does not show the Child SA installed"
		return 1
	fi
	# The SPIs vpnd reports must be the ones in the kernel.
	spis=$(status_spis "$status")
	SPI_IN=${spis% *}
	SPI_OUT=${spis#* }
	kstate=$(ip -n "$VMT_CL" xfrm state)
	for s in "$SPI_IN" "$SPI_OUT"; do
		grep -Eq "spi 0x${s:-none}[( ]" <<<"$kstate" ||
			{ case_fail "Child SA SPI '$s' from vpnctl status is not in the kernel"
			  return 1; }
	done
	VIP=$(sed -n 's/^ *virtual IP: \(203\.0\.113\.[0-9]*\)\/.*/\1/p' <<<"$status" | head -n1)
	[ -n "$VIP" ] ||
		{ case_fail "vpnctl status shows no virtual IP from 203.0.113.0/24"; return 1; }
	vmt_log "  Child SA installed, SPIs in $SPI_IN out $SPI_OUT, virtual IP $VIP"

	wait_for 1 vip_in_cl "$VIP" ||
		{ case_fail "vpnd did not install the virtual IP $VIP"; return 1; }
	ip -n "$VMT_CL" route get 198.51.100.1 | grep -q "src $VIP" ||
		{ case_fail "no route to 198.51.100.0/24 from $VIP: $(ip -n "$VMT_CL" route)"; return 1; }
	vmt_log "  vpnd installed the virtual IP $VIP and the route with it as source"
	check_vpn_if || return 1
	[ "${VMT_DNS_RESOLVED:-0}" = 1 ] && return 0
	grep -q "198.51.100.53" "$CL_DIR/dns.conf" 2>/dev/null ||
		{ case_fail "vpnd did not hand over the gateway's DNS server"; return 1; }
}

# ping_vip: PINGS pings from the virtual IP to 198.51.100.1.
ping_vip() {
	if ! ip netns exec "$VMT_CL" "${PING[@]}" -c "$PINGS" -W 5 -I "$VIP" \
			198.51.100.1 >"$CL_DIR/ping.log" 2>&1; then
		PING_LOG=$CL_DIR/ping.log
		case_fail "ping -I $VIP 198.51.100.1 through the tunnel failed"
		return 1
	fi
	grep -E 'packets transmitted' "$CL_DIR/ping.log" | sed 's/^/  /'
}

# vpnd_disconnect_case: vpnctl disconnect, and afterwards neither vpnd
# nor the gateway may keep an SA, policy, DNS setting or the virtual IP.
vpnd_disconnect_case() {
	vpnctl_run disconnect "$CASE"
	[ "$VPNCTL_RC" = 0 ] ||
		{ case_fail "vpnctl disconnect exited $VPNCTL_RC"; return 1; }
	if ! wait_for 5 xfrm_clean "$VMT_CL"; then
		case_fail "vpnd left xfrm state/policy in $VMT_CL: $(xfrm_leftovers "$VMT_CL")"
		return 1
	fi
	if ! wait_for 10 gw_no_sa; then
		case_fail "gateway still has an SA after disconnect:" \
			"$(gw_list) $(ip -n "$VMT_GW" xfrm state)"
		return 1
	fi
	if [ -e "$CL_DIR/dns.conf" ]; then
		case_fail "vpnd left its DNS settings after disconnect"
		return 1
	fi
	if ! wait_for 3 vip_gone "$VIP"; then
		case_fail "vpnd installed the virtual IP $VIP but left it after disconnect"
		return 1
	fi
	if [ -n "$VPN_IF" ] && ! wait_for 3 vpn_if_gone "$VPN_IF"; then
		case_fail "vpnd left its VPN interface $VPN_IF after disconnect"
		return 1
	fi
	vpnd_alive || { case_fail "vpnd (pid $VPND_PID) died"; return 1; }
	vmt_log "  after disconnect: no xfrm SA/policy in $VMT_CL, no SA on the gateway"
	# Not a failure, but worth seeing in a passing run too.
	grep -E 'vpnd\[(warn|error)' "$CL_DIR/vpnd.log" | sed 's/^/  vpnd.log: /'
	return 0
}

# The strongSwan gateway's SAs (swanctl; gw_view and the functions after
# it do not fit VMT_GATEWAY=libreswan, whose test has pluto's own) in one
# snapshot, as
#   "IKE_SAS SPIi_SPIr INITIATOR REMOTE_HOST REMOTE_PORT CHILD_SAS
#    CHILD_STATE SPI_IN SPI_OUT"
# with the fields of the last IKE SA listed (meaningful when IKE_SAS is
# 1); INITIATOR is yes when the gateway started that IKE SA. The
# gateway's SPI_IN is vpnd's outbound SPI.
gw_view() {
	local raw
	raw=$(vmt_swanctl "$VMT_GW" "$GW_DIR" --list-sas --raw 2>/dev/null) ||
		return 1
	awk '
		function field(s, k,   v) {
			if (!match(s, "[ {]" k "=[^ }]*"))
				return "-"
			v = substr(s, RSTART + 1, RLENGTH - 1)
			sub(/^[^=]*=/, "", v)
			return v
		}
		/^list-sa event / {
			ikes++
			ike = $0
			kids = ""
			if ((p = index($0, " child-sas {")) > 0) {
				ike = substr($0, 1, p)
				kids = substr($0, p)
			}
			spis = field(ike, "initiator-spi") "_" field(ike, "responder-spi")
			ini = ike ~ /[ {]initiator=yes/ ? "yes" : "no"
			host = field(ike, "remote-host")
			port = field(ike, "remote-port")
			nkids = gsub(/[ {]spi-in=/, "&", kids)
			kst = field(kids, "state")
			kin = field(kids, "spi-in")
			kout = field(kids, "spi-out")
		}
		END {
			if (ikes)
				print ikes, spis, ini, host, port, nkids, kst, kin, kout
			else
				print 0
		}' <<<"$raw"
}

# the gateway's view of the last gw_one_from or gw_at (gw_view's line)
GW_VIEW=

# gw_one_from ADDR: after a connect the gateway has one IKE SA, with the
# client at ADDR.  Sets GW_VIEW and IKE_SPIS.
gw_one_from() {
	local n host
	GW_VIEW=$(gw_view)
	read -r n IKE_SPIS _ host _ <<<"$GW_VIEW"
	if [ "$n" != 1 ] || [ "$host" != "$1" ]; then
		case_fail "after connect the gateway should have one IKE SA from" \
			"$1: ${GW_VIEW:-nothing}"
		return 1
	fi
}

# gw_at ADDR: the gateway has one IKE SA, with the client at ADDR[4500].
# Sets GW_VIEW.
gw_at() {
	local n host port
	GW_VIEW=$(gw_view) || return 1
	read -r n _ _ host port _ <<<"$GW_VIEW"
	[ "$n" = 1 ] && [ "$host" = "$1" ] && [ "$port" = 4500 ]
}

# gw_moved WHAT TO: a MOBIKE move as the gateway sees it: within 5 s its
# one IKE SA is at TO[4500], with the SPIs IKE_SPIS ("SPIi_SPIr", as
# before the move: not a new SA) and one Child SA, installed, with the
# SPIs of the client's SPI_IN and SPI_OUT (the gateway's out and in).
gw_moved() {
	local what=$1 to=$2 spis host port kids kst kin kout
	if ! wait_for 5 gw_at "$to"; then
		case_fail "$what: the gateway does not show the IKE SA at" \
			"${to}[4500]: ${GW_VIEW:-nothing}"
		return 1
	fi
	read -r _ spis _ host port kids kst kin kout <<<"$GW_VIEW"
	[ "$spis" = "$IKE_SPIS" ] ||
		{ case_fail "$what: a new IKE SA instead of a move: $IKE_SPIS" \
			"-> $spis"; return 1; }
	if [ "$kids" != 1 ] || [ "$kst" != INSTALLED ] ||
			[ "$kin" != "$SPI_OUT" ] || [ "$kout" != "$SPI_IN" ]; then
		case_fail "$what: the gateway's Child SA changed: $kids Child" \
			"SA(s), $kst, SPIs in $kin out $kout; want 1, INSTALLED," \
			"in $SPI_OUT out $SPI_IN"
		return 1
	fi
	vmt_log "  gateway: the same IKE SA $spis at ${host}[$port], Child SA" \
		"in $kin out $kout $kst"
}
