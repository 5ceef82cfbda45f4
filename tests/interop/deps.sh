#!/bin/bash
# Installs the Debian 12 packages needed to build vpnd and run all its
# tests (unit, strongSwan interop, the package), but only those that are
# missing;
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

# What vpnd itself needs (tests/build-deps.sh), then what the tests need:
# CUnit, clang (the second compiler), strongSwan for the interop suite,
# gdb, nftables and conntrack, debhelper, lintian and debootstrap for the
# 'package' suite (tests/package/), zsh and bash-completion for the
# completion suite (tests/completion/), dbus-daemon and python3 for the
# dns suite (tests/dns/), systemd (systemd-analyze, journald) and man-db
# for the 'systemd' suite (tests/systemd/).
# shellcheck source=../build-deps.sh
. "$HERE/../build-deps.sh"
TEST_PKGS=(clang libcunit1-dev charon-systemd strongswan-swanctl
           strongswan-pki libcharon-extra-plugins libcharon-extauth-plugins
           libstrongswan-standard-plugins gdb nftables conntrack
           build-essential debhelper lintian debootstrap zsh bash-completion
           dbus-daemon python3 systemd man-db)

apt_install_missing "${BUILD_PKGS[@]}" "${TEST_PKGS[@]}"
if [ "$(id -u)" = 0 ]; then
	libreswan
fi
