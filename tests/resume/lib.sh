# shellcheck shell=bash
# Harness of the 'resume' suite: vpnd against three vpnd-testgw gateways of
# one secure domain (shared domain key and used-ticket directory), each in
# its own network namespace. Sourced by one script per case, and by
# tests/bench/resume-bench.sh.
#
# Network: a bridge in a "switch" namespace; gw1 192.0.2.1, gw2 192.0.2.2,
# gw3 192.0.2.3 (vpnd-testgw, PSK), client 192.0.2.10 (vpnd, ECDSA
# certificate from a CA made here with openssl). Namespaces are suffixed
# with the script's PID; everything lives in one temp dir.
#
# The EXIT trap stops what this script started, by PID, deletes the
# namespaces and the temp dir (RS_KEEP=1 keeps the temp dir).
# Exit codes follow meson: 0 pass, 1 fail, 77 skip (a failure if CI=true).
# Run by hand as root:
#   VPND=b/src/daemon/vpnd VPNCTL=b/src/vpnctl/vpnctl \
#   TESTGW=b/tests/testgw/vpnd-testgw TICKET_TOOL=b/tests/resume/ticket-tool \
#   bash tests/resume/resume-failover.sh

# shellcheck disable=SC2034 # read by tests/lib/common.sh
T_SUITE=resume T_CASE=${RS_CASE:-$(basename "${0%.sh}")} T_KEEP_VAR=RS_KEEP
T_TIME_FMT=%T.%3N
RS_HERE=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=../lib/common.sh
. "$RS_HERE/../lib/common.sh"
# shellcheck source=../lib/netns.sh
. "$RS_HERE/../lib/netns.sh"
# shellcheck source=../lib/vpnd.sh
. "$RS_HERE/../lib/vpnd.sh"
# shellcheck source=../lib/esp.sh
. "$RS_HERE/../lib/esp.sh"

T_LOG_TAG=resume-$T_CASE
NS_SW=rs-sw-$T_ID
NS_CL=rs-cl-$T_ID
GW_NAMES=(gw1 gw2 gw3)
declare -A GW_NS=([gw1]=rs-g1-$T_ID [gw2]=rs-g2-$T_ID [gw3]=rs-g3-$T_ID)
declare -A GW_IP=([gw1]=192.0.2.1 [gw2]=192.0.2.2 [gw3]=192.0.2.3)
declare -A GW_PID=()
CL_IP=192.0.2.10
GW_ID=gw.test
CL_ID=client.test
TEST_PSK=resume-test-psk-0123456789
GW_NET=198.51.100.0/24
PROFILE=rs
# The gateways the client profile lists, in order (a case may shorten it
# before client_profile, e.g. to make vpnd depend on announced backups).
PROFILE_GWS=(gw1 gw2 gw3)

CL_DIR=
# vpnctl stops waiting after RS_CONNECT_TIMEOUT seconds (exit 5).
VPNCTL_T=${RS_CONNECT_TIMEOUT:-30}

show_context() {
	local name
	[ -n "$T_TMP" ] || return 0
	for name in "${GW_NAMES[@]}"; do
		[ -f "$T_TMP/$name.events" ] || continue
		echo "---- $name events ----"
		cat "$T_TMP/$name.events"
		[ -s "$T_TMP/$name.log" ] &&
			tail_file "$T_TMP/$name.log" 15 "$name stderr (tail)"
	done
	if [ -n "$CL_DIR" ] && [ -f "$CL_DIR/vpnd.log" ]; then
		# the status polls of wait_status would crowd out the rest
		echo "---- vpnd.log (tail, without status requests) ----"
		grep -v "control: request 'status'$" "$CL_DIR/vpnd.log" | tail -n 80
	fi
	vpnctl_context
	echo "----"
}

# ---------------------------------------------------------------- set-up

require_env() {
	require_netns
	require_exe VPND VPNCTL TESTGW TICKET_TOOL
	require_tools openssl timeout
}

# A CA, and an ECDSA P-256 client certificate for client.test signed by it.
make_pki() {
	local d=$T_TMP/pki
	mkdir -p "$d" && chmod 700 "$d"
	(
		set -e
		cd "$d"
		umask 077
		openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
			-out ca.key
		openssl req -x509 -new -key ca.key -days 2 -sha256 \
			-subj "/CN=vpnd resume test CA" -out ca.pem \
			-addext "basicConstraints=critical,CA:TRUE" \
			-addext "keyUsage=critical,keyCertSign,cRLSign"
		openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
			-out client.key
		openssl req -new -key client.key -subj "/CN=$CL_ID" -out client.csr
		printf '%s\n' "basicConstraints=CA:FALSE" \
			"keyUsage=critical,digitalSignature" \
			"subjectAltName=DNS:$CL_ID" >client.ext
		openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key \
			-CAcreateserial -days 2 -sha256 -extfile client.ext \
			-out client.pem
		chmod 600 client.key
		chmod 644 ca.pem client.pem
	) >"$d/openssl.log" 2>&1 || fail "openssl: $(cat "$d/openssl.log")"
}

