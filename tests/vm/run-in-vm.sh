#!/bin/bash
# Run SCRIPT [ARGS...] as root inside a Debian-kernel VM (qemu, TCG).
#
# Usage: run-in-vm.sh [--libreswan] [--resolved] SCRIPT [ARGS...]
#   --libreswan  runs ls_prepare (tests/lib/libreswan.sh) on the host
#                before the boot: the guest has no network, so the
#                private libreswan must be unpacked (and its libraries
#                installed) where the guest sees it through the share
#   --resolved   the same for the private systemd-resolved (rs_prepare
#                of tests/lib/resolved.sh)
#
# The guest sees the host root read-only under a private tmpfs overlay, so
# host binaries (charon-systemd, swanctl, ip) and build outputs run unchanged
# at their usual paths.  The guest's console is streamed to our stdout; the
# script's exit code comes back through a "VM-RESULT rc=N" marker line.
#
# Env: VPND_VM_CACHE    cache dir for kernel/initramfs (see prepare.sh)
#      VPND_VM_TIMEOUT  seconds until the job must have finished (300)
#      VPND_VM_BOOT_TIMEOUT  seconds until the guest init must be up (120)
#      VPND_VM_MEM      guest memory in MiB (1024)
#      VPND_* variables, VPND and VPNCTL (the built binaries, set by
#      meson) and the current directory are passed to SCRIPT.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
timeout_s=${VPND_VM_TIMEOUT:-300}
boot_timeout_s=${VPND_VM_BOOT_TIMEOUT:-120}

die() { echo "run-in-vm: $*" >&2; exit 1; }

with_libreswan=0
with_resolved=0
while :; do
	case ${1:-} in
	--libreswan) with_libreswan=1 ;;
	--resolved) with_resolved=1 ;;
	*) break ;;
	esac
	shift
done
[ $# -ge 1 ] || die "usage: run-in-vm.sh [--libreswan] [--resolved] SCRIPT [ARGS...]"
script=$(readlink -f "$1") || die "no such script: $1"
shift
[ -f "$script" ] || die "no such script: $script"

cache=$(bash "$here/prepare.sh") || die "VM did not boot: prepare.sh failed"
if [ "$with_libreswan" = 1 ]; then
	# shellcheck source=../lib/libreswan.sh
	. "$here/../lib/libreswan.sh"
	ls_prepare || die "cannot prepare the private libreswan on the host (ls_prepare)"
fi
if [ "$with_resolved" = 1 ]; then
	# shellcheck source=../lib/resolved.sh
	. "$here/../lib/resolved.sh"
	rs_prepare || die "cannot prepare the private systemd-resolved on the host (rs_prepare)"
fi

tmp=$(mktemp -d /tmp/vpnd-vm.XXXXXX) || die "mktemp failed"
qemu_pid=
# shellcheck disable=SC2317  # invoked through the EXIT trap
cleanup() {
	if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then
		kill "$qemu_pid" 2>/dev/null
		sleep 1
		kill -9 "$qemu_pid" 2>/dev/null
		wait "$qemu_pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The job file lives on the host and is read by the guest through the share.
{
	echo "cd $(printf %q "$PWD") 2>/dev/null || cd /"
	echo "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	echo "export HOME=/root VPND_IN_VM=1"
	env | grep -E '^(VPND|VPNCTL|VPND_[A-Za-z0-9_]*)=' |
		grep -v '^VPND_IN_VM=' |
		while IFS='=' read -r k v; do
			echo "export $k=$(printf %q "$v")"
		done
	printf 'exec /bin/bash %q' "$script"
	printf ' %q' "$@"
	echo
} >"$tmp/job.sh"

console=$tmp/console.log
token=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
start=$(date +%s)
qemu-system-x86_64 -accel tcg -m "${VPND_VM_MEM:-1024}" -smp 1 \
	-nographic -no-reboot -nic none -monitor none -serial stdio \
	-kernel "$cache/vmlinuz" -initrd "$cache/initrd.gz" \
	-device virtio-rng-pci \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	-append "console=ttyS0 panic=-1 quiet loglevel=3 edd=off vpnd.job=$tmp/job.sh vpnd.token=$token" \
	</dev/null >"$console" 2>&1 &
qemu_pid=$!

# Stream the console while waiting for qemu to end or the deadline to pass.
tail -n +1 -f --pid="$qemu_pid" "$console" 2>/dev/null | tr -d '\r' &
tail_pid=$!
booted=0
while kill -0 "$qemu_pid" 2>/dev/null; do
	now=$(( $(date +%s) - start ))
	[ "$now" -ge "$timeout_s" ] && break
	if [ "$booted" = 0 ]; then
		grep -q 'VM-UP' "$console" && booted=1
		[ "$booted" = 0 ] && [ "$now" -ge "$boot_timeout_s" ] && break
	fi
	sleep 1
done
timed_out=0
if kill -0 "$qemu_pid" 2>/dev/null; then
	timed_out=1
	kill "$qemu_pid" 2>/dev/null
fi
wait "$qemu_pid" 2>/dev/null
qemu_rc=$?
qemu_pid=
wait "$tail_pid" 2>/dev/null
elapsed=$(( $(date +%s) - start ))

result=$(tr -d '\r' <"$console" | sed -n "s/.*VM-RESULT rc=\\([0-9][0-9]*\\) token=$token\$/\\1/p" | tail -n1)
if [ -z "$result" ]; then
	echo "----- console tail -----" >&2
	tr -d '\r' <"$console" | tail -n 30 >&2
	echo "------------------------" >&2
	if ! grep -q 'VM-UP' <(tr -d '\r' <"$console"); then
		die "VM did not boot: no VM-UP line from the guest after ${elapsed}s (qemu rc=$qemu_rc, killed=$timed_out)"
	fi
	if [ "$timed_out" = 1 ]; then
		die "VM booted but the job did not finish within ${timeout_s}s (killed)"
	fi
	die "VM ended without a VM-RESULT line (qemu rc=$qemu_rc)"
fi
setup_error=$(tr -d '\r' <"$console" | sed -n 's/.*VM-SETUP-ERROR: //p' | head -n1)
if [ "$result" = 125 ] && [ -n "$setup_error" ]; then
	die "VM did not boot: guest setup failed: $setup_error"
fi
echo "run-in-vm: $(basename "$script") rc=$result in ${elapsed}s wall" >&2
exit "$result"
