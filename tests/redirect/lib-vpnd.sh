# vpnd against private libreswan 4.10 gateways (lib-libreswan.sh): the
# harness shared by the redirect-libreswan-* cases, one case per script.
#
# Network (as in selftest-libreswan.sh): a bridge in a "switch" namespace,
# gw1 192.0.2.1, client 192.0.2.2 (vpnd), gw2 192.0.2.3. Both gateways
# authenticate as @gw.example.org with the same PSK, so the vpnd profile
# accepts either. The client is @client.example.org.
#
# Every case gets its own namespaces (suffixed with the PID), temp dir and
# processes; the EXIT trap stops the plutos and vpnd it started, deletes
# the namespaces and the temp dir (RD_KEEP=1 keeps the temp dir).
#
# Exit codes follow meson: 0 pass, 1 fail, 77 skip (a failure if CI=true).
# Run by hand as root:
#   VPND=build/src/daemon/vpnd VPNCTL=build/src/vpnctl/vpnctl bash tests/redirect/init.sh

set -u
set -o pipefail

RD_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$RD_HERE/lib-libreswan.sh"
# shellcheck source=../lib/esp.sh
. "$RD_HERE/../lib/esp.sh"

RD_CASE=$(basename "${0%.sh}")
RD_ID=$$
NS_SW=rv-sw-$RD_ID
NS_GW1=rv-g1-$RD_ID
NS_GW2=rv-g2-$RD_ID
NS_CL=rv-cl-$RD_ID
GW1_IP=192.0.2.1
CL_IP=192.0.2.2
GW2_IP=192.0.2.3
GW_ID=gw.example.org
CL_ID=client.example.org
TEST_PSK=test-psk-0123456789abcdef
GW_NET=198.51.100.0/24

RD_TMP=
RD_NETNS=()
CL_DIR=
VPND_PID=
VPND_SOCK=
VPNCTL_OUT=
VPNCTL_RC=

# ---------------------------------------------------------------- messages

log() { printf '[redirect-libreswan-%s %s] %s\n' "$RD_CASE" "$(date +%T)" "$*"; }

skip() {
	if [ "${CI:-}" = true ]; then
		echo "FAIL: [$RD_CASE] cannot run in CI: $*"
		exit 1
	fi
	echo "SKIP: $*"
	exit 77
}

# pluto's debug lines ("NAME: | ...") would drown the interesting ones.
show_context() {
	local name f
	for name in gw1 gw2; do
		[ -n "$RD_TMP" ] || continue
		f=$RD_TMP/$name/pluto.log
		[ -f "$f" ] || continue
		echo "---- $name pluto.log (tail, debug lines left out) ----"
		ls_new_log "$RD_TMP/$name" | grep -v '^[^|]*: |' | tail -n 25
		echo "---- $name whack --showstates ----"
		ls_whack "$RD_TMP/$name" --showstates 2>&1 | grep -v '^000 *$' | tail -n 10
	done
	if [ -n "$CL_DIR" ] && [ -f "$CL_DIR/vpnd.log" ]; then
		echo "---- vpnd.log (tail) ----"
		tail -n 60 "$CL_DIR/vpnd.log"
	fi
	if [ -n "$VPNCTL_OUT" ]; then
		echo "---- last vpnctl output (exit $VPNCTL_RC) ----"
		printf '%s\n' "$VPNCTL_OUT"
	fi
	echo "----"
}

fail() {
	echo "FAIL: [$RD_CASE] $*"
	show_context
	exit 1
}

