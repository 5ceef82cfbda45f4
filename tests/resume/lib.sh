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

set -u
set -o pipefail
# shellcheck source=../lib/esp.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/esp.sh"

RS_CASE=${RS_CASE:-$(basename "${0%.sh}")}
RS_ID=$$
NS_SW=rs-sw-$RS_ID
NS_CL=rs-cl-$RS_ID
GW_NAMES=(gw1 gw2 gw3)
declare -A GW_NS=([gw1]=rs-g1-$RS_ID [gw2]=rs-g2-$RS_ID [gw3]=rs-g3-$RS_ID)
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

RS_TMP=
RS_NETNS=()
CL_DIR=
VPND_PID=
VPND_SOCK=
VPNCTL_OUT=
VPNCTL_RC=

# ---------------------------------------------------------------- messages

log() { printf '[resume-%s %s] %s\n' "$RS_CASE" "$(date +%T.%N | cut -c1-12)" "$*"; }

skip() {
	if [ "${CI:-}" = true ]; then
		echo "FAIL: [$RS_CASE] cannot run in CI: $*"
		exit 1
	fi
	echo "SKIP: $*"
	exit 77
}

show_context() {
	local name f
	[ -n "$RS_TMP" ] || return 0
	for name in "${GW_NAMES[@]}"; do
		f=$RS_TMP/$name.events
		[ -f "$f" ] || continue
		echo "---- $name events ----"
		cat "$f"
		if [ -s "$RS_TMP/$name.log" ]; then
			echo "---- $name stderr (tail) ----"
			tail -n 15 "$RS_TMP/$name.log"
		fi
	done
	if [ -n "$CL_DIR" ] && [ -f "$CL_DIR/vpnd.log" ]; then
		# the status polls of wait_status would crowd out the rest
		echo "---- vpnd.log (tail, without status requests) ----"
		grep -v "control: request 'status'$" "$CL_DIR/vpnd.log" | tail -n 80
	fi
	if [ -n "$VPNCTL_OUT" ]; then
		echo "---- last vpnctl output (exit $VPNCTL_RC) ----"
		printf '%s\n' "$VPNCTL_OUT"
	fi
	echo "----"
}

fail() {
	echo "FAIL: [$RS_CASE] $*"
	show_context
	exit 1
}

pass() {
	log "PASS"
	exit 0
}

# ---------------------------------------------------------------- cleanup

