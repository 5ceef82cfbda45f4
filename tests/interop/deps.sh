#!/bin/bash
# Installs the Debian 12 packages needed to build vpnd and run all its
# tests (unit and strongSwan interop), but only those that are missing;
# then, as root, fetches the private libreswan 4.10 of the interop and
# redirect suites (tests/lib/libreswan.sh: `apt-get download` and
# `dpkg -x` into /var/cache/vpnd-test-libreswan, never installed, since
# it conflicts with strongSwan) and installs the runtime libraries it
# lacks (NSS, libevent, ldns, unbound, ...) and certutil, and the private
# systemd-resolved of the dns suite (tests/lib/resolved.sh, the same way).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)

# The private libreswan; idempotent and cheap once done.
libreswan() {
	# shellcheck source=../lib/libreswan.sh
	. "$HERE/../lib/libreswan.sh"
	ls_prepare || { echo "cannot prepare the private libreswan" >&2; exit 1; }
	# The dns suite's private systemd-resolved (tests/lib/resolved.sh),
	# unpacked, never installed: the package would take over the host's
	# /etc/resolv.conf.
	# shellcheck source=../lib/resolved.sh
	. "$HERE/../lib/resolved.sh"
	rs_prepare || { echo "cannot prepare the private systemd-resolved" >&2; exit 1; }
}

PKGS=(meson ninja-build gcc clang pkg-config libssl-dev libmnl-dev
      libyaml-dev libsystemd-dev libcunit1-dev iproute2 charon-systemd strongswan-swanctl
      strongswan-pki libcharon-extra-plugins libcharon-extauth-plugins
      libstrongswan-standard-plugins gdb nftables conntrack
      dbus-daemon python3)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
	[ "$(id -u)" = 0 ] && libreswan
	exit 0
fi

if [ "$(id -u)" != 0 ]; then
	echo "missing packages: ${missing[*]} (run as root to install them)" >&2
	exit 1
fi
echo "installing: ${missing[*]}"
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
libreswan
