#!/bin/bash
# Installs the Debian 12 packages needed to build vpnd and run all its
# tests (unit and strongSwan interop), but only those that are missing.
set -euo pipefail

PKGS=(meson ninja-build gcc clang pkg-config libssl-dev libmnl-dev
      libyaml-dev libcunit1-dev iproute2 charon-systemd strongswan-swanctl
      strongswan-pki libcharon-extra-plugins libcharon-extauth-plugins
      libstrongswan-standard-plugins gdb)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		grep -q 'install ok installed' || missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "missing packages: ${missing[*]} (run as root to install them)" >&2
	exit 1
fi
echo "installing: ${missing[*]}"
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
