# shellcheck shell=bash
# What the daemon suite's cases share, on top of tests/lib/: a case sets
# CASE, then sources this file; the cleanup trap is set at once and a
# private temp dir T_TMP made. On a failure the tails of the case's logs
# ($T_TMP/*.log) go with it. vpnd runs in NS_CL with its files in T_TMP.

# shellcheck disable=SC2034 # read by tests/lib/common.sh
T_SUITE=daemon T_CASE=$CASE T_LOG_TAG=daemon-$CASE
DM_HERE=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=../lib/common.sh
. "$DM_HERE/../lib/common.sh"
# shellcheck source=../lib/netns.sh
. "$DM_HERE/../lib/netns.sh"
# shellcheck source=../lib/vpnd.sh
. "$DM_HERE/../lib/vpnd.sh"

show_context() {
	local f
	for f in "${T_TMP:-/nonexistent}"/*.log; do
		tail_file "$f" 15 "${f##*/} (tail)"
	done
}

# require VAR...: each names an executable; root and namespaces too.
require() {
	require_exe "$@"
	require_netns
}

t_begin
CL_DIR=$T_TMP
client_dir "$CL_DIR"
# The warnings these cases count are not debug lines; no kernel module.
VPND_ARGS=(--no-kernel)
