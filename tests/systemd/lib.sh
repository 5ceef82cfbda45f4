# shellcheck shell=bash
# What the systemd suite's cases share: a case sets CASE and sources this
# file; the cleanup trap is set at once and a private temp dir T_TMP made.
# On a failure the tails of the case's logs ($T_TMP/*.log) go with it.

# shellcheck disable=SC2034 # read by tests/lib/common.sh
T_SUITE=systemd T_CASE=$CASE T_LOG_TAG=systemd-$CASE
SD_HERE=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=../lib/common.sh
. "$SD_HERE/../lib/common.sh"

show_context() {
	local f
	for f in "${T_TMP:-/nonexistent}"/*.log; do
		tail_file "$f" 20 "${f##*/} (tail)"
	done
}

t_begin
