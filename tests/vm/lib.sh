# shellcheck shell=bash
# Helpers for tests that run inside the test VM (sourced, not executed).
#
# Topology shared by the VM tests:
#
#   $VMT_CL (initiator; virtual IP from 203.0.113.0/24)
#     192.0.2.2 --veth-- 192.0.2.1  $VMT_GW (strongSwan or libreswan
#                                     responder)
#                                     dummy vmt-lan 198.51.100.1/24
#
# A test sets VMT_NAME, then sources this file and calls vmt_begin (the
# cleanup trap of tests/lib/common.sh, the work dir VMT_WORK); vmt_teardown
# ends a case's network.
# The gateway side is meant to be reused when vpnd replaces the strongSwan
# initiator: vmt_setup_net + vmt_start_gateway, then run the client in $VMT_CL.

# shellcheck disable=SC2034 # read by tests/lib/common.sh
T_SUITE=vm T_CASE=${VMT_NAME:-vm-test} T_KEEP_VAR=VPND_VM_KEEP
# A failure ends the case, not the script: the other cases still run.
T_FAIL_EXIT=0
VMT_LIB=$(dirname "${BASH_SOURCE[0]}")/../lib
# shellcheck source=../lib/common.sh
. "$VMT_LIB/common.sh"
# shellcheck source=../lib/netns.sh
. "$VMT_LIB/netns.sh"
# shellcheck source=../lib/strongswan.sh
. "$VMT_LIB/strongswan.sh"
# shellcheck source=../lib/esp.sh
. "$VMT_LIB/esp.sh"
# shellcheck source=../lib/libreswan.sh
. "$VMT_LIB/libreswan.sh"

VMT_GW=${VMT_GW:-vmt-gw}
VMT_CL=${VMT_CL:-vmt-cl}
VMT_PSK=${VMT_PSK:-test-psk-0123456789abcdef}
VMT_GW_ID=gw.example.org
VMT_CL_ID=client@example.org
# The charon instance (its DIR) started in each namespace.
declare -A vmt_charon_dir=()

vmt_log() { log "$*"; }

# Refuse to run on a kernel without ESP unless forced: the host's kernel
# would fail in confusing ways.
vmt_require_vm() {
	if [ "${VPND_IN_VM:-}" != 1 ] && [ "${1:-}" != --force ]; then
		echo "${VMT_NAME:-vm-test}: meant to run in the test VM" \
			"(run-in-vm.sh); --force runs it on this kernel" >&2
		exit 2
	fi
}

# vmt_begin: the cleanup trap and the private work dir VMT_WORK.
vmt_begin() {
	t_begin
	VMT_WORK=$T_TMP
}

vmt_setup_net() {
	netns_add "$VMT_GW" || return 1
	netns_add "$VMT_CL" || return 1
	veth_link "$VMT_GW" vmt-g 192.0.2.1/24 "$VMT_CL" vmt-c 192.0.2.2/24 ||
		return 1
	ip -n "$VMT_GW" link add vmt-lan type dummy || return 1
	netns_addr "$VMT_GW" vmt-lan 198.51.100.1/24 || return 1
	# Plain routes so that the route lookup succeeds before the XFRM
	# policy lookup; the policies are what divert packets into ESP.
	ip -n "$VMT_CL" route add 198.51.100.0/24 via 192.0.2.1 || return 1
	ip -n "$VMT_GW" route add 203.0.113.0/24 via 192.0.2.2 || return 1
}

# vmt_second_uplink [METRIC]: the second uplink of the MOBIKE tests, a
# veth between the namespaces,
#   $VMT_CL vmt-d $VMT_CL_IP2/25 --veth-- $VMT_GW_IP2/25 vmt-h $VMT_GW
# and in $VMT_CL a route to 192.0.2.0/24 through it at METRIC (500)
# with the source $VMT_CL_IP2, so that it takes over when
# the first uplink's address goes (the link stays up) and goes with its
# own address (the kernel drops a route whose source is deleted, also
# while a virtual IP keeps the interface addressed).
VMT_CL_IP2=203.0.113.130
VMT_GW_IP2=203.0.113.129
vmt_second_uplink() {
	veth_link "$VMT_GW" vmt-h "$VMT_GW_IP2/25" "$VMT_CL" vmt-d \
		"$VMT_CL_IP2/25" || return 1
	vmt_second_route "${1:-500}" || return 1
	vmt_log "  second uplink: $VMT_CL_IP2 -> $VMT_GW_IP2 (metric ${1:-500}" \
		"to 192.0.2.0/24)"
}

