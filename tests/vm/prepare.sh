#!/bin/bash
# Prepare a Debian kernel and a busybox initramfs for the ESP test VM.
#
# The host kernel lacks ESP, so tests that need a real data path boot the
# kernel that linux-image-amd64 points at under qemu/TCG.  This script is
# idempotent: it only downloads, unpacks or rebuilds what is missing or stale.
#
# Usage: prepare.sh            (prints the cache directory on stdout)
# Env:   VPND_VM_CACHE         cache directory (default /var/cache/vpnd-test-vm)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${VPND_VM_CACHE:-/var/cache/vpnd-test-vm}

log() { echo "prepare: $*" >&2; }
die() { echo "prepare: error: $*" >&2; exit 1; }

# Modules the guest needs.  Built-in ones (cbc, hmac, sha256, aes, ...) are
# skipped automatically; dependencies come from modules.dep, not guesses.
# Templates the kernel looks up by name at run time (ghash for gcm, ctr,
# chacha/poly1305, sha512) are listed explicitly because modules.dep cannot
# see them.
wanted_modules=(
	virtio virtio_ring virtio_pci 9p 9pnet 9pnet_virtio overlay
	virtio_rng veth dummy
	xfrm_user xfrm_algo af_key xfrm_interface
	esp4 esp6 ah4 ah6 ipcomp ipcomp6 xfrm_ipcomp
	tunnel4 tunnel6 xfrm4_tunnel xfrm6_tunnel udp_tunnel ip6_udp_tunnel
	authenc authencesn echainiv seqiv gcm ghash-generic ctr ccm cmac
	xcbc chacha20poly1305 chacha_generic poly1305_generic
	sha512_generic sha256_generic sha1_generic des_generic
	crypto_user af_alg algif_hash algif_skcipher
	# seqiv/echainiv draw IVs from "stdrng", which is a module here.
	drbg
)

