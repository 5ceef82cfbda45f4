#!/bin/bash
# Harness self-test, run inside the VM by run-in-vm.sh: proves the guest
# kernel carries real ESP traffic between two strongSwan instances (the
# topology is described in lib.sh; later vpnd replaces the initiator).
#
# Three cases: ESP AES-GCM, ESP AES-CBC + HMAC-SHA2-256, and AES-GCM with
# forced UDP encapsulation.  Each pings 198.51.100.1 from the virtual IP
# through the tunnel and checks that every ESP SA counted the packets.
set -euo pipefail

VMT_NAME=selftest-esp
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
vmt_require_vm "$@"

for tool in /usr/sbin/charon-systemd /usr/sbin/swanctl; do
	[ -x "$tool" ] || { vmt_log "missing $tool on the host" \
		"(apt-get install charon-systemd strongswan-swanctl)"; exit 1; }
done
PINGS=3
PING=(ping)
command -v ping >/dev/null || PING=(busybox ping)
vmt_begin

# write_cl_conf DIR ESP_PROPOSALS ENCAP: strongSwan initiator asking for a
# virtual IP; encap=yes fakes NAT detection to force ESP-in-UDP.
write_cl_conf() {
	local dir=$1 esp=$2 encap=$3
	cat >"$dir/swanctl.conf" <<EOF
connections {
  home {
    local_addrs = 192.0.2.2
    remote_addrs = 192.0.2.1
    vips = 0.0.0.0
    encap = $encap
    local { auth = psk
      id = $VMT_CL_ID }
    remote { auth = psk
      id = $VMT_GW_ID }
    children { net { remote_ts = 198.51.100.0/24
        esp_proposals = $esp } }
  }
}
$(vmt_secrets_block)
EOF
}

# run_case NAME ESP_PROPOSALS ENCAP EXPECT_REGEX...: each regex must match
# the XFRM states of the two namespaces.
run_case() {
	local name=$1 esp=$2 encap=$3
	shift 3
	local gwdir=$VMT_WORK/$name-gw cldir=$VMT_WORK/$name-cl t0 vip
	t0=$(date +%s.%N)
	vmt_log "case $name: esp_proposals=$esp encap=$encap"
	vmt_setup_net
	vmt_start_gateway "$gwdir" "$esp" || return 1
	mkdir -p "$cldir"
	vmt_write_strongswan_conf "$cldir"
	write_cl_conf "$cldir" "$esp" "$encap"
	vmt_start_charon "$VMT_CL" "$cldir" || return 1

	if ! vmt_swanctl "$VMT_CL" "$cldir" --initiate --child net \
			--timeout 60 >"$cldir/initiate.log" 2>&1; then
		vmt_log "initiate failed:"
		tail -n 20 "$cldir/initiate.log"
		return 1
	fi
	vip=$(vmt_virtual_ip "$VMT_CL")
	[ -n "$vip" ] || { vmt_log "no virtual IP installed in $VMT_CL"; return 1; }
	vmt_log "  virtual IP $vip"

	vmt_sa_packets "$VMT_GW" >"$gwdir/before"
	vmt_sa_packets "$VMT_CL" >"$cldir/before"
	if ! ip netns exec "$VMT_CL" "${PING[@]}" -c "$PINGS" -W 5 -I "$vip" \
			198.51.100.1 >"$cldir/ping.log" 2>&1; then
		vmt_log "ping through the tunnel failed:"
		cat "$cldir/ping.log"
		return 1
	fi
	grep -E 'packets transmitted' "$cldir/ping.log" | sed 's/^/  /'
	vmt_sa_packets "$VMT_GW" >"$gwdir/after"
	vmt_sa_packets "$VMT_CL" >"$cldir/after"
	vmt_check_counters "$VMT_GW" "$gwdir/before" "$gwdir/after" "$PINGS" ||
		return 1
	vmt_check_counters "$VMT_CL" "$cldir/before" "$cldir/after" "$PINGS" ||
		return 1

	local state pat
	state=$(ip -n "$VMT_CL" xfrm state; ip -n "$VMT_GW" xfrm state)
	for pat in "$@"; do
		if ! grep -Eq "$pat" <<<"$state"; then
			vmt_log "xfrm state lacks /$pat/"
			return 1
		fi
	done
	if [ "$encap" = no ] && grep -q 'encap type' <<<"$state"; then
		vmt_log "unexpected UDP encapsulation"
		return 1
	fi
	vmt_log "case $name: OK ($(elapsed_since "$t0")s guest time)"
}

main() {
	local failed=0 passed=0 c f
	local cases=(
		"gcm|aes256gcm16|no|aead rfc4106\\(gcm\\(aes\\)\\)"
		"cbc|aes256-sha256|no|enc cbc\\(aes\\)|auth-trunc hmac\\(sha256\\)"
		"udpencap|aes256gcm16|yes|encap type espinudp sport 4500 dport 4500|aead rfc4106\\(gcm\\(aes\\)\\)"
	)
	for c in "${cases[@]}"; do
		IFS='|' read -r -a f <<<"$c"
		if run_case "${f[@]}"; then
			passed=$((passed + 1))
		else
			vmt_log "case ${f[0]}: FAILED"
			vmt_dump_logs
			failed=$((failed + 1))
		fi
		vmt_teardown
	done
	echo "selftest-esp: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

main