# vmt_second_route METRIC: that route (again, after its address came back).
vmt_second_route() {
	ip -n "$VMT_CL" route add 192.0.2.0/24 via "$VMT_GW_IP2" \
		src "$VMT_CL_IP2" metric "$1" ||
		{ fail "route to the gateway over the second uplink"; return 1; }
}

# strongswan.conf for a private instance in DIR (tests/lib/strongswan.sh).
vmt_write_strongswan_conf() { sw_write_conf "$1"; }

vmt_secrets_block() {
	cat <<EOF
secrets { ike-1 { id-1 = $VMT_GW_ID
  id-2 = $VMT_CL_ID
  secret = "$VMT_PSK" } }
EOF
}

# vmt_write_gw_conf DIR ESP_PROPOSALS [POOL]: PSK responder handing out
# virtual IPs from POOL (default 203.0.113.0/24) and the DNS server
# 198.51.100.53.  VMT_GW_RW_EXTRA, if set, is one more line for the
# connection (e.g. "rekey_time = 15s"), VMT_POOL_EXTRA one more for the
# pool (e.g. "25 = corp.example": INTERNAL_DNS_DOMAIN).
vmt_write_gw_conf() {
	local dir=$1 esp=$2 pool=${3:-203.0.113.0/24}
	cat >"$dir/swanctl.conf" <<EOF
connections {
  rw {
    local_addrs = 192.0.2.1${VMT_GW_RW_EXTRA:+
    $VMT_GW_RW_EXTRA}
    local { auth = psk
      id = $VMT_GW_ID }
    remote { auth = psk
      id = $VMT_CL_ID }
    children { net { local_ts = 198.51.100.0/24
        esp_proposals = $esp } }
    pools = p4
  }
}
pools { p4 { addrs = $pool
  dns = 198.51.100.53${VMT_POOL_EXTRA:+
  $VMT_POOL_EXTRA} } }
$(vmt_secrets_block)
EOF
}

# vmt_start_charon NS DIR: DIR holds strongswan.conf and swanctl.conf.
vmt_start_charon() {
	sw_start "$1" "$2" || return 1
	vmt_charon_dir[$1]=$2
	sw_load "$1" "$2" "$2/swanctl.conf"
}

# vmt_swanctl NS DIR ARGS...: swanctl against the instance in DIR.
vmt_swanctl() { sw_ctl "$@"; }

# vmt_start_gateway DIR ESP_PROPOSALS [POOL]: the responder in $VMT_GW.
vmt_start_gateway() {
	local dir=$1 esp=$2 pool=${3:-}
	mkdir -p "$dir"
	vmt_write_strongswan_conf "$dir"
	vmt_write_gw_conf "$dir" "$esp" "$pool"
	vmt_start_charon "$VMT_GW" "$dir"
}

# vmt_start_ls_gateway DIR ESP [POOL]: libreswan's pluto as the PSK
# responder in $VMT_GW instead of charon (ls_rw_conf of
# tests/lib/libreswan.sh: conn "rw" for 198.51.100.0/24, virtual IPs
# from POOL, default 203.0.113.10-203.0.113.20), its state in DIR, with
# esp=ESP (libreswan's syntax, e.g. aes_gcm256); no updown
# (ls_rw_conf), the routes to the pool are vmt_setup_net's. VMT_LS_CONN: more KEY=VALUE lines for the conn
# (e.g. mobike=yes).  ls_check first: in the VM ls_prepare cannot
# download (run-in-vm.sh --libreswan runs it on the host).  Errors go to
# stderr; the caller fails the case.
VMT_LS_CONN=()
vmt_start_ls_gateway() {
	local dir=$1 esp=$2 pool=${3:-203.0.113.10-203.0.113.20}
	ls_check || { ls_err "run the test through run-in-vm.sh --libreswan"
		return 1; }
	mkdir -p "$dir"
	ls_rw_conf "$dir.conf" 192.0.2.1 "$VMT_GW_ID" 198.51.100.0/24 \
		"$VMT_CL_ID" "$pool" "esp=$esp" "${VMT_LS_CONN[@]}" || return 1
	ls_psk_secrets "$dir.secrets" "$VMT_GW_ID" "$VMT_CL_ID" "$VMT_PSK" ||
		return 1
	ls_start "$VMT_GW" "$dir" "$dir.conf" "$dir.secrets" || return 1
	vmt_log "  $(ls_version | cut -d' ' -f1-2): pluto pid $(ls_pid "$dir")" \
		"in $VMT_GW (esp=$esp${VMT_LS_CONN[*]:+ ${VMT_LS_CONN[*]}})"
}