# vpnd's requests as the plutos summarised them ("processing decrypted
# IKE_AUTH request: SK{IDi,...,N(TICKET_REQUEST)}") carry no private-use
# notify: 40960 is pluto's own NULL_AUTH, and a private number means
# something only after a Vendor ID agreement, which libreswan never makes
# with vpnd. The summary leaves out numbers pluto does not know; its debug
# log names them ("status notification 50640 is unknown"). The profiles
# ask for tickets, so every IKE_AUTH request is where vpnd's resumption
# notify would have gone. Run by pass().
assert_no_private_notify() {
	local lines auth bad
	lines=$(cat "$RD_TMP"/gw*/pluto.log 2>/dev/null |
		grep -E '(matching|processing decrypted) [A-Z_]+ request: ')
	auth=$(grep -E 'IKE_AUTH request: SK\{' <<<"$lines")
	if [ -n "$auth" ]; then
		grep -q 'N(TICKET_REQUEST)' <<<"$auth" ||
			fail "no IKE_AUTH request with TICKET_REQUEST in the gateway logs: $(head -n 1 <<<"$auth")"
	fi
	bad=$(grep -oE 'N\([^)]*\)' <<<"$lines" | sort -u |
		grep -vE '^N\([A-Z][A-Z0-9_]*\)$|^N\(NULL_AUTH\)$' || true)
	bad+=$(grep -oE 'N\(NULL_AUTH\)' <<<"$lines" | head -n 1)
	bad+=$(cat "$RD_TMP"/gw*/pluto.log 2>/dev/null |
		grep -oE 'status notification (4(09[6-9]|[1-9][0-9])[0-9]{2}|[5-6][0-9]{4}) is [a-z ]+' |
		head -n 1)
	[ -z "$bad" ] || fail "vpnd sent libreswan a private notify: $bad"
	log "ok: no private notify in vpnd's requests (${auth:+IKE_AUTH checked, }$(grep -c . <<<"$lines") request lines)"
}

pass() {
	assert_no_private_notify
	log "PASS"
	exit 0
}

# ---------------------------------------------------------------- cleanup

stop_pid() {
	local pid=$1 i
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

rd_cleanup() {
	local rc=$? ns
	trap - EXIT INT TERM HUP
	stop_pid "$VPND_PID"
	ls_stop_all
	for ns in "${RD_NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "$RD_TMP" ]; then
		if [ "${RD_KEEP:-0}" = 1 ]; then
			echo "kept $RD_TMP"
		else
			rm -rf "$RD_TMP"
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

# ---------------------------------------------------------------- network

require_env() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
	[ -x "${VPND:-}" ] ||
		skip "VPND not set or not executable (run through meson test)"
	[ -x "${VPNCTL:-}" ] ||
		skip "VPNCTL not set or not executable (run through meson test)"
	command -v timeout >/dev/null || skip "timeout missing"
	ip netns add "rv-probe-$RD_ID" 2>/dev/null || skip "'ip netns add' does not work here"
	ip netns del "rv-probe-$RD_ID"
	grep -qw overlay /proc/filesystems || skip "no overlayfs (needed to run pluto privately)"
	ls_prepare || skip "cannot prepare the private libreswan"
	log "$(ls_version) from $LS_ROOT"
}

# add_host NS IP TAG: a veth from NS to the bridge in the switch namespace.
add_host() {
	local ns=$1 ip=$2 tag=$3
	ip netns add "$ns" || fail "ip netns add $ns"
	RD_NETNS+=("$ns")
	ip -n "$ns" link set lo up
	ip link add "v$tag$RD_ID" type veth peer name "w$tag$RD_ID" netns "$NS_SW" ||
		fail "veth for $ns"
	ip link set "v$tag$RD_ID" netns "$ns"
	ip -n "$NS_SW" link set "w$tag$RD_ID" master br0
	ip -n "$NS_SW" link set "w$tag$RD_ID" up
	ip -n "$ns" addr add "$ip/24" dev "v$tag$RD_ID"
	ip -n "$ns" link set "v$tag$RD_ID" up
}

# Installs the cleanup trap before anything is created, so that a
# half-built setup is still torn down.
setup_net() {
	trap rd_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM HUP
	require_env
	RD_TMP=$(mktemp -d "/tmp/vpnd-redirect-$RD_CASE.XXXXXX")
	chmod 700 "$RD_TMP"
	CL_DIR=$RD_TMP/cl
	mkdir -p "$CL_DIR/profiles" "$CL_DIR/state"
	chmod 700 "$CL_DIR/profiles" "$CL_DIR/state"
	ip netns add "$NS_SW" || fail "ip netns add $NS_SW"
	RD_NETNS+=("$NS_SW")
	ip -n "$NS_SW" link add br0 type bridge || fail "bridge"
	ip -n "$NS_SW" link set br0 up
	add_host "$NS_GW1" "$GW1_IP" g1
	add_host "$NS_CL" "$CL_IP" cl
	add_host "$NS_GW2" "$GW2_IP" g2
	if command -v ping >/dev/null; then
		ip netns exec "$NS_CL" ping -c 1 -W 2 "$GW1_IP" >/dev/null ||
			fail "no connectivity client -> gw1 over the bridge"
		ip netns exec "$NS_CL" ping -c 1 -W 2 "$GW2_IP" >/dev/null ||
			fail "no connectivity client -> gw2 over the bridge"
	fi
	log "namespaces $NS_SW $NS_GW1 $NS_CL $NS_GW2 ready, temp dir $RD_TMP"
}

# ---------------------------------------------------------------- gateways

# conf_lines "k=v k=v ...": one tab-indented ipsec.conf line per word.
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
		# Must match the vpnd profile: libreswan's default list has
		# no AES-GCM with PRF SHA-384.
		printf '\tike=aes_gcm256-sha2_384-ecp384\n'
		conf_lines "$conn"
		printf '\tauto=add\n'
	} >"$f"
}

