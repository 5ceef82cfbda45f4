# shellcheck shell=bash
# What the bash and zsh completion tests share: the temp dir and its
# cleanup, the verdict of one completion, the stand-in vpnctl, the real
# vpnd with three profiles (one that does not load), the end.
# Sourced after HERE is set; callers define expect() with check_got.

TMP=$(mktemp -d /tmp/vpnd-compl-XXXXXX)
VPND_PID=
failures=0
cleanup() {
	[ -n "$VPND_PID" ] && kill "$VPND_PID" 2>/dev/null && wait "$VPND_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

# check_got LINE GOT WANT
check_got() {
	if [ "$2" = "$3" ]; then
		echo "ok: '$1' -> $2"
	else
		echo "FAIL: '$1': got '$2', want '$3'"
		failures=$((failures + 1))
	fi
}

# A vpnctl that answers `list` with every state and a file that did not
# load, and logs its arguments to $TMP/args; its path in STUB.
write_stub() {
	cat >"$TMP/vpnctl" <<'EOS'
#!/bin/bash
printf '%s\n' "$*" >>"${0%/*}/args"
cat <<'EOL'
alpha     idle         192.0.2.1
beta      established  192.0.2.2
gamma     failed       192.0.2.3
delta     connecting   192.0.2.4
eps       no-tunnel    192.0.2.5
broken    invalid      /etc/vpnd/profiles/broken.yaml:3:1: unknown key 'x' in section 'connection'
5 profiles, 1 file did not load
EOL
EOS
	chmod +x "$TMP/vpnctl"
	# shellcheck disable=SC2034  # used by the sourcing test
	STUB=$TMP/vpnctl
}

# The last `vpnctl list` the completion ran named the -s socket.
check_list_args() {
	if tail -n 1 "$TMP/args" | grep -qx -- '-s /run/other.sock -t 2 list'; then
		echo "ok: -s SOCKET passed on to vpnctl list"
	else
		echo "FAIL: vpnctl was run as: $(tail -n 1 "$TMP/args" 2>/dev/null)"
		failures=$((failures + 1))
	fi
}

# The built vpnd in its own network namespace, socket $TMP/vpnd.sock,
# profiles office and lab and a broken file. False without root, VPND
# and VPNCTL.
start_vpnd() {
	[ "$(id -u)" = 0 ] && [ -n "${VPND:-}" ] && [ -n "${VPNCTL:-}" ] || return 1
	mkdir -m 700 "$TMP/profiles" "$TMP/state"
	for n in office lab; do
		printf 'connection: {name: %s, gateway: 192.0.2.1}\nlocal: {id: c.test, psk: x}\nremote: {id: gw.test}\n' \
			"$n" >"$TMP/profiles/$n.yaml"
	done
	printf 'connection: {gateway: 192.0.2.1, colour: blue}\n' >"$TMP/profiles/broken.yaml"
	chmod 600 "$TMP/profiles"/*.yaml
	unshare -n "$VPND" -f -p "$TMP/profiles" -s "$TMP/vpnd.sock" \
		--state-dir "$TMP/state" --no-kernel 2>"$TMP/vpnd.log" &
	VPND_PID=$!
	for _ in $(seq 100); do [ -S "$TMP/vpnd.sock" ] && break; sleep 0.05; done
}

finish() {
	if ((failures)); then
		echo "$failures failure(s)"
		exit 1
	fi
	echo PASS
}
