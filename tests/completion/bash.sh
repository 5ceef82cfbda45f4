#!/bin/bash
# The bash completion of vpnctl (completion/vpnctl.bash), sourced into
# this shell and called the way bash calls it: COMP_WORDS/COMP_CWORD
# set, _vpnctl run, COMPREPLY checked.
#   - commands, options, the value of -s/-t skipped, rekey's child|ike,
#     check's *.yaml/*.yml files;
#   - profile names from `vpnctl list`: a stand-in vpnctl (every state,
#     a file that did not load) shows which states each command offers
#     and that -s SOCKET is passed on; the built vpnctl against the
#     built vpnd (root, own network namespace) shows the real list's
#     names, the file that did not load left out.
# By hand: VPND=build/src/daemon/vpnd VPNCTL=build/src/vpnctl/vpnctl \
#   bash tests/completion/bash.sh
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SCRIPT=${COMPLETION:-$HERE/../../completion/vpnctl.bash}
TMP=$(mktemp -d /tmp/vpnd-compl-XXXXXX)
VPND_PID=
cleanup() {
	[ -n "$VPND_PID" ] && kill "$VPND_PID" 2>/dev/null && wait "$VPND_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
failures=0

# shellcheck source=completion/vpnctl.bash
. "$SCRIPT" || { echo "FAIL: cannot source $SCRIPT"; exit 1; }
complete -p vpnctl >/dev/null || { echo "FAIL: no completion registered"; exit 1; }

# expect "WORDS..." "WANT...": completing the last word (may be "")
# of the line gives exactly WANT (sorted, space-separated).
expect() {
	local line=$1 want=$2 got
	read -r -a COMP_WORDS <<<"$line"
	[[ $line == *' ' ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE=$line COMP_POINT=${#line}
	COMPREPLY=()
	_vpnctl vpnctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | sort | tr '\n' ' ')
	got=${got% }
	if [ "$got" = "$want" ]; then
		echo "ok: '$line' -> $got"
	else
		echo "FAIL: '$line': got '$got', want '$want'"
		failures=$((failures + 1))
	fi
}

# ---- commands and options (no daemon asked)
expect "vpnctl " "check connect disconnect list monitor rekey reload status watch"
expect "vpnctl st" "status"
expect "vpnctl re" "rekey reload"
expect "vpnctl --j" "--json"
expect "vpnctl -" "--help --json --password-stdin --socket --timeout --version -h -j -s -t"
expect "vpnctl -t 5 con" "connect"
expect "vpnctl -t " ""
expect "vpnctl status --" "--json"
expect "vpnctl list -" "--json"
expect "vpnctl monitor --j" "--json"
expect "vpnctl connect --pass" "--password-stdin"
expect "vpnctl reload " ""

# ---- files
mkdir -p "$TMP/files/sub"
touch "$TMP/files/a.yaml" "$TMP/files/b.yml" "$TMP/files/c.txt" "$TMP/files/sock"
expect "vpnctl check $TMP/files/" "$TMP/files/a.yaml $TMP/files/b.yml $TMP/files/sub"
expect "vpnctl -s $TMP/files/so" "$TMP/files/sock"

# ---- profile names, through a stand-in vpnctl
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
STUB=$TMP/vpnctl
expect "$STUB connect " "alpha gamma"
expect "$STUB connect al" "alpha"
expect "$STUB disconnect " "beta delta eps"
expect "$STUB status " "alpha beta delta eps gamma"
expect "$STUB watch b" "beta"
expect "$STUB rekey " "beta delta eps"
expect "$STUB rekey beta " "child ike"
expect "$STUB rekey beta child " ""
expect "$STUB connect alpha " ""
expect "$STUB -s /run/other.sock connect " "alpha gamma"
if tail -n 1 "$TMP/args" | grep -qx -- '-s /run/other.sock -t 2 list'; then
	echo "ok: -s SOCKET passed on to vpnctl list"
else
	echo "FAIL: vpnctl was run as: $(tail -n 1 "$TMP/args")"
	failures=$((failures + 1))
fi

# ---- the real vpnctl and vpnd
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
	expect "$VPNCTL --socket $TMP/vpnd.sock status o" "office"
	expect "$VPNCTL -s $TMP/vpnd.sock disconnect " ""
	# no daemon: nothing offered, no error on the terminal
	expect "$VPNCTL -s $TMP/none.sock connect " ""
else
	echo "skipped: the real vpnctl and vpnd (needs root, VPND and VPNCTL)"
fi

if ((failures)); then
	echo "$failures failure(s)"
	exit 1
fi
echo PASS
