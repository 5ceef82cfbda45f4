#!/bin/bash
# package: the Debian package, end to end.
#   1. packaging/build-deb.sh: `dpkg-buildpackage -b -us -uc` on a copy
#      of this source tree (packaging/debian as its debian/);
#   2. lintian on the .deb: every tag shown, any error (E:) fails;
#   3. a clean Debian 12 (debootstrap --variant=minbase from the Debian
#      mirror into this test's temp dir, never the host): `apt-get install
#      ./vpnd_*.deb` there, which must fetch vpnd's dependencies by the
#      package's Depends alone; the files where they belong (binaries, man
#      pages, examples, the unit, whose ExecStart must exist);
#   4. in that system, in new PID, mount and network namespaces: `vpnd
#      --version`, then vpnd started with a private profile dir, socket and
#      state dir; `vpnctl list` and `vpnctl status` answer for a profile
#      there; SIGTERM ends vpnd with status 0;
#   5. `apt-get purge vpnd` removes the binaries again.
# Needs root (debootstrap, chroot) and the Debian mirror
# (VPND_DEBIAN_MIRROR, default http://deb.debian.org/debian); the tools
# come from tests/interop/deps.sh. PACKAGE_KEEP=1 keeps the temp dir.
# shellcheck disable=SC2034 # read by tests/lib/common.sh
T_SUITE=package T_CASE=package T_KEEP_VAR=PACKAGE_KEEP
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/lib/common.sh
. "$HERE/../lib/common.sh"