stop_pid() { # PID [SIGNAL]
	local pid=$1 sig=${2:-TERM} i
	[ -n "$pid" ] || return 0
	kill -"$sig" "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

rs_cleanup() {
	local rc=$? ns name
	trap - EXIT INT TERM HUP
	stop_pid "$VPND_PID"
	for name in "${!GW_PID[@]}"; do
		stop_pid "${GW_PID[$name]}"
	done
	for ns in "${RS_NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "$RS_TMP" ]; then
		if [ "${RS_KEEP:-0}" = 1 ]; then
			echo "kept $RS_TMP"
		else
			rm -rf "$RS_TMP"
		fi
	fi
	exit "$rc"
}

# wait_for SECONDS COMMAND...: polls every 0.1 s.
wait_for() {
	local n=$(($1 * 10))
	shift
	while ((n-- > 0)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# ---------------------------------------------------------------- set-up

require_env() {
	local v
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
	for v in VPND VPNCTL TESTGW TICKET_TOOL; do
		[ -x "${!v:-}" ] ||
			skip "$v not set or not executable (run through meson test)"
	done
	command -v openssl >/dev/null || skip "openssl missing"
	command -v timeout >/dev/null || skip "timeout missing"
	ip netns add "rs-probe-$RS_ID" 2>/dev/null || skip "'ip netns add' does not work here"
	ip netns del "rs-probe-$RS_ID"
}

# add_host NS IP TAG: a veth from NS to the bridge in the switch namespace.
add_host() {
	local ns=$1 ip=$2 tag=$3
	ip netns add "$ns" || fail "ip netns add $ns"
	RS_NETNS+=("$ns")
	ip -n "$ns" link set lo up
	ip link add "v$tag$RS_ID" type veth peer name "w$tag$RS_ID" netns "$NS_SW" ||
		fail "veth for $ns"
	ip link set "v$tag$RS_ID" netns "$ns" || fail "veth into $ns"
	ip -n "$NS_SW" link set "w$tag$RS_ID" master br0
	ip -n "$NS_SW" link set "w$tag$RS_ID" up
	ip -n "$ns" addr add "$ip/24" dev "v$tag$RS_ID"
	ip -n "$ns" link set "v$tag$RS_ID" up
}

# A CA, and an ECDSA P-256 client certificate for client.test signed by it.
make_pki() {
	local d=$RS_TMP/pki
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
	(umask 077; openssl rand -hex 32 >"$RS_TMP/domain.key") ||
		fail "openssl rand"
	for name in "${GW_NAMES[@]}"; do
		if [ "${RS_SPLIT_DOMAIN:-0}" = 1 ]; then
			(umask 077; openssl rand -hex 32 >"$RS_TMP/$name.key") ||
				fail "openssl rand"
		fi
	done
	chmod 600 "$RS_TMP"/*.key
	mkdir -p "$RS_TMP/domain" && chmod 700 "$RS_TMP/domain"
	[ "${RS_SPLIT_DOMAIN:-0}" = 1 ] && log "RS_SPLIT_DOMAIN=1: every gateway has its own domain key"
	return 0
}

# Installs the cleanup trap before anything is created, so that a
# half-built set-up is still torn down.
setup_net() {
	local name tag
	trap rs_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM HUP
	require_env
	RS_TMP=$(mktemp -d "/tmp/vpnd-resume-$RS_CASE.XXXXXX")
	chmod 700 "$RS_TMP"
	CL_DIR=$RS_TMP/cl
	mkdir -p "$CL_DIR/profiles" "$CL_DIR/state"
	chmod 700 "$CL_DIR" "$CL_DIR/profiles" "$CL_DIR/state"
	make_pki
	make_domain
	ip netns add "$NS_SW" || fail "ip netns add $NS_SW"
	RS_NETNS+=("$NS_SW")
	ip -n "$NS_SW" link add br0 type bridge || fail "bridge"
	ip -n "$NS_SW" link set br0 up
	add_host "$NS_CL" "$CL_IP" cl
	for name in "${GW_NAMES[@]}"; do
		tag=g${name#gw}
		add_host "${GW_NS[$name]}" "${GW_IP[$name]}" "$tag"
	done
	if command -v ping >/dev/null; then
		for name in "${GW_NAMES[@]}"; do
			ip netns exec "$NS_CL" ping -c 1 -W 2 "${GW_IP[$name]}" >/dev/null ||
				fail "no connectivity client -> $name over the bridge"
		done
	fi
	log "namespaces ready (client $NS_CL, gateways ${GW_NS[*]}), temp dir $RS_TMP"
}

# ---------------------------------------------------------------- gateways

gw_key() { # NAME: the domain key file of that gateway
	if [ -f "$RS_TMP/$1.key" ]; then
		echo "$RS_TMP/$1.key"
	else
		echo "$RS_TMP/domain.key"
	fi
}

# gw_start NAME [EXTRA vpnd-testgw OPTIONS...]: events are appended to
# $RS_TMP/NAME.events, so a restarted gateway keeps one history (use
# gw_mark to look only at what came after a point).
gw_start() {
	local name=$1 mark
	shift
	[ -z "${GW_PID[$name]:-}" ] || fail "$name is already running"
	touch "$RS_TMP/$name.events"
	mark=$(gw_mark "$name")
	ip netns exec "${GW_NS[$name]}" "$TESTGW" --listen "${GW_IP[$name]}" \
		--id "$GW_ID" --psk "$TEST_PSK" --client-ca "$RS_TMP/pki/ca.pem" \
		--domain-key "$(gw_key "$name")" --domain-dir "$RS_TMP/domain" \
		--vip4 "192.0.2.10${name#gw}" "$@" \
		>>"$RS_TMP/$name.events" 2>>"$RS_TMP/$name.log" </dev/null &
	GW_PID[$name]=$!
	wait_for 10 gw_has "$name" "$mark" '^event=listening' ||
		fail "$name (vpnd-testgw $*) did not start: $(tail -n 5 "$RS_TMP/$name.log")"
	log "$name: vpnd-testgw pid ${GW_PID[$name]} on ${GW_IP[$name]}${*:+ ($*)}"
}

# gw_kill NAME: SIGKILL, the way a gateway crashes.
gw_kill() {
	local name=$1 pid=${GW_PID[$1]:-}
	[ -n "$pid" ] || fail "gw_kill: $name is not running"
	kill -KILL "$pid" 2>/dev/null || fail "$name (pid $pid) was already gone"
	wait "$pid" 2>/dev/null
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
	n=$(wc -l <"$RS_TMP/$1.events" 2>/dev/null) || n=0
	echo "${n:-0}"
}

# gw_events NAME [MARK]: event lines after line MARK.
gw_events() {
	tail -n +"$((${2:-0} + 1))" "$RS_TMP/$1.events" 2>/dev/null
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
		echo "# written by tests/resume ($RS_CASE)"
		echo "connection: {name: $PROFILE, gateway: [$gws]}"
		echo "local: {id: \"fqdn:$CL_ID\", auth: cert, cert: $RS_TMP/pki/client.pem, key: $RS_TMP/pki/client.key, psk: \"$TEST_PSK\"}"
		echo "remote: {id: \"fqdn:$GW_ID\", auth: psk}"
		echo "traffic-selectors: {local: [dynamic], remote: [\"$GW_NET\"]}"
		echo "ipv4: {method: auto}"
		echo "resumption: {enabled: $enabled, mode: $mode${RS_AUTH_FORM:+, auth: $RS_AUTH_FORM}}"
		echo "timers: {retransmit-timeout: 0.5, retransmit-base: 1.5, retransmit-tries: 2, dpd-interval: ${RS_DPD_INTERVAL:-1}}"
	} >"$f")
	chmod 600 "$f"
	"$VPNCTL" check "$f" >"$CL_DIR/check.out" 2>&1 ||
		fail "vpnctl check $f: $(cat "$CL_DIR/check.out")"
	log "profile $PROFILE: gateways [$gws], resumption enabled=$enabled mode=$mode auth=${RS_AUTH_FORM:-default}"
}

# vpnd in the client namespace. `ip netns exec` runs it in a private mount
# namespace; the bind mount keeps any DNS change away from the host. Each
# vpnd appends to one vpnd.log.
vpnd_start() {
	VPND_SOCK=$CL_DIR/vpnd.sock
	rm -f "$VPND_SOCK"
	[ -f "$CL_DIR/resolv.conf" ] ||
		cp /etc/resolv.conf "$CL_DIR/resolv.conf" 2>/dev/null ||
		: >"$CL_DIR/resolv.conf"
	echo "==== vpnd started $(date +%T.%N) ====" >>"$CL_DIR/vpnd.log"
	# shellcheck disable=SC2016 # $1/$@ belong to the inner sh
	ip netns exec "$NS_CL" sh -c '
		mount --bind "$1" /etc/resolv.conf 2>/dev/null
		shift; exec "$@"' sh "$CL_DIR/resolv.conf" \
		"$VPND" -f -p "$CL_DIR/profiles" -s "$VPND_SOCK" \
		--state-dir "$CL_DIR/state" -d \
		>>"$CL_DIR/vpnd.log" 2>&1 </dev/null &
	VPND_PID=$!
	wait_for 10 test -S "$VPND_SOCK" ||
		fail "vpnd did not create its control socket $VPND_SOCK"
	log "vpnd pid $VPND_PID in $NS_CL"
}

# vpnd_kill: SIGKILL, which keeps the stored ticket.
vpnd_kill() {
	[ -n "$VPND_PID" ] || fail "vpnd_kill: vpnd is not running"
	kill -KILL "$VPND_PID" 2>/dev/null || fail "vpnd (pid $VPND_PID) was already gone"
	wait "$VPND_PID" 2>/dev/null
	log "vpnd (pid $VPND_PID) killed with SIGKILL"
	VPND_PID=
}

assert_vpnd_alive() {
	kill -0 "$VPND_PID" 2>/dev/null || fail "vpnd (pid $VPND_PID) is no longer running"
}

# vpnctl_run ARGS...: sets VPNCTL_OUT and VPNCTL_RC and shows the output.
# vpnctl stops waiting after RS_CONNECT_TIMEOUT seconds (exit 5).
vpnctl_run() {
	local t=${RS_CONNECT_TIMEOUT:-30}
	VPNCTL_OUT=$(timeout $((t + 20)) "$VPNCTL" -s "$VPND_SOCK" -t "$t" "$@" 2>&1)
	VPNCTL_RC=$?
	log "vpnctl $* -> exit $VPNCTL_RC"
	[ -n "$VPNCTL_OUT" ] && printf '%s\n' "$VPNCTL_OUT" | sed 's/^/    | /'
	return 0
}

vpnctl_quiet() {
	VPNCTL_OUT=$(timeout 20 "$VPNCTL" -s "$VPND_SOCK" -t 10 "$@" 2>&1)
	VPNCTL_RC=$?
}

assert_rc() { # EXPECTED WHAT
	[ "$VPNCTL_RC" = "$1" ] || fail "$2: expected exit $1, got $VPNCTL_RC"
}

assert_out() { # ERE WHAT
	grep -Eq -- "$1" <<<"$VPNCTL_OUT" || fail "$2: no /$1/ in the vpnctl output"
	log "ok: $2: $(grep -E -- "$1" <<<"$VPNCTL_OUT" | head -n 1 | sed 's/^ *//')"
}

assert_no_out() { # ERE WHAT
	grep -Eq -- "$1" <<<"$VPNCTL_OUT" &&
		fail "$2: unexpected /$1/ in the vpnctl output"
	log "ok: $2"
}

# status_has ERE: `vpnctl status` matches ERE (keeps VPNCTL_OUT).
status_has() {
	vpnctl_quiet status "$PROFILE"
	[ "$VPNCTL_RC" = 0 ] && grep -Eq -- "$1" <<<"$VPNCTL_OUT"
}

# status_all ERE...: `vpnctl status` matches every ERE (keeps VPNCTL_OUT).
status_all() {
	local r
	vpnctl_quiet status "$PROFILE"
	[ "$VPNCTL_RC" = 0 ] || return 1
	for r in "$@"; do
		grep -Eq -- "$r" <<<"$VPNCTL_OUT" || return 1
	done
}

# wait_status SECONDS WHAT ERE...: polls until the status matches every ERE.
wait_status() {
	local secs=$1 what=$2 re
	shift 2
	if ! wait_for "$secs" status_all "$@"; then
		for re in "$@"; do
			grep -Eq -- "$re" <<<"$VPNCTL_OUT" ||
				fail "$what: status lacks /$re/ after $secs s"
		done
		fail "$what: status did not match"
	fi
	log "ok: $what"
	printf '%s\n' "$VPNCTL_OUT" | sed 's/^/    | /'
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

# Escapes the dots of an IPv4 address for an ERE.
re() { printf '%s' "${1//./\\.}"; }
