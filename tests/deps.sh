#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install every Debian package that pvx's build, test box and tests need,
# then fetch the box kernel. Idempotent: installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

updated=
apt_update() {
	[ -n "$updated" ] && return
	as_root apt-get update -qq
	updated=y
}

# The box kernel version comes from the package lists: have some.
apt-cache show linux-image-amd64 >/dev/null 2>&1 || apt_update
kver=$(tests/box/pvxbox --print-kver)

packages=(
	make gcc libc6-dev linux-libc-dev kmod sparse python3	# build
	"linux-headers-$kver"					# module for the box
	bochs bochsbios vgabios					# the emulated VT-x CPU
	isolinux syslinux-common xorriso busybox-static cpio	# boot ISO, initramfs
	util-linux						# unshare(1)
	gnuplot-nox						# make bench's chart
	liblzma-dev						# libpvx: xz bzImage payloads
	e2fsprogs						# mke2fs -d: the Linux guest's disk
	liburing-dev valgrind					# block backend I/O; make unit leak check
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	apt_update
	as_root env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

tests/box/pvxbox --prepare