# gw_up NAME NS IP "SETUP" "CONN": pluto state in $RD_TMP/NAME.
gw_up() {
	local name=$1 ns=$2 ip=$3
	gw_conf "$RD_TMP/$name.conf" "$ip" "$4" "$5"
	(umask 077
	 printf '@%s @%s : PSK "%s"\n' "$GW_ID" "$CL_ID" "$TEST_PSK" >"$RD_TMP/$name.secrets")
	ls_start "$ns" "$RD_TMP/$name" "$RD_TMP/$name.conf" "$RD_TMP/$name.secrets" ||
		fail "pluto for $name did not start"
	log "$name: pluto pid $(ls_pid "$RD_TMP/$name") in $ns ($ip)${4:+ setup: $4}${5:+ conn: $5}"
}

gw1_up() { gw_up gw1 "$NS_GW1" "$GW1_IP" "$@"; }
gw2_up() { gw_up gw2 "$NS_GW2" "$GW2_IP" "$@"; }

gw_dir() { echo "$RD_TMP/$1"; }

# gw_established NAME: the gateway has an established IKE SA with the client.
gw_established() {
	local out
	out=$(ls_established "$RD_TMP/$1") || return 1
	grep -q "peer=$CL_IP:" <<<"$out"
}

# gw_states NAME: every state pluto has (IKE and Child, half-open too).
gw_states() {
	ls_whack "$RD_TMP/$1" --showstates 2>/dev/null | grep -E '^[0-9]* *#[0-9]+:'
}

# Fails closed: a pluto that does not answer has not "no SA".
gw_no_state() {
	local out
	out=$(ls_whack "$RD_TMP/$1" --showstates 2>/dev/null) || return 1
	! grep -qE '^[0-9]* *#[0-9]+:' <<<"$out"
}

assert_gw_established() { # NAME
	wait_for 10 gw_established "$1" ||
		fail "$1 has no established IKE SA with the client: $(gw_states "$1")"
	log "ok: $1 has an established IKE SA: $(ls_established "$RD_TMP/$1")"
}

assert_gw_no_state() { # NAME [SECONDS]
	wait_for "${2:-10}" gw_no_state "$1" ||
		fail "$1 still has states: $(gw_states "$1")"
	log "ok: $1 has no IKE or Child SA (no state at all)"
}

assert_gw_saw_redirected_from() { # NAME
	ls_saw_redirected_from "$RD_TMP/$1" ||
		fail "$1 did not receive REDIRECTED_FROM"
	log "ok: $1 received REDIRECTED_FROM"
}

# gw_log_line NAME ERE: number of the first line of pluto.log matching ERE.
gw_log_line() {
	grep -nE -- "$2" "$RD_TMP/$1/pluto.log" 2>/dev/null | head -n 1 | cut -d: -f1
}

# ---------------------------------------------------------------- vpnd

