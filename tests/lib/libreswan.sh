# shellcheck shell=bash
# Private libreswan 4.10 gateways for the RFC 5685 redirect tests.
#
# libreswan conflicts with the strongSwan packages installed here, so it is
# never installed: the Debian package is downloaded once with
# `apt-get download`, unpacked with `dpkg -x` into $VPND_LS_CACHE (default
# /var/cache/vpnd-test-libreswan) and its pluto is run with a private
# config, NSS database, secrets file, run dir (ctl socket, pid file), dump
# dir and log file: nothing under /etc or /run/pluto is read or written.
#
# pluto 4.10 has one path compiled in that cannot be changed by an option:
# it execs /usr/libexec/ipsec/addconn at start-up (to load the conns of
# --config). `ip netns exec` already gives the daemon its own mount
# namespace (a slave of the host's), so ls_start lays a read-only overlay of
# the unpacked usr/libexec over /usr/libexec there; the host never sees it.
#
# Functions (all return non-zero with a message on stderr on failure;
# none of them exits the caller):
#   ls_prepare                      download/unpack once, install missing
#                                   runtime libraries and certutil
#   ls_check                        status 0 iff ls_prepare has been done
#                                   (nothing downloaded or installed: for
#                                   the test VM, which has no network)
#   ls_rw_conf FILE GW_IP GW_ID GW_NET CL_ID POOL [KEY=VALUE...]
#                                   ipsec.conf of a PSK gateway for road
#                                   warriors with an address pool
#   ls_psk_secrets FILE GW_ID CL_ID PSK  its ipsec.secrets
#   ls_start NS DIR CONF SECRETS    pluto in netns NS, state in DIR
#   ls_whack DIR ARGS...            whack on DIR's private ctl socket
#   ls_stop DIR                     stop that pluto (by its PID)
#   ls_stop_all                     stop every pluto ls_start started
#   ls_established DIR              prints "peer=IP:PORT state=#N
#                                   redirected_from=yes|no|unknown";
#                                   status 0 iff an IKE SA is established
#   ls_saw_redirected_from DIR      status 0 iff the log shows a received
#                                   REDIRECTED_FROM notify
#   ls_count_init_redirects DIR     prints how many IKE_SA_INIT requests
#                                   were answered with REDIRECT
#   ls_log_grep DIR ERE             status 0 iff pluto.log, since the last
#                                   ls_start for DIR, has a matching line
#   ls_states DIR                   every state line of whack --showstates
#   ls_no_state DIR                 status 0 iff pluto answers and has no
#                                   state (fails closed)
#   ls_ike_states DIR               numbers of the established IKE SAs
#   ls_ike_spis DIR N               prints "SPIi_SPIr" (hex) of state #N
#   ls_lease DIR                    prints the pool address leased to a
#                                   connection instance ("IP conn")
#   ls_peer DIR N                   the client endpoint (IP:PORT) of
#                                   established IKE SA #N
#   ls_child_sas DIR                every Child SA as "N IKE_N PEER
#                                   SPI@DST SPI@DST" (whack --showstates)
#   ls_traffic DIR                  every Child SA as "N PEER LEASE"
#                                   (whack --trafficstatus)
#   ls_xfrm_leftovers NS            xfrm_leftovers (tests/lib/esp.sh)
#                                   without pluto's own bypass policies
#   ls_mobike_updates DIR           how many UPDATE_SA_ADDRESSES pluto
#                                   processed since ls_start
#   ls_mobike_moved DIR FROM TO     status 0 iff pluto logged the move of
#                                   a remote address FROM:* to TO:4500
#   ls_count DIR ERE                matching lines of pluto.log since
#                                   ls_start
#   ls_assert_no_private_notify DIR...  fails if pluto logged a private
#                                   notify in a request (needs fail/log)
#
# CONF is a normal ipsec.conf; for ls_established / ls_saw_redirected_from
# / ls_ike_spis its `config setup` needs `plutodebug=base`, because pluto
# 4.10 names received notifies (REDIRECTED_FROM among them) and the SPIs
# of an IKE SA only in debug lines.

