#!/bin/busybox sh
# PID 1 of the test VM (copied into the initramfs by prepare.sh).
#
# Loads the modules, mounts the host root (9p, read-only) under a tmpfs
# overlay so the guest can write /etc, /var and /tmp privately, then runs the
# job named by vpnd.job= on the kernel command line inside that root.  The
# job's exit code is reported as "VM-RESULT rc=N token=T" on the console,
# which run-in-vm.sh parses; the token from vpnd.token= keeps a job that
# prints such a line itself from faking the result.  A failure before the
# job also ends in a VM-RESULT line (rc=125 after a VM-SETUP-ERROR line), so
# the host never waits for a timeout it could have avoided.
/bin/busybox mkdir -p /usr/bin /usr/sbin
/bin/busybox --install -s

rel=@KERNEL_RELEASE@
fail() {
	echo "VM-SETUP-ERROR: $*"
	echo "VM-RESULT rc=125 token=$token"
	poweroff -f
}

mount -t proc proc /proc
job=
token=
for arg in $(cat /proc/cmdline); do
	case $arg in
	vpnd.job=*) job=${arg#vpnd.job=} ;;
	vpnd.token=*) token=${arg#vpnd.token=} ;;
	esac
done
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
echo /sbin/modprobe >/proc/sys/kernel/modprobe
echo
echo "VM-UP $(cut -d' ' -f1 /proc/uptime)"

# Dependency order was computed on the host from modules.dep.
while read -r m; do
	insmod "/lib/modules/$rel/$m" 2>/tmp/insmod.err ||
		echo "VM-WARN: insmod $m: $(cat /tmp/insmod.err)"
done <"/lib/modules/$rel/load-order"

[ -n "$job" ] || fail "no vpnd.job= on the kernel command line"

mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose \
	hostroot /host || fail "cannot mount host root over 9p"
mount -t tmpfs -o size=512m tmpfs /upper || fail "tmpfs for overlay"
mkdir -p /upper/data /upper/work
mount -t overlay overlay \
	-o lowerdir=/host,upperdir=/upper/data,workdir=/upper/work /newroot ||
	fail "overlay over host root"

r=/newroot
mount -t proc proc $r/proc || fail "proc in new root"
mount -t sysfs sysfs $r/sys || fail "sysfs in new root"
mount -t devtmpfs devtmpfs $r/dev || fail "devtmpfs in new root"
mkdir -p $r/dev/pts $r/dev/shm
mount -t devpts devpts $r/dev/pts
mount -t tmpfs tmpfs $r/dev/shm
# Fresh /run: the host's pid files and netns names must not leak in.
mount -t tmpfs tmpfs $r/run || fail "tmpfs on /run"
[ -f "$r$job" ] || fail "job $job not visible in guest"

echo "VM-JOB-START $(cut -d' ' -f1 /proc/uptime)"
chroot $r /bin/bash "$job" </dev/null 2>&1
rc=$?
echo "VM-JOB-END $(cut -d' ' -f1 /proc/uptime)"
echo "VM-RESULT rc=$rc token=$token"
sync
poweroff -f
