# shellcheck shell=bash
# The libreswan interop cases (libreswan-*.sh): vpnd against a private
# libreswan 4.10 pluto (tests/lib/libreswan.sh) on the interop network of
# lib.sh (gateway namespace 192.0.2.1, client 192.0.2.2, gateway network
# 198.51.100.0/24, pool 203.0.113.10-20), with the vpnd profile of lib.sh.
# Sourced after nothing else; every case is one script.
#
# The gateway is conn "rw": PSK, @gw.example.org for client@example.org
# (ID_USER_FQDN), rightaddresspool 203.0.113.10-203.0.113.20 with DNS
# 198.51.100.53, ike=aes_gcm256-sha2_384-ecp384 (the profile's proposal;
# libreswan's default list has no AES-GCM with PRF-SHA384).
#
# On a kernel without ESP pluto cannot add its Child SA ("netlink
# response for Add SA ...: Function not implemented (errno 38)"): it
# answers IKE_AUTH with IDr, AUTH and N(TS_UNACCEPTABLE), keeps the IKE
# SA, and keeps the pool lease it took for the client, but sends no CP
# reply (the CP goes with the Child SA). vpnd then has no virtual IP; the
# cases check the lease on pluto's side instead, and vpnd's virtual IP
# against it where the kernel has ESP.
#
# What pluto 4.10 does in the rekeys (seen in the logs of these cases):
# - its own rekey ("initiating rekey to replace IKE SA #1", "initiator
#   rekeyed IKE SA #1"): its requests on the new SA carry the I bit, vpnd's
#   answers do not; 1 s later it deletes the old SA ("deleting state ...
#   and sending notification") and forgets it at once, so vpnd's answer
#   to that Delete is dropped ("INFORMATIONAL response has no
#   corresponding IKE SA"). ikelifetime=12s rekeymargin=6s is not clamped:
#   pluto rekeys an SA it answered at 12 - 6/2 = 9 s, one it made at 6 s.
# - vpnd's rekey ("responder rekeyed IKE SA #5"): the old SA goes when
#   vpnd's Delete arrives ("deleting state ... and NOT sending
#   notification"), within a few ms.
# - the pool lease stays with the connection instance across rekeys and
#   is given back when the last IKE SA goes.

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=../lib/libreswan.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/libreswan.sh"

LS_POOL=203.0.113.10-203.0.113.20
LS_DIR=

cleanup_hook() { ls_stop_all; }

# pluto's debug lines ("NAME: | ...") would drown the interesting ones.
show_context() {
	if [ -n "$LS_DIR" ] && [ -f "$LS_DIR/pluto.log" ]; then
		echo "---- pluto.log (tail, debug lines left out) ----"
		ls_new_log "$LS_DIR" | grep -v '^[^|]*: |' | tail -n 30
		echo "---- whack --showstates ----"
		ls_states "$LS_DIR" | tail -n 10
		tail_file "$LS_DIR/stderr.log" 10
	fi
	tail_file "$CL_DIR/vpnd.log" 60
	vpnctl_context
	echo "----"
}

pass_checks() { ls_assert_no_private_notify "$LS_DIR"; }

# lib.sh's setup_net calls this: the gateway here is pluto, not charon.
require_env() {
	require_netns
	require_tools timeout
	grep -qw overlay /proc/filesystems ||
		skip "no overlayfs (needed to run pluto privately)"
	ls_prepare || skip "cannot prepare the private libreswan"
}

# ---------------------------------------------------------------- gateway

# lsgw_conf FILE [KEY=VALUE...]: ipsec.conf with conn "rw" (ls_rw_conf
# of tests/lib/libreswan.sh for this network); each KEY=VALUE (e.g.
# ikelifetime=12s, mobike=yes) is one more line of the conn.
lsgw_conf() {
	local f=$1
	shift
	ls_rw_conf "$f" "$GW_IP" "$GW_ID" "$GW_NET" "$CL_ID" "$LS_POOL" "$@"
}

