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
# shellcheck source=tests/completion/lib.sh
. "$HERE/lib.sh"

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
	check_got "$1" "${got% }" "$2"
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

write_stub
expect "$STUB connect " "alpha gamma"
expect "$STUB disconnect " "beta delta eps"
expect "$STUB status " "alpha beta delta eps gamma"
expect "$STUB rekey beta " "child ike"
expect "$STUB -s /run/other.sock watch " "alpha beta delta eps gamma"
check_list_args

if start_vpnd; then
	expect "$VPNCTL -s $TMP/vpnd.sock connect " "lab office"
	expect "$VPNCTL -s $TMP/vpnd.sock disconnect " ""
else
	echo "skipped: the real vpnctl and vpnd (needs root, VPND and VPNCTL)"
fi

finish