MIRROR=${VPND_DEBIAN_MIRROR:-http://deb.debian.org/debian}
ROOT=
LINT_DIR=

show_context() {
	[ -n "$T_TMP" ] || return 0
	tail_file "$T_TMP/build.log" 40 "build-deb.sh (tail)"
	tail_file "$T_TMP/debootstrap.log" 20 "debootstrap (tail)"
	tail_file "$T_TMP/apt.log" 30 "apt-get in the clean system (tail)"
	tail_file "$T_TMP/run.log" 40 "vpnd in the clean system"
}

# The lintian dir goes. The mounts in the clean system are made in
# private mount namespaces and go with them; should one be seen on the
# host all the same, it goes before the temp dir (rm -rf must not walk
# into a bind-mounted /dev).
# shellcheck disable=SC2317 # called by t_cleanup
cleanup_hook() {
	[ -z "$LINT_DIR" ] || rm -rf "$LINT_DIR"
	[ -n "$ROOT" ] || return 0
	local m
	awk -v r="$ROOT/" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null || :; done
}

# in_root CMD...: CMD in the clean system, in its own mount namespace
# (the mounts go when it ends) with /proc, /dev and /sys it needs for apt.
in_root() {
	# shellcheck disable=SC2016 # $1 and $@ belong to the inner sh
	unshare --mount --fork sh -c '
		root=$1; shift
		mount --make-rprivate /
		mount -t proc proc "$root/proc"
		mount --rbind /dev "$root/dev"
		mount -t sysfs sys "$root/sys"
		exec chroot "$root" "$@"' sh "$ROOT" "$@"
}

require_root
require_tools dpkg-buildpackage dh lintian debootstrap unshare chroot runuser

t_begin

# ---------------------------------------------------------------- 1. build
log "building the .deb (packaging/build-deb.sh)"
"$SRC/packaging/build-deb.sh" "$T_TMP/out" >"$T_TMP/build.log" 2>&1 ||
	fail "packaging/build-deb.sh failed"
debs=("$T_TMP"/out/vpnd_*_*.deb)
deb=${debs[0]}
[ -f "$deb" ] || fail "no vpnd_*.deb in $T_TMP/out"
log "built $(basename "$deb") ($(stat -c %s "$deb") bytes):"
dpkg-deb -c "$deb" | awk '{ print "    | " $NF }'
dpkg-deb -f "$deb" Depends | sed 's/^/    | Depends: /'

# ---------------------------------------------------------------- 2. lintian
# As nobody where that user exists (lintian warns about root): the .deb
# then in a directory of its own that nobody can read.
lrc=0
if id nobody >/dev/null 2>&1; then
	LINT_DIR=$(mktemp -d /tmp/vpnd-package-lint.XXXXXX) || fail "mktemp"
	chmod 755 "$LINT_DIR"
	install -m 644 "$deb" "$LINT_DIR/"
	log "lintian $(basename "$deb") (as nobody)"
	(cd / && runuser -u nobody -- env HOME=/nonexistent lintian \
		--fail-on error "$LINT_DIR/$(basename "$deb")") \
		>"$T_TMP/lintian.out" 2>&1 || lrc=$?
else
	log "lintian $(basename "$deb")"
	lintian --fail-on error "$deb" >"$T_TMP/lintian.out" 2>&1 || lrc=$?
fi
sed 's/^/    | /' "$T_TMP/lintian.out"
grep -q '^E: ' "$T_TMP/lintian.out" && fail "lintian reports errors"
[ "$lrc" = 0 ] || fail "lintian exited $lrc"
log "ok: lintian: no errors ($(grep -c '^W: ' "$T_TMP/lintian.out") warnings)"

# ---------------------------------------------------------------- 3. clean system
ROOT=$T_TMP/root
log "debootstrap --variant=minbase bookworm $ROOT ($MIRROR)"
debootstrap --variant=minbase bookworm "$ROOT" "$MIRROR" \
	>"$T_TMP/debootstrap.log" 2>&1 || fail "debootstrap failed"
for p in libmnl0 libyaml-0-2; do
	in_root dpkg-query -W "$p" >/dev/null 2>&1 &&
		fail "the clean system already has $p: it would not show that the Depends are right"
done
log "ok: a minimal Debian 12 without vpnd's libraries (libmnl0, libyaml-0-2)"
cp "$deb" "$ROOT/tmp/"
# no service may start from the package's scripts in there
printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
chmod 755 "$ROOT/usr/sbin/policy-rc.d"
{
	in_root apt-get update &&
		in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y \
			--no-install-recommends "/tmp/$(basename "$deb")"
} >"$T_TMP/apt.log" 2>&1 || fail "apt-get install of the .deb in the clean system failed"
log "ok: apt-get install ./$(basename "$deb") in the clean system:"
grep -E '^(Setting up|Unpacking) ' "$T_TMP/apt.log" | sed 's/^/    | /'

for f in /usr/sbin/vpnd /usr/bin/vpnctl; do
	[ -x "$ROOT$f" ] || fail "$f is not installed (or not executable)"
done
for f in /usr/share/man/man8/vpnd.8.gz /usr/share/man/man8/vpnctl.8.gz \
	/usr/share/man/man5/vpnd.profile.5.gz \
	/usr/share/doc/vpnd/examples/psk-example.yaml; do
	[ -f "$ROOT$f" ] || fail "$f is not installed"
done
unit=$(in_root dpkg -L vpnd | grep -E '/systemd/system/vpnd\.service$' | head -n 1)
[ -n "$unit" ] || fail "the package has no vpnd.service"
exec_start=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$ROOT$unit" | head -n 1)
[ -x "$ROOT$exec_start" ] ||
	fail "$unit: ExecStart=$exec_start is not an installed program"
log "ok: binaries, man pages, examples and $unit (ExecStart=$exec_start) installed"

# ---------------------------------------------------------------- 4. run it
# One script in the clean system, in new PID, mount and network
# namespaces: nothing of vpnd's reaches the host's network, and every
# process in there ends with it.
cat >"$ROOT/tmp/run-vpnd.sh" <<'EOF'
#!/bin/sh
set -u
vpnd --version || { echo "FAILED: vpnd --version exited $?"; exit 1; }
d=$(mktemp -d)
mkdir -m 700 "$d/profiles" "$d/state"
umask 077
cat >"$d/profiles/office.yaml" <<'P'
connection: {name: office, gateway: 192.0.2.1}
local: {id: "fqdn:laptop.example", auth: psk, psk: "package-test-psk-0123456789"}
remote: {id: "fqdn:gw.example"}
traffic-selectors: {local: [dynamic], remote: ["198.51.100.0/24"]}
P
vpnctl check "$d/profiles/office.yaml" || { echo "FAILED: vpnctl check"; exit 1; }
vpnd -f -p "$d/profiles" -s "$d/vpnd.sock" --state-dir "$d/state" \
	>"$d/vpnd.log" 2>&1 &
pid=$!
i=0
while [ ! -S "$d/vpnd.sock" ] && [ $i -lt 100 ]; do
	kill -0 $pid 2>/dev/null || break
	sleep 0.1; i=$((i + 1))
done
[ -S "$d/vpnd.sock" ] || { echo "FAILED: vpnd made no socket"; cat "$d/vpnd.log"; exit 1; }
echo "vpnd (pid $pid) is up, socket $d/vpnd.sock"
rc=0
echo '$ vpnctl list'; vpnctl -s "$d/vpnd.sock" list >"$d/list" 2>&1 || rc=1
cat "$d/list"
grep -q office "$d/list" || { echo "FAILED: vpnctl list does not show office"; rc=1; }
echo '$ vpnctl status office'; vpnctl -s "$d/vpnd.sock" status office >"$d/status" 2>&1 || rc=1
cat "$d/status"
grep -q '^office: idle' "$d/status" || { echo "FAILED: office is not idle"; rc=1; }
kill -TERM $pid
wait $pid
vrc=$?
echo "vpnd exited $vrc after SIGTERM"
[ $vrc = 0 ] || rc=1
echo "---- vpnd's log ----"
cat "$d/vpnd.log"
exit $rc
EOF
chmod 755 "$ROOT/tmp/run-vpnd.sh"
log "vpnd from the package, in the clean system (new PID, mount and network namespaces):"
rrc=0
# shellcheck disable=SC2016 # $1 belongs to the inner sh
unshare --pid --mount --net --fork sh -c '
	root=$1
	mount --make-rprivate /
	mount -t proc proc "$root/proc"
	ip link set lo up 2>/dev/null
	exec chroot "$root" /tmp/run-vpnd.sh' sh "$ROOT" >"$T_TMP/run.log" 2>&1 || rrc=$?
sed 's/^/    | /' "$T_TMP/run.log"
[ "$rrc" = 0 ] || fail "vpnd from the package did not run as it should (exit $rrc)"
grep -qx "vpnd $(dpkg-deb -f "$deb" Version | sed 's/-[^-]*$//')" "$T_TMP/run.log" ||
	fail "vpnd --version does not print the package's upstream version"
log "ok: vpnd --version, vpnd started with a private profile dir, vpnctl list and status, SIGTERM"

# ---------------------------------------------------------------- 5. purge
in_root env DEBIAN_FRONTEND=noninteractive apt-get purge -y vpnd \
	>>"$T_TMP/apt.log" 2>&1 || fail "apt-get purge vpnd failed"
for f in /usr/sbin/vpnd /usr/bin/vpnctl "$unit"; do
	[ ! -e "$ROOT$f" ] || fail "$f is still there after apt-get purge vpnd"
done
log "ok: apt-get purge vpnd removed it"
pass