LS_CACHE=${VPND_LS_CACHE:-/var/cache/vpnd-test-libreswan}
LS_WANT_VERSION=4.10
LS_ROOT=$LS_CACHE/root
LS_EXEC=$LS_ROOT/usr/libexec/ipsec
LS_PLUTO=$LS_EXEC/pluto
LS_WHACK=$LS_EXEC/whack
LS_STARTED=()

ls_err() { echo "libreswan.sh: $*" >&2; }

# ---------------------------------------------------------------- prepare

# Runtime library (as ldd names it) -> Debian 12 package. Only what the
# libreswan package depends on; anything else is reported, not guessed.
ls_lib_package() {
	case $1 in
	libldns.so.*) echo libldns3 ;;
	libunbound.so.*) echo libunbound8 ;;
	libevent_core-2.1.so.*) echo libevent-core-2.1-7 ;;
	libevent_pthreads-2.1.so.*) echo libevent-pthreads-2.1-7 ;;
	libcap-ng.so.*) echo libcap-ng0 ;;
	libnss3.so | libnssutil3.so | libsmime3.so | libssl3.so) echo libnss3 ;;
	libnspr4.so | libplc4.so | libplds4.so) echo libnspr4 ;;
	libcurl.so.*) echo libcurl4 ;;
	libldap-2.5.so.* | liblber-2.5.so.*) echo libldap-2.5-0 ;;
	libaudit.so.*) echo libaudit1 ;;
	libpam.so.*) echo libpam0g ;;
	libselinux.so.*) echo libselinux1 ;;
	libsystemd.so.*) echo libsystemd0 ;;
	libcrypt.so.*) echo libcrypt1 ;;
	*) return 1 ;;
	esac
}

ls_apt_install() {
	local opts=(-y --no-install-recommends -o DPkg::Lock::Timeout=300)
	DEBIAN_FRONTEND=noninteractive apt-get install "${opts[@]}" "$@" \
		>>"$LS_CACHE/apt.log" 2>&1 && return 0
	apt-get update >>"$LS_CACHE/apt.log" 2>&1
	DEBIAN_FRONTEND=noninteractive apt-get install "${opts[@]}" "$@" \
		>>"$LS_CACHE/apt.log" 2>&1 ||
		{ ls_err "apt-get install $* failed (see $LS_CACHE/apt.log)"; return 1; }
}

ls_missing_libs() {
	ldd "$LS_PLUTO" "$LS_WHACK" "$LS_EXEC/addconn" 2>/dev/null |
		awk '/=> not found/ { print $1 }' | sort -u
}

ls_unpack() {
	local deb ver tmp
	(cd "$LS_CACHE" && apt-get download libreswan >>"$LS_CACHE/apt.log" 2>&1) ||
	{ apt-get update >>"$LS_CACHE/apt.log" 2>&1 &&
	  (cd "$LS_CACHE" && apt-get download libreswan >>"$LS_CACHE/apt.log" 2>&1); } ||
		{ ls_err "apt-get download libreswan failed (see $LS_CACHE/apt.log)"; return 1; }
	# shellcheck disable=SC2012 # our own file names, newest first
	deb=$(ls -t "$LS_CACHE"/libreswan_*.deb 2>/dev/null | head -n 1)
	[ -n "$deb" ] || { ls_err "no libreswan .deb in $LS_CACHE"; return 1; }
	ver=$(dpkg-deb -f "$deb" Version)
	case $ver in
	"$LS_WANT_VERSION"-* | "$LS_WANT_VERSION") ;;
	*) ls_err "warning: got libreswan $ver, the tests were written for $LS_WANT_VERSION" ;;
	esac
	tmp=$LS_CACHE/root.tmp
	rm -rf "$tmp"
	dpkg -x "$deb" "$tmp" || { ls_err "dpkg -x $deb failed"; return 1; }
	rm -rf "$LS_ROOT"
	mv "$tmp" "$LS_ROOT"
}