# lsgw_up [KEY=VALUE...]: writes the config and secrets, starts pluto in
# the gateway namespace with its state in $T_TMP/ls.
lsgw_up() {
	LS_DIR=$T_TMP/ls
	mkdir -p "$LS_DIR"
	lsgw_conf "$T_TMP/ls.conf" "$@"
	ls_psk_secrets "$T_TMP/ls.secrets" "$GW_ID" "$CL_ID" "$TEST_PSK"
	ls_start "$NS_GW" "$LS_DIR" "$T_TMP/ls.conf" "$T_TMP/ls.secrets" ||
		fail "pluto did not start"
	log "$(ls_version | cut -d" " -f1-2): pluto pid $(ls_pid "$LS_DIR") in $NS_GW${1:+ ($*)}"
}

# lsgw_restart [KEY=VALUE...]: stops pluto and starts it with a new conn.
lsgw_restart() {
	ls_stop "$LS_DIR"
	lsgw_up "$@"
}

lsgw_established() {
	ls_states "$LS_DIR" | grep -q "STATE_V2_ESTABLISHED_IKE_SA"
}

assert_lsgw_established() {
	wait_for 10 lsgw_established ||
		fail "pluto has no established IKE SA: $(ls_states "$LS_DIR")"
	log "ok: pluto: $(ls_states "$LS_DIR" | grep ESTABLISHED_IKE | head -n 1)"
}

assert_lsgw_no_state() {
	wait_for "${1:-10}" ls_no_state "$LS_DIR" ||
		fail "pluto still has states: $(ls_states "$LS_DIR")"
	log "ok: pluto has no IKE or Child SA left"
}

# ---------------------------------------------------------------- vpnd

# The IKE SPIs vpnctl status shows, as "SPIi_SPIr".
status_spis() {
	sed -n 's/^ *IKE SA: SPIs \([0-9a-f]*\)_i \([0-9a-f]*\)_r\(,.*\)\{0,1\}$/\1_\2/p' <<<"$VPNCTL_OUT"
}

vpnd_count() { grep -c -- "$1" "$CL_DIR/vpnd.log"; }

# connect_libreswan NAME: connect (exit 0 with ESP, 4 and TS_UNACCEPTABLE
# without), pluto established, status established with pluto's SPIs; a
# virtual IP from the pool only where the Child SA could be installed.
# Sets PROFILE, STATE, SPIS, LEASE, VIP and the counts of old SAs gone
# for wait_ike_rekey.
connect_libreswan() {
	PROFILE=$1
	GONE_gateway=$(vpnd_count "$GONE_BY_GATEWAY")
	GONE_us=$(vpnd_count "$GONE_BY_US")
	vpnctl_connect "$1"
	assert_connect_rc "vpnctl connect $1"
	assert_lsgw_established
	STATE=$(ls_ike_states "$LS_DIR" | tail -n 1)
	SPIS=$(ls_ike_spis "$LS_DIR" "$STATE") ||
		fail "no SPIs of IKE SA #$STATE in pluto's log (plutodebug=base?)"
	LEASE=$(ls_lease "$LS_DIR")
	[ -n "$LEASE" ] || fail "pluto leased no pool address to vpnd"
	vpnctl_status "$1"
	assert_rc 0 "vpnctl status $1"
	assert_out "^$1: established" "vpnctl status $1"
	[ "$(status_spis)" = "$SPIS" ] ||
		fail "vpnctl status shows SPIs $(status_spis), pluto's #$STATE has $SPIS"
	VIP=$(vip_of_status)
	check_vip "connect"
	log "ok: IKE SA #$STATE, SPIs $SPIS on both sides; pluto leased ${LEASE% *} to ${LEASE#* }"
}

# check_vip WHAT: with ESP vpnd has pluto's lease as its virtual IP;
# without, pluto sent no CP reply and vpnd has none.
check_vip() {
	if kernel_has_esp "$NS_CL"; then
		[ "$VIP" = "${LEASE% *}" ] ||
			fail "$1: vpnd's virtual IP '$VIP' is not pluto's lease ${LEASE% *}"
	else
		[ -z "$VIP" ] ||
			fail "$1: vpnd shows virtual IP $VIP although pluto sent no CP reply"
	fi
}

# ---------------------------------------------------------------- rekeys

