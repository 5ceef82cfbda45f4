#!/bin/bash
# vpnd-testgw's IKE SA rekeying against a real implementation: strongSwan's
# charon (charon-systemd, swanctl) as the INITIATOR in the client
# namespace, vpnd-testgw as the gateway in the other. Not registered in
# meson; run by hand as root after building:
#
#   bash tests/testgw/selftest-ike-rekey.sh [initiator|gateway]
#
# VPND_TESTGW names the binary (default build/tests/testgw/vpnd-testgw).
# Cases, each with a fresh gateway and charon:
#   initiator  `swanctl --rekey --ike`: charon rekeys, the gateway answers;
#              new SPIs on both sides, the old SA deleted by charon.
#   gateway    vpnd-testgw --rekey-ike-after 3000: charon accepts the
#              gateway's rekey REKEYS times in a row (default 3), each
#              time new SPIs in `swanctl --list-sas`, the old SA gone.
# charon cannot install ESP here (no ESP in this kernel): the Child SA
# fails on charon's side and charon deletes it; the IKE SA is what is
# tested. MOBIKE is off so that charon stays on port 500, where the
# gateway listens. Uses tests/interop/lib.sh as it is (namespaces,
# private charon instances, cleanup by PID).

. "$(dirname "$0")/../interop/lib.sh"

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TESTGW=${VPND_TESTGW:-$ROOT/build/tests/testgw/vpnd-testgw}
REKEYS=${REKEYS:-3}
SW=
EV=

[ -x "$TESTGW" ] || skip "$TESTGW not built (ninja -C build)"

# charon as the initiator: PSK, a virtual IP, one Child SA it cannot
# install, no rekeying of its own (the cases say when).
sw_initiator_conf() {
	sw_mkdirs "$SW/swanctl"
	cat >"$SW/swanctl/swanctl.conf" <<EOF
connections {
  gw {
    remote_addrs = $GW_IP
    vips = 0.0.0.0
    proposals = aes256gcm16-prfsha256-ecp256
    mobike = no
    encap = no
    rekey_time = 0
    reauth_time = 0
    local {
      auth = psk
      id = $CL_ID
    }
    remote {
      auth = psk
      id = $GW_ID
    }
    children {
      net {
        remote_ts = $GW_NET
        esp_proposals = aes256gcm16
        rekey_time = 0
        start_action = none
      }
    }
  }
}
secrets {
  ike-1 {
    id-1 = $CL_ID
    id-2 = $GW_ID
    secret = "$TEST_PSK"
  }
}
EOF
}

gw_testgw_start() {
	local pid
	EV=$GW_DIR/events
	: >"$EV"
	ip netns exec "$NS_GW" "$TESTGW" --listen "$GW_IP" --port 500 \
		--id "$GW_ID" --psk "$TEST_PSK" --vip4 203.0.113.10 "$@" \
		>"$EV" 2>"$GW_DIR/testgw.log" </dev/null &
	pid=$!
	IT_PIDS+=("$pid")
	echo "$pid" >"$GW_DIR/testgw.pid"
	wait_for 5 grep -q '^event=listening' "$EV" ||
		fail_gw "vpnd-testgw did not start"
	log "vpnd-testgw started in $NS_GW (pid $pid): $*"
}

fail_gw() {
	echo "---- vpnd-testgw events ----"
	cat "$EV" 2>/dev/null
	echo "---- vpnd-testgw stderr (tail) ----"
	tail -n 20 "$GW_DIR/testgw.log" 2>/dev/null
	echo "---- charon list-sas ----"
	cl_ctl --list-sas 2>&1
	fail "$@"
}

cl_ctl() { sw_ctl "$NS_CL" "$SW" "$@"; }

# Count of lines in the event file matching an ERE.
ev_count() { grep -Ec -- "$1" "$EV" 2>/dev/null; }
ev_at_least() { [ "$(ev_count "$2")" -ge "$1" ]; }

# charon's IKE SAs: "initiator-spi responder-spi" per line, ESTABLISHED
# ones only (--raw prints one SA per line, fields key=value).
cl_sas() {
	cl_ctl --list-sas --raw 2>/dev/null |
		grep -o '\(^\|[ {]\)gw {[^{]*' |
		grep 'state=ESTABLISHED' |
		sed -E 's/.*initiator-spi=([0-9a-f]+).*responder-spi=([0-9a-f]+).*/\1 \2/'
}
cl_sa_count() { cl_ctl --list-sas --raw 2>/dev/null | grep -o 'gw {uniqueid=' | wc -l; }

# charon has exactly one IKE SA, the one with these SPIs.
cl_has_only() { [ "$(cl_sa_count)" = 1 ] && [ "$(cl_sas)" = "$1 $2" ]; }