# The secure domain: one key and one used-ticket directory for all
# gateways. RS_SPLIT_DOMAIN=1 gives every gateway a key of its own, so no
# gateway can open another's tickets: a check that the cases fail then.
make_domain() {
	local name
	(umask 077; openssl rand -hex 32 >"$T_TMP/domain.key") ||
		fail "openssl rand"
	for name in "${GW_NAMES[@]}"; do
		if [ "${RS_SPLIT_DOMAIN:-0}" = 1 ]; then
			(umask 077; openssl rand -hex 32 >"$T_TMP/$name.key") ||
				fail "openssl rand"
		fi
	done
	chmod 600 "$T_TMP"/*.key
	mkdir -p "$T_TMP/domain" && chmod 700 "$T_TMP/domain"
	[ "${RS_SPLIT_DOMAIN:-0}" = 1 ] && log "RS_SPLIT_DOMAIN=1: every gateway has its own domain key"
	return 0
}

# The cleanup trap comes before anything is created, so that a
# half-built set-up is still torn down.
setup_net() {
	local name
	t_begin
	require_env
	CL_DIR=$T_TMP/cl
	client_dir "$CL_DIR"
	make_pki
	make_domain
	bridge_add "$NS_SW"
	bridge_host "$NS_SW" "$NS_CL" "vcl$T_ID" "wcl$T_ID" "$CL_IP/24"
	for name in "${GW_NAMES[@]}"; do
		bridge_host "$NS_SW" "${GW_NS[$name]}" "vg${name#gw}$T_ID" \
			"wg${name#gw}$T_ID" "${GW_IP[$name]}/24"
	done
	for name in "${GW_NAMES[@]}"; do
		netns_ping "$NS_CL" "${GW_IP[$name]}" "client -> $name over the bridge"
	done
	log "namespaces ready (client $NS_CL, gateways ${GW_NS[*]}), temp dir $T_TMP"
}

# ---------------------------------------------------------------- gateways

gw_key() { # NAME: the domain key file of that gateway
	if [ -f "$T_TMP/$1.key" ]; then
		echo "$T_TMP/$1.key"
	else
		echo "$T_TMP/domain.key"
	fi
}

# gw_start NAME [EXTRA vpnd-testgw OPTIONS...]: events are appended to
# $T_TMP/NAME.events, so a restarted gateway keeps one history (use
# gw_mark to look only at what came after a point).
gw_start() {
	local name=$1 mark
	shift
	[ -z "${GW_PID[$name]:-}" ] || fail "$name is already running"
	touch "$T_TMP/$name.events"
	mark=$(gw_mark "$name")
	ip netns exec "${GW_NS[$name]}" "$TESTGW" --listen "${GW_IP[$name]}" \
		--id "$GW_ID" --psk "$TEST_PSK" --client-ca "$T_TMP/pki/ca.pem" \
		--domain-key "$(gw_key "$name")" --domain-dir "$T_TMP/domain" \
		--vip4 "192.0.2.10${name#gw}" "$@" \
		>>"$T_TMP/$name.events" 2>>"$T_TMP/$name.log" </dev/null &
	GW_PID[$name]=$!
	track_pid "${GW_PID[$name]}"
	wait_for 10 gw_has "$name" "$mark" '^event=listening' ||
		fail "$name (vpnd-testgw $*) did not start: $(tail -n 5 "$T_TMP/$name.log")"
	log "$name: vpnd-testgw pid ${GW_PID[$name]} on ${GW_IP[$name]}${*:+ ($*)}"
}

# gw_kill NAME: SIGKILL, the way a gateway crashes.
gw_kill() {
	local name=$1 pid=${GW_PID[$1]:-}
	[ -n "$pid" ] || fail "gw_kill: $name is not running"
	kill_pid "$pid" || fail "$name (pid $pid) was already gone"
	unset "GW_PID[$name]"
	log "$name (pid $pid) killed with SIGKILL"
}

# gw_mute NAME: SIGUSR1 toggles vpnd-testgw's mute; from then on it drops
# every datagram but stays alive (a gateway that stopped answering).
gw_mute() {
	local name=$1 pid=${GW_PID[$1]:-} mark
	[ -n "$pid" ] || fail "gw_mute: $name is not running"
	mark=$(gw_mark "$name")
	kill -USR1 "$pid" 2>/dev/null || fail "$name (pid $pid) was already gone"
	wait_for 5 gw_has "$name" "$mark" '^event=mute on$' ||
		fail "$name (pid $pid) logged no 'event=mute on' after SIGUSR1"
	log "$name (pid $pid) muted with SIGUSR1"
}

# gw_stop NAME: SIGTERM, an orderly exit (between sub-cases).
gw_stop() {
	local name=$1 pid=${GW_PID[$1]:-}
	[ -n "$pid" ] || return 0
	stop_pid "$pid"
	unset "GW_PID[$name]"
	log "$name (pid $pid) stopped"
}

# gw_mark NAME: the number of event lines so far.
gw_mark() {
	local n
	n=$(wc -l <"$T_TMP/$1.events" 2>/dev/null) || n=0
	echo "${n:-0}"
}

# gw_events NAME [MARK]: event lines after line MARK.
gw_events() {
	tail -n +"$((${2:-0} + 1))" "$T_TMP/$1.events" 2>/dev/null
}

gw_has() { # NAME MARK ERE
	gw_events "$1" "$2" | grep -Eq -- "$3"
}

gw_count() { # NAME MARK ERE
	gw_events "$1" "$2" | grep -Ec -- "$3"
}

# gw_line NAME MARK ERE: line number (after MARK) of the first match.
gw_line() {
	gw_events "$1" "$2" | grep -nE -- "$3" | head -n 1 | cut -d: -f1
}

assert_gw_event() { # NAME MARK ERE WHAT [SECONDS]
	wait_for "${5:-5}" gw_has "$1" "$2" "$3" ||
		fail "$4: $1 logged no /$3/"
	log "ok: $4: $1: $(gw_events "$1" "$2" | grep -E -- "$3" | head -n 1)"
}

assert_no_gw_event() { # NAME MARK ERE WHAT
	gw_has "$1" "$2" "$3" &&
		fail "$4: $1 logged $(gw_events "$1" "$2" | grep -E -- "$3" | head -n 1)"
	log "ok: $4 (no /$3/ in $1's events)"
}

# assert_gw_order NAME MARK ERE1 ERE2 WHAT: ERE1 is logged before ERE2.
assert_gw_order() {
	local a b
	a=$(gw_line "$1" "$2" "$3")
	b=$(gw_line "$1" "$2" "$4")
	[ -n "$a" ] || fail "$5: $1 logged no /$3/"
	[ -n "$b" ] || fail "$5: $1 logged no /$4/"
	((a < b)) || fail "$5: in $1's events /$4/ (line $b) is not after /$3/ (line $a)"
	log "ok: $5"
}

# ---------------------------------------------------------------- sub-cases
# A script of several sub-cases runs each as: a fresh gw1, a full connect
# that stores a ticket, vpnd killed, something changed, a new vpnd and
# `vpnctl connect` (reconnect); SUB names the sub-case, M1 marks gw1's
# events before the reconnect.
SUB=
M1=

# sub_begin NAME MODE [gw1 OPTIONS...]: a fresh gw1, no ticket, a full
# connect that stores one, then vpnd is killed.
sub_begin() {
	local mode
	SUB=$1 mode=$2
	shift 2
	log "======== sub-case $SUB ========"
	[ -z "$VPND_PID" ] || vpnd_kill
	gw_stop gw1
	rm -f "$(ticket_file)"
	client_profile "$mode"
	gw_start gw1 --mode "$mode" "$@"
	vpnd_start
	M1=$(gw_mark gw1)
	vpnctl_run connect "$PROFILE"
	assert_connect_rc "[$SUB] first connect"
	assert_out "IKE SA established with .*$(re "${GW_IP[gw1]}")" "[$SUB] full handshake with gw1"
	assert_gw_event gw1 "$M1" '^event=ticket_issued gsc=0\b' "[$SUB] gw1 issued a ticket"
	assert_ticket_private
	vpnd_kill
}

# reconnect: a new vpnd and `vpnctl connect`; M1 marks gw1's events before.
reconnect() {
	vpnd_start
	M1=$(gw_mark gw1)
	vpnctl_run connect "$PROFILE"
	assert_connect_rc "[$SUB] connect"
}

# fell_back VPND_REASON_ERE: the connect ended in a full handshake with
# gw1 after the resume, and the connection is up.
fell_back() {
	assert_out "IKE SA established with .*$(re "${GW_IP[gw1]}")" \
		"[$SUB] established with gw1"
	final_line_has "; full handshake: .*($1)" "[$SUB] vpnd's final line names the reason for the full handshake"
	assert_no_out 'resumed with ticket' "[$SUB] not reported as resumed"
	assert_gw_event gw1 "$M1" '^event=ike_sa_init' "[$SUB] gw1 saw a full IKE_SA_INIT"
	assert_gw_event gw1 "$M1" '^event=ike_auth_ok method=sig resumed=0' \
		"[$SUB] gw1 verified the client's signature"
	for g in gw2 gw3; do
		assert_no_gw_event "$g" 0 '^event=(ike_sa_init|resume_)' \
			"[$SUB] $g was not contacted"
	done
	assert_gw_order gw1 "$M1" '^event=ike_sa_init' '^event=ticket_issued gsc=0\b' \
		"[$SUB] gw1 issued a new ticket in the full handshake"
	wait_for 5 test "$(ticket_field gsc)" = 0 ||
		fail "[$SUB] stored ticket has GSC '$(ticket_field gsc)', expected a new one with 0"
	wait_status 5 "[$SUB] status after the fallback" \
		'^rs: established' \
		"gateway: $(re "${GW_IP[gw1]}")\[500\]" \
		'gateway switch count: 0 \(full handshake; [1-9][0-9]* DH and [1-9][0-9]* signature operations\)'
}

# final_line_has ERE WHAT: the last line of vpnctl's output (the result,
# not a progress line) matches ERE.
final_line_has() {
	local last
	last=$(grep -v '^[[:space:]]*$' <<<"$VPNCTL_OUT" | tail -n 1)
	grep -Eq -- "$1" <<<"$last" || fail "$2: the final line '$last' has no /$1/"
	log "ok: $2: $last"
}

# ---------------------------------------------------------------- vpnd

# client_profile MODE [RESUME_ENABLED]: MODE rfc5723 or draft-gsc.
# RS_RESUME_OFF=1 (or RESUME_ENABLED=false) turns resumption off: used to
# show that the cases fail without it. RS_DPD_INTERVAL: seconds between
# liveness checks (default 1, for quick failover). RS_AUTH_FORM: the
# profile's 'resumption: auth' (unset: vpnd's default).
client_profile() {
	local mode=$1 enabled=${2:-true} f=$CL_DIR/profiles/$PROFILE.yaml
	local name gws=
	[ "${RS_RESUME_OFF:-0}" = 1 ] && enabled=false
	for name in "${PROFILE_GWS[@]}"; do
		gws+=${gws:+, }${GW_IP[$name]}
	done
	(umask 077; {
		echo "# written by tests/resume ($T_CASE)"
		echo "connection: {name: $PROFILE, gateway: [$gws]}"
		if [ -n "${RS_EAP_PASSWORD_FILE:-}" ]; then
			echo "local: {id: \"fqdn:$CL_ID\", auth: eap, psk: \"$TEST_PSK\"}"
			echo "eap: {method: mschapv2, identity: alice, password-file: $RS_EAP_PASSWORD_FILE}"
		else
			echo "local: {id: \"fqdn:$CL_ID\", auth: cert, cert: $T_TMP/pki/client.pem, key: $T_TMP/pki/client.key, psk: \"$TEST_PSK\"}"
		fi
		echo "remote: {id: \"fqdn:$GW_ID\", auth: psk}"
		echo "traffic-selectors: {local: [dynamic], remote: [\"$GW_NET\"]}"
		echo "ipv4: {method: auto}"
		echo "resumption: {enabled: $enabled, mode: $mode${RS_AUTH_FORM:+, auth: $RS_AUTH_FORM}}"
		echo "timers: {retransmit-timeout: 0.5, retransmit-base: 1.5, retransmit-tries: 2, dpd-interval: ${RS_DPD_INTERVAL:-1}}"
	} >"$f")
	chmod 600 "$f"
	vpnctl_check "$f"
	log "profile $PROFILE: gateways [$gws], resumption enabled=$enabled mode=$mode auth=${RS_AUTH_FORM:-default}"
}

# ---------------------------------------------------------------- ticket

ticket_file() { echo "$CL_DIR/state/tickets/$PROFILE.ticket"; }

# ticket_tool ARGS...: the ticket-tool on the client's store.
ticket_tool() {
	"$TICKET_TOOL" "$CL_DIR/state/tickets" "$PROFILE" "$@"
}

# ticket_field NAME: a field of `ticket-tool show` (gsc, expires-in, ...).
ticket_field() {
	ticket_tool show 2>/dev/null | sed -n "s/^$1: //p"
}

assert_ticket_private() {
	local f mode
	f=$(ticket_file)
	wait_for 5 test -f "$f" || fail "no stored ticket $f"
	mode=$(stat -c %a "$f")
	[ "$mode" = 600 ] || fail "ticket file $f has mode $mode, expected 600"
	log "ok: ticket file $f exists with mode $mode"
}
