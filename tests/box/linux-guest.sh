#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# linux-guest.sh OUTDIR: what the box needs to boot its own Debian kernel
# inside pvx as a Xen PVH guest (pvxctl boot), built on the host:
#   OUTDIR/vmlinux        the ELF of build/box/kernel/KVER/boot/vmlinuz-KVER
#                         (pvxctl boot --extract: the xz payload, decompressed)
#   OUTDIR/initrd.cpio.gz busybox-static and an /init that loads the block
#                         and ext4 modules of the same kernel package
#                         (build/box/cache/linux-image-KVER*.deb; Debian's
#                         .ko files there are not compressed), mounts
#                         /dev/xvda, prints the marker, writes guest-wrote,
#                         syncs, then with pvx.shell on the kernel command
#                         line runs a busybox shell on hvc0 (pvxctl boot's
#                         stdin, a terminal or a pipe), and powers off
#   OUTDIR/disk.img       16 MiB ext4 made by mke2fs -d, holding "marker"
#   OUTDIR/loop.ko        the same package's loop driver, for the box itself:
#                         the bench's host-side 4 KiB O_DIRECT reads of
#                         disk.img go through /dev/loop0 (linux_bench.c)
# pvx guests' init prints "pvx-guest: " lines that box suites look for.
set -euo pipefail
cd "$(dirname "$0")/../.."

out=${1:?usage: linux-guest.sh OUTDIR}
kver=$(tests/box/pvxbox --print-kver)
deb=$(ls build/box/cache/linux-image-"$kver"_*.deb | head -n1)
bz=build/box/kernel/$kver/boot/vmlinuz-$kver
pvxctl=build/bin/pvxctl
# Module load order: each after what it needs (modinfo depends).
modules="lib/crc16 crypto/crc32c_generic lib/libcrc32c fs/mbcache fs/jbd2/jbd2
	fs/ext4/ext4 drivers/block/xen-blkfront"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"

"$pvxctl" boot --kernel "$bz" --extract "$out/vmlinux"

dpkg-deb -x "$deb" "$tmp/deb"
root=$tmp/initrd
mkdir -p "$root"/{bin,dev,proc,sys,mnt,lib/modules}
cp /bin/busybox "$root/bin/busybox"
for m in $modules; do
	cp "$tmp/deb/lib/modules/$kver/kernel/$m.ko" "$root/lib/modules/"
done
cat > "$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "pvx-guest: init reached, uptime $(cut -d' ' -f1 /proc/uptime) s"
# With more than one CPU: CPU 1's Xen IPI and timer event counts (column 3
# of /proc/interrupts, by action name: resched1, callfunc1,
# callfuncsingle1, timer1), then a shell moved onto CPU 1 (waking it takes an
# IPI) says where it runs (field 39 of /proc/self/stat), then the counts;
# then CPU 1 offline (it halts with interrupts off) and online again (a
# new INIT-SIPI-SIPI, its event channels bound anew), and used again.
# Before that, each CPU's topology as /proc/cpuinfo says, one line each.
echo "pvx-guest: nproc $(nproc)"
cpu_topology() {
	awk -F'\t*: ' '$1 == "processor" { p = $2 } $1 == "physical id" { ph = $2 }
	     $1 == "core id" { c = $2 } $1 == "cpu cores" { n = $2 }
	     $1 == "apicid" { a = $2 }
	     $1 == "initial apicid" { printf "pvx-guest: cpuinfo cpu %s physical %s core %s cores %s apicid %s initial %s\n", p, ph, c, n, a, $2 }' \
		/proc/cpuinfo
}
cpu1_counts() {
	awk '$NF ~ /^(resched|callfunc|callfuncsingle)1$/ { ipi += $3 }
	     $NF == "timer1" { t = $3 }
	     END { printf "pvx-guest: cpu1 %s ipi %d timer %d\n", tag, ipi, t }' \
		tag="$1" /proc/interrupts
}
if [ "$(nproc)" -gt 1 ]; then
	cpu_topology
	cpu1_counts before
	echo "pvx-guest: cpu1 ran on cpu $(taskset -c 1 cut -d' ' -f39 /proc/self/stat)"
	cpu1_counts after
	echo 0 >/sys/devices/system/cpu/cpu1/online
	echo "pvx-guest: cpu1 offline, nproc $(nproc)"
	echo 1 >/sys/devices/system/cpu/cpu1/online
	echo "pvx-guest: cpu1 online, nproc $(nproc)"
	echo "pvx-guest: cpu1 back, ran on cpu $(taskset -c 1 cut -d' ' -f39 /proc/self/stat)"
fi
for m in crc16 crc32c_generic libcrc32c mbcache jbd2 ext4 xen-blkfront; do
	insmod /lib/modules/$m.ko || echo "pvx-guest: insmod $m failed"
done
# xen-blkfront's insmod waits for the disks xenstore lists to connect; the
# node may still be on its way. No vbd in xenstore: no disk, no waiting
# (each sleep is a fork and exec in the guest: slow in an emulated box).
i=0
while [ -e /sys/bus/xen/devices/vbd-51712 ] && [ ! -b /dev/xvda ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
if [ -b /dev/xvda ] && mount -t ext4 /dev/xvda /mnt; then
	echo "pvx-guest: marker: $(cat /mnt/marker)"
	echo "written by the pvx guest" > /mnt/guest-wrote
	sync
	umount /mnt
	echo "pvx-guest: wrote guest-wrote"
else
	echo "pvx-guest: no /dev/xvda to mount"
	dmesg | tail -n 20
fi
# pvx.shell: a shell on hvc0 whose stdin is pvxctl boot's (setsid +
# cttyhack: hvc0 becomes its controlling terminal). Its commands may power
# the guest off; if it exits instead, /init goes on to power off.
if grep -qw pvx.shell /proc/cmdline; then
	echo "pvx-guest: shell on hvc0"
	setsid cttyhack sh
fi
echo "pvx-guest: done, uptime $(cut -d' ' -f1 /proc/uptime) s"
poweroff -f
INIT
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -9) > "$out/initrd.cpio.gz"
cp "$tmp/deb/lib/modules/$kver/kernel/drivers/block/loop.ko" "$out/loop.ko"

mkdir -p "$tmp/disk"
echo "pvx marker $(date -u +%Y%m%d)" > "$tmp/disk/marker"
rm -f "$out/disk.img"
mke2fs -q -t ext4 -d "$tmp/disk" -L pvxroot "$out/disk.img" 16M
ls -l "$out"
