#!/bin/bash
# The zsh completion of vpnctl (completion/_vpnctl): zsh -n, then real
# completions from zsh's completion system in a pseudo-terminal
# (zsh-complete.zsh): commands, options, rekey's child|ike, check's
# YAML files, and profile names from a stand-in vpnctl (which states
# each command offers, -s SOCKET passed on) and from the built vpnctl
# against the built vpnd (root, own network namespace). Exit 77 (skip)
# without zsh.
# By hand: VPND=build/src/daemon/vpnd VPNCTL=build/src/vpnctl/vpnctl \
#   bash tests/completion/zsh.sh
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
DIR=${COMPLETION_DIR:-$HERE/../../completion}
if ! command -v zsh >/dev/null; then
	echo "skipped: zsh is not installed"
	[ "${CI:-}" = true ] && exit 1
	exit 77
fi
TMP=$(mktemp -d /tmp/vpnd-zcompl-XXXXXX)
VPND_PID=
cleanup() {
	[ -n "$VPND_PID" ] && kill "$VPND_PID" 2>/dev/null && wait "$VPND_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
failures=0

if zsh -n "$DIR/_vpnctl"; then
	echo "ok: zsh -n _vpnctl"
else
	echo "FAIL: zsh -n _vpnctl"
	failures=$((failures + 1))
fi

# expect LINE WANT: completing the end of LINE offers exactly WANT.
expect() {
	local got
	got=$(zsh -f "$HERE/zsh-complete.zsh" "$DIR" "$1" | tr '\n' ' ')
	got=${got% }
	if [ "$got" = "$2" ]; then
		echo "ok: '$1' -> $got"
	else
		echo "FAIL: '$1': got '$got', want '$2'"
		failures=$((failures + 1))
	fi
}

expect "vpnctl " "check connect disconnect list monitor rekey reload status watch"
expect "vpnctl st" "status"
expect "vpnctl --j" "--json"
expect "vpnctl -t 5 con" "connect"
expect "vpnctl status -" "--json -j"
mkdir -p "$TMP/files/sub"
touch "$TMP/files/a.yaml" "$TMP/files/b.yml" "$TMP/files/c.txt"
expect "vpnctl check $TMP/files/" "a.yaml b.yml sub"
expect "vpnctl -s $TMP/files/" "a.yaml b.yml c.txt sub"

cat >"$TMP/vpnctl" <<'EOS'
#!/bin/bash
printf '%s\n' "$*" >>"${0%/*}/args"
cat <<'EOL'
alpha     idle         192.0.2.1
beta      established  192.0.2.2
gamma     failed       192.0.2.3
delta     connecting   192.0.2.4
broken    invalid      /etc/vpnd/profiles/broken.yaml:3:1: unknown key 'x' in section 'connection'
4 profiles, 1 file did not load
EOL
EOS
chmod +x "$TMP/vpnctl"
STUB=$TMP/vpnctl
expect "$STUB connect " "alpha gamma"
expect "$STUB disconnect " "beta delta"
expect "$STUB status " "alpha beta delta gamma"
expect "$STUB rekey beta " "child ike"
expect "$STUB -s /run/other.sock watch " "alpha beta delta gamma"
if tail -n 1 "$TMP/args" | grep -qx -- '-s /run/other.sock -t 2 list'; then
	echo "ok: -s SOCKET passed on to vpnctl list"
else
	echo "FAIL: vpnctl was run as: $(tail -n 1 "$TMP/args" 2>/dev/null)"
	failures=$((failures + 1))
fi

if [ "$(id -u)" = 0 ] && [ -n "${VPND:-}" ] && [ -n "${VPNCTL:-}" ]; then
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
	expect "$VPNCTL -s $TMP/vpnd.sock connect " "lab office"
	expect "$VPNCTL -s $TMP/vpnd.sock disconnect " ""
else
	echo "skipped: the real vpnctl and vpnd (needs root, VPND and VPNCTL)"
fi

if ((failures)); then
	echo "$failures failure(s)"
	exit 1
fi
echo PASS