vmt_stop_charon() {
	[ -z "${vmt_charon_dir[$1]:-}" ] || sw_stop "${vmt_charon_dir[$1]}"
	vmt_charon_dir[$1]=
}

vmt_teardown() {
	ls_stop_all
	vmt_stop_charon "$VMT_GW"
	vmt_stop_charon "$VMT_CL"
	netns_del "$VMT_GW"
	netns_del "$VMT_CL"
}

# vmt_run_cases CLEANUP CASE...: each CASE is run_case's arguments joined
# by '|' (the first one names the case).  After every case, passed or
# failed, CLEANUP (a command without arguments) and vmt_teardown run, so
# the next case starts from nothing.  Prints the counts with the guest
# time; returns 0 only if every case passed.
vmt_run_cases() {
	local cleanup=$1 failed=0 passed=0 c f t0
	shift
	t0=$(date +%s.%N)
	for c in "$@"; do
		IFS='|' read -r -a f <<<"$c"
		if run_case "${f[@]}"; then
			passed=$((passed + 1))
		else
			vmt_log "case ${f[0]}: FAILED"
			failed=$((failed + 1))
		fi
		"$cleanup"
		vmt_teardown
	done
	echo "$VMT_NAME: $passed passed, $failed failed ($(elapsed_since "$t0")s guest time)"
	[ "$failed" -eq 0 ]
}

# The first virtual IP (203.0.113.x) present in namespace NS, if any.
vmt_virtual_ip() {
	ip -n "$1" -o -4 addr show | grep -o '203\.0\.113\.[0-9]*' | head -n1
}

# Prints "SRC>DST PACKETS" for each ESP SA in namespace NS.
vmt_sa_packets() {
	ip -n "$1" -s xfrm state | awk '
		/^src / { sa = $2 ">" $4 }
		/^[ \t]*[0-9]+\(bytes\), [0-9]+\(packets\)/ {
			n = $2; sub(/\(packets\).*/, "", n); print sa, n + 0 }'
}

# vmt_check_counters NS BEFORE AFTER MIN: NS must hold at least two SAs and
# each must have counted at least MIN more packets than in BEFORE.
vmt_check_counters() {
	local ns=$1 before=$2 after=$3 min=$4 sa n old ok=0 count=0
	while read -r sa n; do
		count=$((count + 1))
		old=$(awk -v s="$sa" '$1 == s { print $2 }' "$before")
		old=${old:-0}
		vmt_log "  $ns SA $sa: packets $old -> $n"
		[ $((n - old)) -ge "$min" ] || ok=1
	done <"$after"
	[ "$count" -ge 2 ] || { vmt_log "$ns has $count ESP SAs, want 2"; return 1; }
	return $ok
}

# Everything useful for a post-mortem: charon logs under VMT_WORK and the
# XFRM state of both namespaces.
vmt_dump_logs() {
	local d
	for d in "$VMT_WORK"/*/; do
		[ -f "$d/charon.log" ] || continue
		echo "----- ${d}charon.log (tail) -----"
		tail -n 40 "$d/charon.log" 2>/dev/null || true
		tail -n 10 "$d/stdout.log" 2>/dev/null || true
	done
	for d in "$VMT_GW" "$VMT_CL"; do
		echo "----- ip xfrm state/policy in $d -----"
		ip -n "$d" -s xfrm state 2>&1 || true
		ip -n "$d" xfrm policy 2>&1 || true
	done
}

# elapsed_since T0: seconds (one decimal) since T0 (date +%s.%N).
elapsed_since() {
	awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'
}
