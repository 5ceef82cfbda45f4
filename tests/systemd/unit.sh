#!/bin/bash
# unit: `meson install` puts the unit where systemd looks (UNITDIR, from
# pkg-config systemd or -Dsystemdunitdir) with ExecStart= naming the
# installed vpnd, and `systemd-analyze verify` accepts it without a
# single complaint (it exits 0 on unknown keys and bad values, so any
# output fails), with the man pages of Documentation= found among the
# installed ones; so is the unit with the drop-in for `vpnd -g GROUP`
# that its comment documents. The unit's ExecStart= is pointed into the
# DESTDIR for verify, which checks that the program is there.
# A copy with one wrong key must draw a complaint: the check can fail.
# Needs systemd-analyze (package systemd); exit 77 (skip) without it, a
# failure with CI=true.
# By hand: BUILD_ROOT=build UNITDIR=/lib/systemd/system \
#   SBINDIR=/usr/local/sbin MANDIR=/usr/local/share/man \
#   bash tests/systemd/unit.sh
CASE=unit
# shellcheck source=tests/systemd/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_tools systemd-analyze meson man
: "${BUILD_ROOT:?}" "${UNITDIR:?}" "${SBINDIR:?}" "${MANDIR:?}"

D=$T_TMP/destdir
meson install -C "$BUILD_ROOT" --no-rebuild --destdir "$D" --quiet \
	>"$T_TMP/install.log" 2>&1 || fail "meson install failed"
unit=$D$UNITDIR/vpnd.service
[ -f "$unit" ] || fail "no unit at $UNITDIR/vpnd.service in the DESTDIR"
log "installed: $UNITDIR/vpnd.service"

exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
[ "$exec_start" = "$SBINDIR/vpnd" ] ||
	fail "ExecStart=$exec_start, not the installed $SBINDIR/vpnd"
[ -x "$D$SBINDIR/vpnd" ] || fail "$SBINDIR/vpnd is not installed"
"$D$SBINDIR/vpnd" --version >"$T_TMP/version.log" 2>&1 ||
	fail "the installed vpnd does not run"
for want in '^Type=notify$' '^WatchdogSec=[1-9]' '^Restart=on-failure$' \
	'^ProtectSystem=strict$' '^NoNewPrivileges=yes$' \
	'^CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_BIND_SERVICE$' \
	'^RuntimeDirectory=' '^StateDirectory='; do
	assert_file_match "$unit" "$want" "the installed unit"
done
log "ok: ExecStart=$exec_start, Type=notify, watchdog, hardening"

# verify_unit DIR: systemd-analyze verify DIR/vpnd.service (and the
# drop-ins of DIR/vpnd.service.d), its output in $T_TMP/verify.out.
verify_unit() {
	local rc=0
	(cd "$1" && MANPATH=$D$MANDIR systemd-analyze verify \
		"$1/vpnd.service") >"$T_TMP/verify.out" 2>&1 || rc=$?
	if [ "$rc" != 0 ] || [ -s "$T_TMP/verify.out" ]; then
		echo "rc=$rc: $(tr '\n' ' ' <"$T_TMP/verify.out")"
		return 1
	fi
}

V=$T_TMP/verify
mkdir -p "$V"
sed "s|^ExecStart=/|ExecStart=$D/|" "$unit" >"$V/vpnd.service"
out=$(verify_unit "$V") || fail "systemd-analyze verify: $out"
log "ok: systemd-analyze verify accepts the unit"

# The -g drop-in as the unit's comment gives it, GROUP a real group.
mkdir -p "$V/vpnd.service.d"
sed -n '/^#   \[Service\]$/,/^#   SupplementaryGroups=/s/^#   //p' "$unit" |
	sed -e "s|^ExecStart=/|ExecStart=$D/|" -e 's/GROUP/nogroup/g' \
	>"$V/vpnd.service.d/group.conf"
grep -q '^ExecStart=.* -g nogroup$' "$V/vpnd.service.d/group.conf" &&
	grep -q '^SupplementaryGroups=nogroup$' "$V/vpnd.service.d/group.conf" ||
	fail "no -g drop-in in the unit's comment: $(cat "$V/vpnd.service.d/group.conf")"
out=$(verify_unit "$V") || fail "systemd-analyze verify with the -g drop-in: $out"
log "ok: ... and with the documented -g drop-in"

B=$T_TMP/bad
mkdir -p "$B"
sed 's/^WatchdogSec=/WatchdogSecs=/' "$V/vpnd.service" >"$B/vpnd.service"
if out=$(verify_unit "$B"); then
	fail "systemd-analyze verify did not complain about WatchdogSecs="
fi
log "ok: a wrong key is a complaint ($out)"
pass
