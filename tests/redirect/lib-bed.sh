# shellcheck shell=bash
# The redirect test bed, shared by the vpnd cases (lib-vpnd.sh) and the
# test bed's own check (selftest-libreswan.sh); sourced after
# tests/lib/common.sh and netns.sh.
#
# Network: a bridge in a "switch" namespace, gw1 192.0.2.1, client
# 192.0.2.2, gw2 192.0.2.3; namespaces and links are suffixed with the
# PID. The gateways are private libreswan 4.10 plutos (tests/lib/libreswan.sh)
# with conn "rw"; both authenticate as @gw.example.org with the same PSK,
# so a client accepts either. The client is @client.example.org. The EXIT
# trap stops every pluto started here.

# shellcheck source=../lib/libreswan.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/libreswan.sh"

NS_SW=rv-sw-$T_ID
NS_GW1=rv-g1-$T_ID
NS_GW2=rv-g2-$T_ID
NS_CL=rv-cl-$T_ID
GW1_IP=192.0.2.1
CL_IP=192.0.2.2
GW2_IP=192.0.2.3
GW_ID=gw.example.org
CL_ID=client.example.org
TEST_PSK=test-psk-0123456789abcdef
GW_NET=198.51.100.0/24
# The directory that holds the gateways' state dirs (GW_BASE/gw1, ...).
GW_BASE=

cleanup_hook() { ls_stop_all; }

# require_bed: root, namespaces, overlayfs and the private libreswan.
require_bed() {
	require_netns
	grep -qw overlay /proc/filesystems || skip "no overlayfs (needed to run pluto privately)"
	ls_prepare || skip "cannot prepare the private libreswan"
	log "$(ls_version) from $LS_ROOT"
}

# setup_bed: the switch and the three hosts, checked with a ping from
# the client to each gateway (after t_begin).
setup_bed() {
	bridge_add "$NS_SW"
	bridge_host "$NS_SW" "$NS_GW1" "vg1$T_ID" "wg1$T_ID" "$GW1_IP/24"
	bridge_host "$NS_SW" "$NS_CL" "vcl$T_ID" "wcl$T_ID" "$CL_IP/24"
	bridge_host "$NS_SW" "$NS_GW2" "vg2$T_ID" "wg2$T_ID" "$GW2_IP/24"
	netns_ping "$NS_CL" "$GW1_IP" "client -> gw1 over the bridge"
	netns_ping "$NS_CL" "$GW2_IP" "client -> gw2 over the bridge"
	log "namespaces $NS_SW $NS_GW1 $NS_CL $NS_GW2 ready, temp dir $T_TMP"
}

# pluto_context NAME...: for show_context; pluto's debug lines
# ("NAME: | ...") would drown the interesting ones.
pluto_context() {
	local name d
	[ -n "$GW_BASE" ] || return 0
	for name in "$@"; do
		d=$GW_BASE/$name
		[ -f "$d/pluto.log" ] || continue
		echo "---- $name pluto.log (tail, debug lines left out) ----"
		ls_new_log "$d" | grep -v '^[^|]*: |' | tail -n 25
		echo "---- $name whack --showstates ----"
		ls_whack "$d" --showstates 2>&1 | grep -v '^000 *$' | tail -n 10
	done
}

# ---------------------------------------------------------------- gateways

# conf_lines "k=v k=v ...": one tab-indented ipsec.conf line per word
# (no value used here contains a blank).
conf_lines() {
	local words w
	read -ra words <<<"$1"
	for w in "${words[@]}"; do
		printf '\t%s\n' "$w"
	done
}

# gw_conf FILE LOCAL_IP "SETUP LINES" "CONN LINES": conn "rw" accepts the
# client from anywhere. plutodebug=base: pluto names the REDIRECTED_FROM
# it receives only in debug lines.
gw_conf() {
	local f=$1 ip=$2 setup=$3 conn=$4
	{
		printf 'config setup\n'
		printf '\tprotostack=xfrm\n\tplutodebug=base\n\tuniqueids=no\n'
		conf_lines "$setup"
		printf '\nconn rw\n'
		printf '\tikev2=insist\n\tauthby=secret\n'
		printf '\tleft=%s\n\tleftid=@%s\n\tleftsubnet=%s\n' "$ip" "$GW_ID" "$GW_NET"
		printf '\tright=%%any\n\trightid=@%s\n' "$CL_ID"
		# Must match the clients' proposal: libreswan's default list
		# has no AES-GCM with PRF SHA-384.
		printf '\tike=aes_gcm256-sha2_384-ecp384\n'
		conf_lines "$conn"
		printf '\tauto=add\n'
	} >"$f"
}

# gw_secrets FILE: the PSK for the gateway and client identities.
gw_secrets() {
	(umask 077
	 printf '@%s @%s : PSK "%s"\n' "$GW_ID" "$CL_ID" "$TEST_PSK" >"$1")
}

# gw_up NAME NS IP "SETUP" "CONN": pluto state in $GW_BASE/NAME.
gw_up() {
	local name=$1 ns=$2 ip=$3
	mkdir -p "$GW_BASE/$name"
	gw_conf "$GW_BASE/$name.conf" "$ip" "$4" "$5"
	gw_secrets "$GW_BASE/$name.secrets"
	ls_start "$ns" "$GW_BASE/$name" "$GW_BASE/$name.conf" "$GW_BASE/$name.secrets" ||
		fail "pluto for $name did not start"
	log "$name: pluto pid $(ls_pid "$GW_BASE/$name") in $ns ($ip)${4:+ setup: $4}${5:+ conn: $5}"
}

# gw1_up / gw2_up "SETUP" "CONN": that gateway in its namespace.
gw1_up() { gw_up gw1 "$NS_GW1" "$GW1_IP" "$@"; }
gw2_up() { gw_up gw2 "$NS_GW2" "$GW2_IP" "$@"; }

gw_dir() { echo "$GW_BASE/$1"; }