# client_profile NAME [REDIRECT SECTION LINES...]: PSK, gateway gw1, the
# proposal the gateways have, no virtual IP (libreswan here has no pool).
# RD_REDIRECT_LINES (lines separated by ";"), if set, replaces the case's
# redirect section: it exists to check that a case can fail, e.g.
#   RD_REDIRECT_LINES="enabled: false" RD_CONNECT_TIMEOUT=15 bash init.sh
client_profile() {
	local name=$1 f=$CL_DIR/profiles/$1.yaml line lines
	shift
	if [ -n "${RD_REDIRECT_LINES+set}" ]; then
		IFS=';' read -ra lines <<<"$RD_REDIRECT_LINES"
		set -- "${lines[@]}"
		log "redirect section replaced by RD_REDIRECT_LINES: $RD_REDIRECT_LINES"
	fi
	(umask 077; {
		echo "# written by tests/redirect ($RD_CASE)"
		echo "connection: {name: $name, gateway: $GW1_IP}"
		echo "local: {id: \"fqdn:$CL_ID\", auth: psk, psk: \"$TEST_PSK\"}"
		echo "remote: {id: \"fqdn:$GW_ID\", auth: psk}"
		echo "ike: {proposals: [aes256gcm16-prfsha384-ecp384]}"
		echo "esp: {proposals: [aes256gcm16]}"
		echo "traffic-selectors: {local: [\"$CL_IP/32\"], remote: [\"$GW_NET\"]}"
		echo "ipv4: {method: disabled}"
		echo "resumption: {enabled: true}"
		if (($#)); then
			echo "redirect:"
			for line in "$@"; do
				echo "  ${line# }"
			done
		fi
	} >"$f")
	chmod 600 "$f"
	"$VPNCTL" check "$f" >"$CL_DIR/check.out" 2>&1 ||
		fail "vpnctl check $f: $(cat "$CL_DIR/check.out")"
}

# vpnd in the client namespace. `ip netns exec` runs it in a private mount
# namespace; the bind mount keeps any DNS change away from the host.
vpnd_start() {
	VPND_SOCK=$CL_DIR/vpnd.sock
	cp /etc/resolv.conf "$CL_DIR/resolv.conf" 2>/dev/null || : >"$CL_DIR/resolv.conf"
	# shellcheck disable=SC2016 # $1/$@ belong to the inner sh
	ip netns exec "$NS_CL" sh -c '
		mount --bind "$1" /etc/resolv.conf 2>/dev/null
		shift; exec "$@"' sh "$CL_DIR/resolv.conf" \
		"$VPND" -f -p "$CL_DIR/profiles" -s "$VPND_SOCK" \
		--state-dir "$CL_DIR/state" -d \
		>"$CL_DIR/vpnd.log" 2>&1 </dev/null &
	VPND_PID=$!
	wait_for 10 test -S "$VPND_SOCK" ||
		fail "vpnd did not create its control socket $VPND_SOCK"
	log "vpnd pid $VPND_PID in $NS_CL"
}

assert_vpnd_alive() {
	kill -0 "$VPND_PID" 2>/dev/null || fail "vpnd (pid $VPND_PID) is no longer running"
	log "ok: vpnd (pid $VPND_PID) is still running"
}

# vpnctl_run ARGS...: sets VPNCTL_OUT and VPNCTL_RC and shows the output.
# vpnctl stops waiting after RD_CONNECT_TIMEOUT seconds (exit 5).
vpnctl_run() {
	local t=${RD_CONNECT_TIMEOUT:-60}
	VPNCTL_OUT=$(timeout $((t + 20)) "$VPNCTL" -s "$VPND_SOCK" -t "$t" "$@" 2>&1)
	VPNCTL_RC=$?
	log "vpnctl $* -> exit $VPNCTL_RC"
	[ -n "$VPNCTL_OUT" ] && printf '%s\n' "$VPNCTL_OUT" | sed 's/^/    | /'
	return 0
}

vpnctl_quiet() {
	VPNCTL_OUT=$(timeout 20 "$VPNCTL" -s "$VPND_SOCK" "$@" 2>&1)
	VPNCTL_RC=$?
}

assert_rc() { # EXPECTED WHAT
	[ "$VPNCTL_RC" = "$1" ] || fail "$2: expected exit $1, got $VPNCTL_RC"
}

assert_out() { # ERE WHAT
	grep -Eq -- "$1" <<<"$VPNCTL_OUT" || fail "$2: no /$1/ in the vpnctl output"
	log "ok: $2"
}

assert_no_out() { # ERE WHAT
	grep -Eq -- "$1" <<<"$VPNCTL_OUT" && fail "$2: unexpected /$1/ in the vpnctl output"
	log "ok: $2"
}

# Escapes the dots of an IPv4 address for an ERE.
re() { printf '%s' "${1//./\\.}"; }