need_host_tools() {
	local missing=()
	command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
	dpkg-query -W -f='${Status}' busybox-static 2>/dev/null |
		grep -q 'ok installed' || missing+=(busybox-static)
	command -v cpio >/dev/null || missing+=(cpio)
	command -v depmod >/dev/null || missing+=(kmod)
	# The guest runs the host's binaries; tests ping through tunnels.
	command -v ping >/dev/null || missing+=(iputils-ping)
	[ ${#missing[@]} -eq 0 ] && return 0
	log "installing ${missing[*]}"
	[ "$(id -u)" -eq 0 ] || die "need root to install ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends "${missing[@]}" >&2 ||
		{ apt-get update -q >&2 &&
		  DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends "${missing[@]}" >&2; } ||
		die "apt-get install ${missing[*]} failed"
}

# The versioned kernel package the meta package depends on, e.g.
# linux-image-6.1.0-56-amd64.
kernel_package() {
	local pkg
	pkg=$(apt-cache show --no-all-versions linux-image-amd64 2>/dev/null |
		sed -n 's/^Depends:.*\(linux-image-[0-9][^ ,]*-amd64\).*/\1/p' |
		head -n1)
	if [ -z "$pkg" ]; then
		apt-get update -q >&2 || true
		pkg=$(apt-cache show --no-all-versions linux-image-amd64 |
			sed -n 's/^Depends:.*\(linux-image-[0-9][^ ,]*-amd64\).*/\1/p' |
			head -n1)
	fi
	[ -n "$pkg" ] || die "cannot resolve linux-image-amd64 dependency"
	echo "$pkg"
}

fetch_kernel() {
	local pkg=$1 deb
	deb=$(ls "$cache"/debs/"$pkg"_*.deb 2>/dev/null | head -n1 || true)
	if [ -z "$deb" ]; then
		log "downloading $pkg"
		mkdir -p "$cache/debs"
		(cd "$cache/debs" && apt-get download -q "$pkg" >&2) ||
			die "apt-get download $pkg failed"
		deb=$(ls "$cache"/debs/"$pkg"_*.deb | head -n1)
	fi
	if [ ! -f "$cache/root/.unpacked-$(basename "$deb")" ]; then
		log "unpacking $(basename "$deb")"
		rm -rf "$cache/root"
		mkdir -p "$cache/root"
		dpkg -x "$deb" "$cache/root"
		touch "$cache/root/.unpacked-$(basename "$deb")"
	fi
}

kernel_release() {
	local rel
	rel=$(ls "$cache/root/lib/modules" | head -n1)
	[ -n "$rel" ] || die "no modules in unpacked kernel"
	echo "$rel"
}

# Print module paths (relative to /lib/modules/REL) of the wanted modules
# and everything they depend on, dependencies first.
resolve_modules() {
	local rel=$1 moddir=$cache/root/lib/modules/$1
	[ -f "$moddir/modules.dep" ] || depmod -b "$cache/root" "$rel"
	local name
	for name in "${wanted_modules[@]}"; do
		local file
		file=$(awk -F: -v n="$name" '{
			b = $1; sub(/.*\//, "", b); sub(/\.ko(\.[a-z]+)?$/, "", b)
			gsub(/-/, "_", b); m = n; gsub(/-/, "_", m)
			if (b == m) { print $1; exit }
		}' "$moddir/modules.dep")
		if [ -z "$file" ]; then
			grep -q "/${name//-/_}.ko\|/${name}.ko" \
				"$moddir/modules.builtin" ||
				log "note: $name is neither a module nor built in"
			continue
		fi
		emit_with_deps "$moddir" "$file"
	done | awk '!seen[$0]++'
}

emit_with_deps() {
	local moddir=$1 file=$2 dep
	for dep in $(awk -F: -v f="$file" '$1 == f { print $2; exit }' \
			"$moddir/modules.dep" | tr ' ' '\n' | tac); do
		emit_with_deps "$moddir" "$dep"
	done
	echo "$file"
}

write_init() {
	local rel=$1 dst=$2
	sed "s/@KERNEL_RELEASE@/$rel/" "$here/guest-init.sh" >"$dst/init"
	chmod 755 "$dst/init"
}

build_initramfs() {
	local rel=$1 stamp_src stamp out=$cache/initrd.gz
	stamp_src=$( { cat "$here/prepare.sh" "$here/guest-init.sh";
		echo "$rel"; } | sha256sum | cut -d' ' -f1)
	stamp=$cache/initrd.stamp
	if [ -f "$out" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$stamp_src" ] &&
		gzip -t "$out" 2>/dev/null; then
		return 0
	fi
	log "building initramfs for $rel"
	local work
	work=$(mktemp -d "$cache/initrd.XXXXXX")
	mkdir -p "$work"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run}
	mkdir -p "$work"/{host,newroot,upper,lib/modules/"$rel"}
	cp /bin/busybox "$work/bin/busybox"
	local src=$cache/root/lib/modules/$rel dst=$work/lib/modules/$rel m
	resolve_modules "$rel" >"$work/load-order.tmp"
	while read -r m; do
		mkdir -p "$dst/$(dirname "$m")"
		cp "$src/$m" "$dst/$m"
	done <"$work/load-order.tmp"
	cp "$src"/modules.builtin* "$src/modules.order" "$dst/" 2>/dev/null || true
	depmod -b "$work" "$rel"
	mv "$work/load-order.tmp" "$dst/load-order"
	write_init "$rel" "$work"
	(cd "$work" && find . | LC_ALL=C sort | cpio -o -H newc --quiet |
		gzip -1) >"$out.tmp"
	mv "$out.tmp" "$out"
	echo "$stamp_src" >"$stamp"
	log "initramfs: $(wc -l <"$dst/load-order") modules, $(du -h "$out" | cut -f1)"
	rm -rf "$work"
}

main() {
	need_host_tools
	mkdir -p "$cache"
	exec 9>"$cache/.lock"
	flock 9
	local pkg rel
	pkg=$(kernel_package)
	fetch_kernel "$pkg"
	rel=$(kernel_release)
	build_initramfs "$rel"
	ln -sf "root/boot/vmlinuz-$rel" "$cache/vmlinuz"
	echo "$cache"
}

main "$@"