# What vpnd logs when the old SA is gone: the gateway's DELETE after its
# rekey, or the answer to ours after our rekey.
GONE_BY_GATEWAY="(old SA): gateway deleted the IKE SA"
GONE_BY_US="(old SA): disconnected"
# shellcheck disable=SC2034 # read and set through ${!count} below
GONE_gateway=0 GONE_us=0
REKEY_BY=
NEW_STATE=
# pluto has exactly one established IKE SA and it is not #$STATE: the new
# one is up and the old one deleted.
pluto_rekeyed() {
	local s
	s=$(ls_ike_states "$LS_DIR")
	[ -n "$s" ] && [ "$(wc -l <<<"$s")" = 1 ] && [ "$s" != "$STATE" ] || return 1
	NEW_STATE=$s
}

# vpnd reported one more rekey by REKEY_BY, with pluto's new SPIs.
vpnd_has_rekey() {
	[ "$(vpnd_count "IKE SA rekeyed by $REKEY_BY: SPIs ${1%_*}_i ${1#*_}_r")" -gt 0 ]
}

status_shows() { # SPIi_SPIr
	vpnctl_quiet status "$PROFILE"
	[ "$(status_spis)" = "$1" ]
}

# wait_ike_rekey WHAT SECONDS BY (gateway | us): within SECONDS pluto's
# only IKE SA is a new one, made by the side BY (pluto logs "initiator
# rekeyed IKE SA #OLD" for its own rekey, "responder rekeyed" for
# vpnd's), with new SPIs; vpnd reports that rekey with the same SPIs,
# shows them in status, has deleted or seen deleted the old SA, stays
# established; the lease and the virtual IP stay the same.
wait_ike_rekey() {
	local what=$1 secs=$2 by=$3 role spis old_gone count=GONE_$3
	case $by in
	gateway) REKEY_BY="the gateway" role=initiator old_gone=$GONE_BY_GATEWAY ;;
	us) REKEY_BY=us role=responder old_gone=$GONE_BY_US ;;
	*) fail "wait_ike_rekey: BY is gateway or us, not $by" ;;
	esac
	wait_for "$secs" pluto_rekeyed ||
		fail "$what: pluto has no single new IKE SA within $secs s (had #$STATE): $(ls_states "$LS_DIR")"
	ls_log_grep "$LS_DIR" "$role rekeyed IKE SA #$STATE " ||
		fail "$what: pluto did not log '$role rekeyed IKE SA #$STATE'"
	spis=$(ls_ike_spis "$LS_DIR" "$NEW_STATE") ||
		fail "$what: no SPIs of IKE SA #$NEW_STATE in pluto's log"
	[ "$spis" != "$SPIS" ] || fail "$what: IKE SA #$NEW_STATE has the old SPIs $SPIS"
	wait_for 5 vpnd_has_rekey "$spis" ||
		fail "$what: vpnd did not report 'IKE SA rekeyed by $REKEY_BY: SPIs $spis'"
	wait_for 5 status_shows "$spis" ||
		fail "$what: vpnctl status shows SPIs $(status_spis), pluto's #$NEW_STATE has $spis"
	wait_for 5 test "$(vpnd_count "$old_gone")" -gt "${!count}" ||
		fail "$what: vpnd did not log '$old_gone' for the old SA"
	printf -v "$count" '%s' "$(vpnd_count "$old_gone")"
	assert_match "$VPNCTL_OUT" "^$PROFILE: established" "$what: vpnctl status"
	[ "$(ls_lease "$LS_DIR")" = "$LEASE" ] ||
		fail "$what: pluto's lease changed from '$LEASE' to '$(ls_lease "$LS_DIR")'"
	[ "$(vip_of_status)" = "$VIP" ] ||
		fail "$what: vpnd's virtual IP changed from '$VIP' to '$(vip_of_status)'"
	vpnd_alive || fail "$what: vpnd is no longer running"
	log "ok: $what: pluto's IKE SA #$NEW_STATE (was #$STATE, gone on both sides), SPIs $spis, $role on pluto's side; lease ${LEASE% *} kept"
	STATE=$NEW_STATE SPIS=$spis
}
