# shellcheck shell=bash
# Helpers for tests that run inside the test VM (sourced, not executed).
#
# Topology shared by the VM tests:
#
#   $VMT_CL (initiator; virtual IP from 203.0.113.0/24)
#     192.0.2.2 --veth-- 192.0.2.1  $VMT_GW (strongSwan responder)
#                                     dummy vmt-lan 198.51.100.1/24
#
# A test sets VMT_WORK (a private directory) and calls vmt_teardown on exit.
# The gateway side is meant to be reused when vpnd replaces the strongSwan
# initiator: vmt_setup_net + vmt_start_gateway, then run the client in $VMT_CL.

VMT_GW=${VMT_GW:-vmt-gw}
VMT_CL=${VMT_CL:-vmt-cl}
VMT_PSK=${VMT_PSK:-test-psk-0123456789abcdef}
VMT_GW_ID=gw.example.org
VMT_CL_ID=client@example.org
declare -A vmt_charon_pid=()

vmt_log() { echo "${VMT_NAME:-vm-test}: $*"; }

# Refuse to run on a kernel without ESP unless forced: the host's kernel
# would fail in confusing ways.
vmt_require_vm() {
	if [ "${VPND_IN_VM:-}" != 1 ] && [ "${1:-}" != --force ]; then
		echo "${VMT_NAME:-vm-test}: meant to run in the test VM" \
			"(run-in-vm.sh); --force runs it on this kernel" >&2
		exit 2
	fi
}

vmt_setup_net() {
	ip netns add "$VMT_GW" || return 1
	ip netns add "$VMT_CL" || return 1
	ip link add vmt-g type veth peer name vmt-c || return 1
	ip link set vmt-g netns "$VMT_GW" || return 1
	ip link set vmt-c netns "$VMT_CL" || return 1
	ip -n "$VMT_GW" addr add 192.0.2.1/24 dev vmt-g || return 1
	ip -n "$VMT_CL" addr add 192.0.2.2/24 dev vmt-c || return 1
	ip -n "$VMT_GW" link add vmt-lan type dummy || return 1
	ip -n "$VMT_GW" addr add 198.51.100.1/24 dev vmt-lan || return 1
	ip -n "$VMT_GW" link set lo up || return 1
	ip -n "$VMT_CL" link set lo up || return 1
	ip -n "$VMT_GW" link set vmt-g up || return 1
	ip -n "$VMT_GW" link set vmt-lan up || return 1
	ip -n "$VMT_CL" link set vmt-c up || return 1
	# Plain routes so that the route lookup succeeds before the XFRM
	# policy lookup; the policies are what divert packets into ESP.
	ip -n "$VMT_CL" route add 198.51.100.0/24 via 192.0.2.1 || return 1
	ip -n "$VMT_GW" route add 203.0.113.0/24 via 192.0.2.2 || return 1
}

# strongswan.conf for a private instance in DIR (see peers/strongswan.md);
# `resolve` stays off so no instance touches the shared resolv.conf.
vmt_write_strongswan_conf() {
	local dir=$1
	cat >"$dir/strongswan.conf" <<EOF
charon-systemd {
  load_modular = yes
  plugins {
    include /etc/strongswan.d/charon/*.conf
    vici { socket = unix://$dir/charon.vici }
    resolve { load = no }
  }
  filelog { log { path = $dir/charon.log
      default = 1
      ike = 2
      knl = 2
      cfg = 2 } }
  journal { default = -1 }
}
charon { plugins { vici { socket = unix://$dir/charon.vici }
    resolve { load = no } } }
swanctl { socket = unix://$dir/charon.vici }
EOF
}

vmt_secrets_block() {
	cat <<EOF
secrets { ike-1 { id-1 = $VMT_GW_ID
  id-2 = $VMT_CL_ID
  secret = "$VMT_PSK" } }
EOF
}

# vmt_write_gw_conf DIR ESP_PROPOSALS [POOL]: PSK responder handing out
# virtual IPs from POOL (default 203.0.113.0/24).
vmt_write_gw_conf() {
	local dir=$1 esp=$2 pool=${3:-203.0.113.0/24}
	cat >"$dir/swanctl.conf" <<EOF
connections {
  rw {
    local_addrs = 192.0.2.1
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
  dns = 198.51.100.53 } }
$(vmt_secrets_block)
EOF
}

# vmt_start_charon NS DIR: DIR holds strongswan.conf and swanctl.conf.
vmt_start_charon() {
	local ns=$1 dir=$2 _
	STRONGSWAN_CONF=$dir/strongswan.conf ip netns exec "$ns" \
		/usr/sbin/charon-systemd >"$dir/stdout.log" 2>&1 &
	vmt_charon_pid[$ns]=$!
	for _ in $(seq 300); do
		[ -S "$dir/charon.vici" ] && break
		kill -0 "${vmt_charon_pid[$ns]}" 2>/dev/null ||
			{ vmt_log "charon in $ns died"; return 1; }
		sleep 0.1
	done
	[ -S "$dir/charon.vici" ] ||
		{ vmt_log "charon in $ns: no vici socket"; return 1; }
	vmt_swanctl "$ns" "$dir" --load-all --file "$dir/swanctl.conf" \
		>"$dir/load.log" 2>&1 ||
		{ vmt_log "swanctl --load-all in $ns failed"; cat "$dir/load.log"
		  return 1; }
}

# vmt_swanctl NS DIR ARGS...: swanctl against the instance in DIR.
vmt_swanctl() {
	local ns=$1 dir=$2
	shift 2
	STRONGSWAN_CONF=$dir/strongswan.conf ip netns exec "$ns" swanctl "$@"
}

# vmt_start_gateway DIR ESP_PROPOSALS [POOL]: the responder in $VMT_GW.
vmt_start_gateway() {
	local dir=$1 esp=$2 pool=${3:-}
	mkdir -p "$dir"
	vmt_write_strongswan_conf "$dir"
	vmt_write_gw_conf "$dir" "$esp" "$pool"
	vmt_start_charon "$VMT_GW" "$dir"
}

vmt_stop_charon() {
	local ns=$1 pid=${vmt_charon_pid[$1]:-} _
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null || true
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	vmt_charon_pid[$ns]=
}

vmt_teardown() {
	vmt_stop_charon "$VMT_GW"
	vmt_stop_charon "$VMT_CL"
	ip netns del "$VMT_GW" 2>/dev/null || true
	ip netns del "$VMT_CL" 2>/dev/null || true
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
