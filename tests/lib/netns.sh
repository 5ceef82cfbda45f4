# shellcheck shell=bash
# Network namespaces and links for the shell suites (sourced after
# common.sh). Every namespace made here is deleted on exit; every address
# must lie in the documentation ranges the tests may use:
# 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 and 2001:db8::/32.
# The functions report through fail and return 1 on error.

# test_addr ADDR[/LEN]: status 0 iff ADDR is in one of the test ranges.
test_addr() {
	case ${1%/*} in
	192.0.2.* | 198.51.100.* | 203.0.113.*) return 0 ;;
	2001:[dD][bB]8:*) return 0 ;;
	esac
	return 1
}

# require_netns: skip unless `ip netns add` works here (root, iproute2).
require_netns() {
	require_root
	require_tools ip
	ip netns add "vpnd-probe-$T_ID" 2>/dev/null ||
		skip "'ip netns add' does not work here"
	ip netns del "vpnd-probe-$T_ID"
}

# netns_add NAME: a namespace with lo up, deleted on exit.
netns_add() {
	ip netns add "$1" || { fail "ip netns add $1"; return 1; }
	T_NETNS+=("$1")
	ip -n "$1" link set lo up
}

# netns_del NAME: deletes it now (and forgets it).
netns_del() {
	local n keep=()
	ip netns del "$1" 2>/dev/null || :
	for n in "${T_NETNS[@]}"; do
		[ "$n" = "$1" ] || keep+=("$n")
	done
	T_NETNS=("${keep[@]}")
}

# netns_addr NS DEV ADDR/LEN: adds a test address and sets DEV up.
netns_addr() {
	test_addr "$3" || { fail "$3 is not in a test address range"; return 1; }
	ip -n "$1" addr add "$3" dev "$2" ||
		{ fail "ip -n $1 addr add $3 dev $2"; return 1; }
	ip -n "$1" link set "$2" up
}

# veth_link NS_A DEV_A ADDR_A/LEN NS_B DEV_B ADDR_B/LEN: a veth pair from
# NS_A to NS_B, both ends up with their address (an empty ADDR: none).
veth_link() {
	local a=$1 da=$2 ipa=$3 b=$4 db=$5 ipb=$6
	ip link add "$da" netns "$a" type veth peer name "$db" netns "$b" ||
		{ fail "veth $da ($a) - $db ($b)"; return 1; }
	if [ -n "$ipa" ]; then netns_addr "$a" "$da" "$ipa" || return 1
	else ip -n "$a" link set "$da" up; fi
	if [ -n "$ipb" ]; then netns_addr "$b" "$db" "$ipb" || return 1
	else ip -n "$b" link set "$db" up; fi
}

# bridge_add NS: namespace NS (a "switch") with the bridge br0 up.
bridge_add() {
	netns_add "$1" || return 1
	ip -n "$1" link add br0 type bridge || { fail "bridge in $1"; return 1; }
	ip -n "$1" link set br0 up
}

# bridge_host SWITCH NS DEV PORT ADDR/LEN: a new namespace NS joined to
# SWITCH's br0 by a veth (DEV in NS with ADDR, PORT on the bridge).
bridge_host() {
	local sw=$1 ns=$2 dev=$3 port=$4 addr=$5
	netns_add "$ns" || return 1
	veth_link "$ns" "$dev" "$addr" "$sw" "$port" "" || return 1
	ip -n "$sw" link set "$port" master br0 ||
		{ fail "$port into br0 of $sw"; return 1; }
}

# netns_ping NS IP WHAT: one ping from NS to IP must pass (skipped
# without ping(8)).
netns_ping() {
	command -v ping >/dev/null || return 0
	ip netns exec "$1" ping -c 1 -W 2 "$2" >/dev/null ||
		{ fail "no connectivity: $3"; return 1; }
}