# The SPIs of the last ike_rekeyed event: "spi_i spi_r".
last_rekey_spis() {
	grep '^event=ike_rekeyed' "$EV" | tail -n 1 |
		sed -E 's/.* spi_i=([0-9a-f]+) spi_r=([0-9a-f]+).*/\1 \2/'
}

bring_up() {
	SW=$CL_DIR/sw
	rm -rf "$SW"
	sw_write_conf "$SW"
	sw_initiator_conf
	sw_start "$NS_CL" "$SW"
	sw_load "$NS_CL" "$SW"
	cl_ctl --initiate --child net --timeout 20 >"$SW/initiate.log" 2>&1
	wait_for 10 ev_at_least 1 '^event=ike_auth_ok' ||
		fail_gw "no IKE_AUTH at the gateway"
	wait_for 10 test "$(cl_sa_count)" = 1 ||
		fail_gw "charon has no IKE SA"
	read -r SPI_I SPI_R <<<"$(cl_sas)"
	[ -n "$SPI_I" ] && [ -n "$SPI_R" ] || fail_gw "charon's IKE SA is not ESTABLISHED"
	log "IKE SA up: charon shows $SPI_I / $SPI_R"
	if grep -q 'unable to add SAD entry\|unable to install' "$SW/charon.log"; then
		log "charon could not install the Child SA (no ESP here), as expected"
	fi
}

tear_down() {
	local pid
	for pid in "$(cat "$GW_DIR/testgw.pid")" "$(cat "$SW/pid")"; do
		stop_pid "$pid"
	done
	rm -f "$SW/charon.vici"
}

# One rekey seen on both sides: event n of kind BY, new SPIs, charon
# holding exactly that SA, the old one deleted at the gateway.
check_rekey() {
	local n=$1 by=$2 new_i new_r
	wait_for 15 ev_at_least "$n" "^event=ike_rekeyed by=$by " ||
		fail_gw "rekey $n by $by not seen at the gateway"
	read -r new_i new_r <<<"$(last_rekey_spis)"
	[ "$new_i $new_r" != "$SPI_I $SPI_R" ] || fail_gw "rekey $n: the SPIs did not change"
	[ "$new_i" != "$SPI_I" ] && [ "$new_r" != "$SPI_R" ] ||
		fail_gw "rekey $n: an SPI was kept ($SPI_I/$SPI_R -> $new_i/$new_r)"
	wait_for 10 ev_at_least 1 "^event=ike_old_deleted by=$by spi_i=$SPI_I spi_r=$SPI_R" ||
		fail_gw "rekey $n: the old SA $SPI_I/$SPI_R was not deleted by the $by"
	wait_for 10 cl_has_only "$new_i" "$new_r" ||
		fail_gw "rekey $n: charon does not hold exactly the new SA $new_i/$new_r: $(cl_sas)"
	log "rekey $n by $by: $SPI_I/$SPI_R -> $new_i/$new_r; charon shows only the new SA; old SA deleted"
	SPI_I=$new_i
	SPI_R=$new_r
}

case_initiator() {
	local i
	log "== initiator: swanctl --rekey --ike, twice (the second one runs on the SA the first made)"
	gw_testgw_start
	bring_up
	for i in 1 2; do
		cl_ctl --rekey --ike gw >"$SW/rekey.log" 2>&1 ||
			fail_gw "swanctl --rekey --ike failed: $(cat "$SW/rekey.log")"
		check_rekey "$i" initiator
	done
	# the gateway stayed responder: charon's SPI is still SPIi
	grep -q "IKE_SA gw\[[0-9]*\] rekeyed between" "$SW/charon.log" ||
		fail_gw "charon's log does not say the IKE SA was rekeyed"
	[ "$(ev_count '^event=ike_rekey_refused')" = 0 ] || fail_gw "the gateway refused a rekey"
	tear_down
}

case_gateway() {
	local i
	log "== gateway: vpnd-testgw --rekey-ike-after 3000, $REKEYS rekeys"
	gw_testgw_start --rekey-ike-after 3000
	bring_up
	for ((i = 1; i <= REKEYS; i++)); do
		check_rekey "$i" gateway
	done
	[ "$(ev_count '^event=ike_rekey_failed')" = 0 ] ||
		fail_gw "a rekey of the gateway failed"
	[ "$(grep -c "IKE_SA gw\[[0-9]*\] rekeyed between" "$SW/charon.log")" -ge "$REKEYS" ] ||
		fail_gw "charon's log shows fewer than $REKEYS rekeys"
	log "charon accepted $REKEYS gateway-initiated IKE SA rekeys in a row"
	tear_down
}

setup_net
ONLY=${1:-}
[ -z "$ONLY" ] || [ "$ONLY" = initiator ] && case_initiator
[ -z "$ONLY" ] || [ "$ONLY" = gateway ] && case_gateway
pass