# Idempotent and cheap once done; serialised with flock so that parallel
# test cases do not unpack over each other.
ls_prepare() {
	local lib pkg pkgs=() missing
	[ "$(id -u)" = 0 ] || { ls_err "needs root"; return 1; }
	mkdir -p "$LS_CACHE" || return 1
	(
		flock -w 600 9 || { ls_err "cannot lock $LS_CACHE/.lock"; exit 1; }
		[ -x "$LS_PLUTO" ] || ls_unpack || exit 1
		missing=$(ls_missing_libs)
		for lib in $missing; do
			pkg=$(ls_lib_package "$lib") ||
				{ ls_err "pluto needs $lib: no package known for it"; exit 1; }
			pkgs+=("$pkg")
		done
		command -v certutil >/dev/null || pkgs+=(libnss3-tools)
		if ((${#pkgs[@]})); then
			mapfile -t pkgs < <(printf '%s\n' "${pkgs[@]}" | sort -u)
			ls_apt_install "${pkgs[@]}" || exit 1
		fi
		missing=$(ls_missing_libs)
		[ -z "$missing" ] || { ls_err "still missing: $missing"; exit 1; }
	) 9>"$LS_CACHE/.lock"
}

# ls_check: the unpacked pluto is there and has every library it needs;
# nothing is downloaded or installed (the test VM has no network: there
# run-in-vm.sh --libreswan has run ls_prepare on the host before the boot).
ls_check() {
	if ! [ -x "$LS_PLUTO" ] || ! [ -x "$LS_WHACK" ]; then
		ls_err "no unpacked pluto in $LS_ROOT (ls_prepare has not run)"
		return 1
	fi
	command -v certutil >/dev/null ||
		{ ls_err "certutil missing (ls_prepare installs libnss3-tools)"; return 1; }
	local missing
	missing=$(ls_missing_libs)
	[ -z "$missing" ] || { ls_err "pluto lacks $missing (ls_prepare installs them)"; return 1; }
}

ls_version() { "$LS_PLUTO" --version 2>&1 | head -n 1; }

# ---------------------------------------------------------------- config

# ls_rw_conf FILE GW_IP GW_ID GW_NET CL_ID POOL [KEY=VALUE...]: the
# ipsec.conf of a PSK gateway at GW_IP (@GW_ID, its network GW_NET) for
# clients with the id CL_ID, each given a virtual IP from POOL (with DNS
# 198.51.100.53): conn "rw", ikev2=insist,
# ike=aes_gcm256-sha2_384-ecp384 (the test profiles' proposal;
# libreswan's default list has no AES-GCM with PRF-SHA384). Each
# KEY=VALUE (e.g. mobike=yes) is one more line of the conn; without any,
# the conn has libreswan's defaults (mobike=no). plutodebug=base: the
# IKE SPIs are only in debug lines (ls_ike_spis); uniqueids=no: a new IKE
# SA of the same client does not replace the old one;
# leftupdown=%disabled: the private pluto is unpacked, not installed, so
# the default updown ("ipsec _updown") is not on PATH; with ESP in the
# kernel pluto would run it for the Child SA ("up-client output: sh: 1:
# ipsec: not found", status 127) and answer TS_UNACCEPTABLE (seen in the
# test VM). The tests route the pool's addresses themselves.
ls_rw_conf() {
	local f=$1 gw=$2 gw_id=$3 gw_net=$4 cl_id=$5 pool=$6 kv
	shift 6
	{
		printf 'config setup\n\tprotostack=xfrm\n\tplutodebug=base\n\tuniqueids=no\n\n'
		printf 'conn rw\n\tikev2=insist\n\tauthby=secret\n'
		printf '\tleft=%s\n\tleftid=@%s\n\tleftsubnet=%s\n' "$gw" "$gw_id" "$gw_net"
		printf '\tright=%%any\n\trightid=%s\n' "$cl_id"
		printf '\trightaddresspool=%s\n\tmodecfgdns=198.51.100.53\n' "$pool"
		printf '\tike=aes_gcm256-sha2_384-ecp384\n\tleftupdown=%%disabled\n'
		for kv in "$@"; do
			printf '\t%s\n' "$kv"
		done
		printf '\tauto=add\n'
	} >"$f"
}

# ls_psk_secrets FILE GW_ID CL_ID PSK: the PSK between @GW_ID and CL_ID.
ls_psk_secrets() {
	(umask 077; printf '@%s %s : PSK "%s"\n' "$2" "$3" "$4" >"$1")
}

# ---------------------------------------------------------------- run

ls_ctl() { echo "$1/run/pluto.ctl"; }

ls_whack() {
	local d=$1
	shift
	"$LS_WHACK" --ctlsocket "$(ls_ctl "$d")" "$@"
}

ls_pid() { cat "$1/pid" 2>/dev/null; }

ls_alive() {
	local pid
	pid=$(ls_pid "$1") && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# Lines of DIR/pluto.log after the mark ls_start took.
ls_new_log() {
	local skip
	skip=$(cat "$1/log.mark" 2>/dev/null || echo 0)
	tail -n +"$((skip + 1))" "$1/pluto.log" 2>/dev/null
}

# ls_log_grep DIR ERE: does the log since ls_start have a matching line?
# (No "ls_new_log | grep -q": under pipefail the early exit of grep -q
# makes the pipeline fail with SIGPIPE.)
ls_log_grep() {
	local skip
	skip=$(cat "$1/log.mark" 2>/dev/null || echo 0)
	[ -f "$1/pluto.log" ] || return 1
	awk -v skip="$skip" -v re="$2" \
		'NR > skip && $0 ~ re { found = 1; exit } END { exit !found }' \
		"$1/pluto.log"
}

# pluto logs "loading secrets" after addconn's --listen, i.e. once every
# conn of CONF is loaded and the sockets are open.
ls_ready() {
	[ -S "$(ls_ctl "$1")" ] && ls_log_grep "$1" 'loading secrets from'
}

ls_start() {
	local ns=$1 d=$2 conf=$3 secrets=$4 pid i
	[ $# = 4 ] || { ls_err "usage: ls_start NS DIR CONF SECRETS"; return 1; }
	[ -x "$LS_PLUTO" ] || { ls_err "run ls_prepare first"; return 1; }
	if ls_alive "$d"; then
		ls_err "a pluto (pid $(ls_pid "$d")) already runs for $d"
		return 1
	fi
	mkdir -p "$d/nss" "$d/run" "$d/ipsec.d" || return 1
	chmod 700 "$d" "$d/nss"
	d=$(cd "$d" && pwd)
	[ "$conf" -ef "$d/ipsec.conf" ] || cp "$conf" "$d/ipsec.conf" || return 1
	if ! [ "$secrets" -ef "$d/ipsec.secrets" ]; then
		(umask 077; cp "$secrets" "$d/ipsec.secrets") || return 1
	fi
	chmod 600 "$d/ipsec.secrets"
	if ! [ -f "$d/nss/cert9.db" ]; then
		certutil -N -d "sql:$d/nss" --empty-password >/dev/null 2>&1 ||
			{ ls_err "certutil -N for $d/nss failed"; return 1; }
	fi
	rm -f "$d/run/pluto.ctl" "$d/run/pluto.pid"
	if [ -f "$d/pluto.log" ]; then
		wc -l <"$d/pluto.log" >"$d/log.mark"
	else
		echo 0 >"$d/log.mark"
	fi
	rm -f "$d/pid" "$d/exit"
	# The options after --config win over its `config setup`, so every
	# path stays private whatever the config says. The wrapper subshell
	# reaps pluto and keeps its exit status (and bash's "Segmentation
	# fault" note, see README) in DIR instead of the caller's terminal.
	(
		# shellcheck disable=SC2016 # $1/$@ belong to the inner sh
		ip netns exec "$ns" sh -c '
			mount -t overlay vpnd-ls-libexec \
				-o "lowerdir=$1/usr/libexec:/usr/libexec" /usr/libexec ||
				{ echo "overlay mount on /usr/libexec failed" >&2; exit 1; }
			shift
			exec "$@"' sh "$LS_ROOT" \
			"$LS_PLUTO" --config "$d/ipsec.conf" --nofork \
			--nssdir "$d/nss" --secretsfile "$d/ipsec.secrets" \
			--rundir "$d/run" --ipsecdir "$d/ipsec.d" --dumpdir "$d/run" \
			--logfile "$d/pluto.log" --no-dnssec \
			>>"$d/stderr.log" 2>&1 </dev/null &
		echo $! >"$d/pid"
		wait $!
		echo $? >"$d/exit"
	) 2>>"$d/stderr.log" &
	echo $! >"$d/wrapper.pid"
	for ((i = 0; i < 50; i++)); do
		[ -s "$d/pid" ] && break
		sleep 0.02
	done
	pid=$(ls_pid "$d")
	[[ " ${LS_STARTED[*]} " == *" $d "* ]] || LS_STARTED+=("$d")
	for ((i = 0; i < 100; i++)); do
		ls_ready "$d" && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	ls_err "pluto in $ns did not come up (pid $pid); stderr and log tail:"
	tail -n 5 "$d/stderr.log" >&2
	ls_new_log "$d" | grep -v '^[^|]*: |' | tail -n 10 >&2
	ls_stop "$d"
	return 1
}

# ls_exited PID: that pluto is gone (polled for up to 5 s).
ls_exited() {
	local i
	for ((i = 0; i < 50; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}

# `whack --shutdown` on the private socket makes pluto delete its SAs
# (telling the peers) and exit; SIGTERM does the same if whack cannot,
# SIGKILL after 5 s more. Only the PID ls_start recorded is signalled.
# Seen here: pluto 4.10 sometimes dies with SIGSEGV at the very end of
# its shutdown (after "releasing global libevent data"); that is noted,
# not treated as an error.
ls_stop() {
	local d=$1 pid wpid rc
	pid=$(ls_pid "$d")
	wpid=$(cat "$d/wrapper.pid" 2>/dev/null)
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		timeout 5 "$LS_WHACK" --ctlsocket "$(ls_ctl "$d")" --shutdown \
			>>"$d/stderr.log" 2>&1
		if ! ls_exited "$pid" && kill -TERM "$pid" 2>/dev/null; then
			ls_exited "$pid" || kill -KILL "$pid" 2>/dev/null
		fi
	fi
	[ -n "$wpid" ] && wait "$wpid" 2>/dev/null
	rc=$(cat "$d/exit" 2>/dev/null)
	case $rc in
	'' | 0 | 143) ;;
	139) ls_err "note: pluto for $d crashed (SIGSEGV) while shutting down" ;;
	*) ls_err "note: pluto for $d exited with status $rc" ;;
	esac
	rm -f "$d/pid" "$d/wrapper.pid"
	return 0
}

ls_stop_all() {
	local d
	for d in "${LS_STARTED[@]}"; do
		ls_stop "$d"
	done
	LS_STARTED=()
}

# ---------------------------------------------------------------- inspect

# With plutodebug=base pluto dumps every payload it parses, e.g.
#   | ***parse IKEv2 Notify Payload:
#   |    Notify Message Type: v2N_REDIRECTED_FROM (0x4018)
# Only an initiator's IKE_SA_INIT request carries that notify. The dump
# is there even when pluto answers with a global REDIRECT, which happens
# before the "looking for transition ... N(REDIRECTED_FROM)" line.
ls_saw_redirected_from() {
	ls_log_grep "$1" 'Notify Message Type: v2N_REDIRECTED_FROM'
}

# How many IKE_SA_INIT requests this gateway answered with a REDIRECT
# (global-redirect); pluto logs that without debug.
ls_count_init_redirects() {
	local skip
	skip=$(cat "$1/log.mark" 2>/dev/null || echo 0)
	awk -v skip="$skip" 'NR > skip && /IKE_SA_INIT .* with unencrypted notification REDIRECT/ { n++ }
		END { print n + 0 }' "$1/pluto.log" 2>/dev/null || echo 0
}

ls_has_debug() { ls_log_grep "$1" 'looking for transition'; }

ls_established() {
	local d=$1 line peer state rf
	line=$(ls_whack "$d" --showstates 2>/dev/null |
		grep 'STATE_V2_ESTABLISHED_IKE_SA' | tail -n 1)
	[ -n "$line" ] || return 1
	# 000 #2: "rw"[2] 192.0.2.2:4500 STATE_V2_ESTABLISHED_IKE_SA (...)
	state=$(sed -n 's/^[0-9]* *\(#[0-9]*\):.*/\1/p' <<<"$line")
	peer=$(awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^STATE_V2_ESTABLISHED_IKE_SA/) print $(i - 1) }' <<<"$line")
	if ! ls_has_debug "$d"; then
		rf=unknown
	elif ls_saw_redirected_from "$d"; then
		rf=yes
	else
		rf=no
	fi
	echo "peer=$peer state=$state redirected_from=$rf"
	return 0
}

# ls_states DIR: every state pluto has (IKE and Child, half-open too), e.g.
#   000 #3: "rw"[1] 192.0.2.2:500 STATE_V2_ESTABLISHED_IKE_SA (...); REKEY in 9s; ...
ls_states() {
	ls_whack "$1" --showstates 2>/dev/null | grep -E '^[0-9]* *#[0-9]+:'
}

# Fails closed: a pluto that does not answer has not "no state".
ls_no_state() {
	local out
	out=$(ls_whack "$1" --showstates 2>/dev/null) || return 1
	! grep -qE '^[0-9]* *#[0-9]+:' <<<"$out"
}

# ls_ike_states DIR: the numbers of the established IKE SAs, ascending,
# one line each (a replaced SA stays listed until pluto deletes it).
ls_ike_states() {
	ls_whack "$1" --showstates 2>/dev/null |
		sed -n 's/^[0-9]* *#\([0-9]*\):.*STATE_V2_ESTABLISHED_IKE_SA.*/\1/p' |
		sort -n
}

# ls_ike_spis DIR N: "SPIi_SPIr" of IKE SA #N in lower-case hex. pluto
# 4.10 shows no SPIs in whack's output; its debug log has them whenever
# the SA enters its SPI hash table (again once SPIr is known):
#   | entry state hash_table_entries.ike_spis@0x... "rw"[1] 192.0.2.2 #3:
#     2d 42 f3 3c  88 1a 75 18  09 8c 32 8a  22 18 49 9e added to hash table ...
# The last such line for #N wins. Status 1 without one.
ls_ike_spis() {
	local skip
	skip=$(cat "$1/log.mark" 2>/dev/null || echo 0)
	awk -v skip="$skip" -v n="#$2:" '
		NR <= skip || !/hash_table_entries\.ike_spis@/ || !/ added to hash table/ { next }
		{
			for (i = 1; i <= NF && $i != n; i++) ;
			if (i > NF) next
			hex = ""
			for (i++; i <= NF && $i ~ /^[0-9a-f][0-9a-f]$/; i++) hex = hex $i
			if (length(hex) == 32) last = hex
		}
		END {
			if (last == "") exit 1
			print substr(last, 1, 16) "_" substr(last, 17)
		}' "$1/pluto.log" 2>/dev/null
}

# ls_lease DIR: "ADDRESS INSTANCE" for each pool address that is in use,
# from whack --addresspoolstatus:
#   000     203.0.113.10 assigned to $2
#   000                  "rw"[1] 192.0.2.2
ls_lease() {
	ls_whack "$1" --addresspoolstatus 2>/dev/null | awk '
		$2 ~ /^[0-9.]+$/ && $3 == "assigned" { ip = $2; next }
		ip != "" && $2 ~ /^"/ { print ip, $2; ip = "" }'
}

# ls_peer DIR N: the client endpoint (IP:PORT) pluto has for established
# IKE SA #N, from
#   #2: "rw"[1] 192.0.2.2:500 STATE_V2_ESTABLISHED_IKE_SA (...)
ls_peer() {
	ls_states "$1" | awk -v n="#$2:" '
		{ for (i = 1; i <= NF && $i != n; i++) ; if (i > NF) next }
		{ for (; i <= NF; i++) if ($i ~ /^STATE_V2_ESTABLISHED_IKE_SA/) { print $(i - 1); exit } }'
}

# ls_child_sas DIR: "N IKE_N PEER SPI@DST SPI@DST" for each Child SA,
# e.g. "2 1 192.0.2.2:500 c3282b50@192.0.2.2 7f3abd82@192.0.2.1", from
# the two lines of whack --showstates (pluto 4.10) for it:
#   000 #2: "rw"[1] 192.0.2.2:500 STATE_V2_ESTABLISHED_CHILD_SA (...); ...; IKE SA #1; idle;
#   000 #2: "rw"[1] 192.0.2.2 esp.c3282b50@192.0.2.2 esp.7f3abd82@192.0.2.1 tun.0@... Traffic: ...
# PEER is the client's IKE endpoint; the SPI to the client comes first,
# each as 8 hex digits (ESP SAs only; a state without them has "-" there).
ls_child_sas() {
	ls_states "$1" | awk '
		{ n = $2; sub(/^#/, "", n); sub(/:$/, "", n) }
		/ STATE_V2_ESTABLISHED_CHILD_SA / {
			if (!(n in peer)) order[++cnt] = n
			peer[n] = $4
			ike[n] = "-"
			if (match($0, /; IKE SA #[0-9]+;/))
				ike[n] = substr($0, RSTART + 10, RLENGTH - 11)
			next
		}
		/ esp\.[0-9a-f]+@/ {
			# pluto prints the SPIs without leading zeros
			e = ""
			for (i = 1; i <= NF; i++)
				if ($i ~ /^esp\.[0-9a-f]+@/) {
					spi = substr($i, 5)
					at = index(spi, "@")
					hex = substr(spi, 1, at - 1)
					while (length(hex) < 8) hex = "0" hex
					e = e " " hex substr(spi, at)
				}
			esp[n] = e
		}
		END {
			for (i = 1; i <= cnt; i++) {
				n = order[i]
				print n, ike[n], peer[n] (n in esp ? esp[n] : " - -")
			}
		}'
}

# ls_traffic DIR: "N PEER LEASE" for each Child SA in whack
# --trafficstatus (pluto 4.10):
#   006 #2: "rw"[1] 192.0.2.2, type=ESP, add_time=..., id='...', lease=203.0.113.10/32
ls_traffic() {
	ls_whack "$1" --trafficstatus 2>/dev/null | awk '
		$2 ~ /^#[0-9]+:$/ {
			n = $2; sub(/^#/, "", n); sub(/:$/, "", n)
			p = $4; sub(/,$/, "", p)
			l = "-"
			if (match($0, /lease=[^ ,]*/)) l = substr($0, RSTART + 6, RLENGTH - 6)
			print n, p, l
		}'
}

# ls_xfrm_leftovers NS: the xfrm SAs and policies in NS (xfrm_leftovers
# of tests/lib/esp.sh) without the ones a running pluto keeps for
# itself: the IPv6 neighbour discovery bypass (ICMPv6 types 135 and 136,
# in, out and fwd, priority 1, no template), installed at start, not
# for a connection.
ls_xfrm_leftovers() {
	xfrm_leftovers "$1" | awk '
		function flush() {
			if (blk != "" && !(blk ~ /^src ::\/0 dst ::\/0 proto ipv6-icmp type 13[56] *\n/ &&
			    blk ~ /\n\tdir (in|out|fwd) priority 1 ptype main *$/))
				print blk
			blk = ""
		}
		/^[^ \t]/ { flush(); blk = $0; next }
		{ blk = blk "\n" $0 }
		END { flush() }'
}

# The processed UPDATE_SA_ADDRESSES requests and the remote address
# updates pluto 4.10 logs (update_mobike_endpoints, ikev2_mobike.c). The
# first line comes before the update, which needs the IKE SA's newest
# Child SA: without one (no ESP in the kernel) pluto logs "EXPECTATION
# FAILED: ... IKE SA lost first Child SA" and keeps the old address.
LS_MOBIKE_UPDATE='MOBIKE request: updating IPsec SA by request'
ls_mobike_updates() { ls_count "$1" "$LS_MOBIKE_UPDATE"; }
ls_mobike_moved() {
	ls_log_grep "$1" " success MOBIKE update remote address $(ls_re "$2"):[0-9]+ -> $(ls_re "$3"):4500"
}
ls_re() { printf '%s' "${1//./\\.}"; }

# ls_count DIR ERE: how many lines of pluto.log since ls_start match.
ls_count() {
	local skip
	skip=$(cat "$1/log.mark" 2>/dev/null || echo 0)
	awk -v skip="$skip" -v re="$2" 'NR > skip && $0 ~ re { n++ }
		END { print n + 0 }' "$1/pluto.log" 2>/dev/null || echo 0
}

# ls_assert_no_private_notify DIR...: vpnd's requests as these plutos
# summarised them ("processing decrypted IKE_AUTH request:
# SK{IDi,...,N(TICKET_REQUEST)}") carry no private-use notify: 40960 is
# pluto's own NULL_AUTH, and a private number means something only after
# a Vendor ID agreement, which libreswan never makes with vpnd. The
# summary leaves out numbers pluto does not know; its debug log names
# them ("status notification 50640 is unknown"). The profiles ask for
# tickets, so every IKE_AUTH request is where vpnd's resumption notify
# would have gone. Uses fail and log of tests/lib/common.sh.
ls_assert_no_private_notify() {
	local logs=() d lines auth bad
	for d in "$@"; do
		[ -f "$d/pluto.log" ] && logs+=("$d/pluto.log")
	done
	((${#logs[@]})) || return 0
	lines=$(cat "${logs[@]}" | grep -E '(matching|processing decrypted) [A-Z_]+ request: ')
	auth=$(grep -E 'IKE_AUTH request: SK\{' <<<"$lines")
	if [ -n "$auth" ]; then
		grep -q 'N(TICKET_REQUEST)' <<<"$auth" ||
			fail "no IKE_AUTH request with TICKET_REQUEST in the gateway logs: $(head -n 1 <<<"$auth")"
	fi
	bad=$(grep -oE 'N\([^)]*\)' <<<"$lines" | sort -u |
		grep -vE '^N\([A-Z][A-Z0-9_]*\)$|^N\(NULL_AUTH\)$' || true)
	bad+=$(grep -oE 'N\(NULL_AUTH\)' <<<"$lines" | head -n 1)
	bad+=$(cat "${logs[@]}" |
		grep -oE 'status notification (4(09[6-9]|[1-9][0-9])[0-9]{2}|[5-6][0-9]{4}) is [a-z ]+' |
		head -n 1)
	[ -z "$bad" ] || fail "vpnd sent libreswan a private notify: $bad"
	log "ok: no private notify in vpnd's requests (${auth:+IKE_AUTH checked, }$(grep -c . <<<"$lines") request lines)"
}
