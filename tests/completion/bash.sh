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
# shellcheck source=tests/completion/lib.sh
. "$HERE/lib.sh"

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
	check_got "$line" "${got% }" "$want"
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
write_stub
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
check_list_args

# ---- the real vpnctl and vpnd
if start_vpnd; then
	expect "$VPNCTL -s $TMP/vpnd.sock connect " "lab office"
	expect "$VPNCTL --socket $TMP/vpnd.sock status o" "office"
	expect "$VPNCTL -s $TMP/vpnd.sock disconnect " ""
	# no daemon: nothing offered, no error on the terminal
	expect "$VPNCTL -s $TMP/none.sock connect " ""
else
	echo "skipped: the real vpnctl and vpnd (needs root, VPND and VPNCTL)"
fi

finish
