#!/bin/bash
# Installs the Debian 12 packages vpnd needs to build and run, and that
# the demo (tests/demo.sh) needs, but only those that are missing: the
# compiler and meson, the -dev packages of OpenSSL 3, libmnl, libyaml and
# libsystemd, and iproute2. No IKE daemon (strongSwan, libreswan), no
# CUnit, no clang: those are test dependencies (tests/interop/deps.sh,
# which installs this list too).
#
# Sourced (by tests/interop/deps.sh), it only defines BUILD_PKGS and
# apt_install_missing.
set -euo pipefail

BUILD_PKGS=(meson ninja-build gcc libc6-dev pkg-config libssl-dev
            libmnl-dev libyaml-dev libsystemd-dev iproute2)

# apt_install_missing PKG...: apt-get installs those of PKG that are not
# installed yet (as root); without root it names them and fails.
apt_install_missing() {
	local p missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$p")
	done
	((${#missing[@]} == 0)) && return 0
	if [ "$(id -u)" != 0 ]; then
		echo "missing packages: ${missing[*]} (run as root to install them)" >&2
		return 1
	fi
	echo "installing: ${missing[*]}"
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	apt_install_missing "${BUILD_PKGS[@]}"
fi
