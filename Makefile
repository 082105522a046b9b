# SPDX-License-Identifier: GPL-2.0
#
# pvx: build the module and the userspace tools, run the test box.
#
#   make            pvx.ko (against KDIR), the userspace programs and guests
#   make guests     the freestanding guest images (tests/guest/ -> build/guest/)
#   make unit       host tests of libpvx, pvxctl, ioring/ and the backends
#                   (no pvx.ko needed; the backends also under valgrind)
#   make deps       install every Debian package the build, box and tests need
#   make demo       the main job: load pvx, show `pvxctl info`, run the
#                   example guests (one with exits trapped and logged), unload
#                   (natively on a VT-x host, in the Bochs test box elsewhere)
#   make check      deps, -Werror and sparse builds, and the test suite in boxes
#   make bench      pvx beside KVM in one box: table, build/bench/bench.{json,png}
#   make sparse     the module under sparse; fails on any sparse warning
#   make blkbench   the block backend's request rate on this host (no pvx.ko)
#   make clean

SHELL := /bin/bash
TOP := $(CURDIR)
BUILD := $(TOP)/build
PVXBOX := $(TOP)/tests/box/pvxbox

# The box kernel: whatever Debian's linux-image-amd64 depends on today.
KVER ?= $(shell $(PVXBOX) --print-kver)
BOX_KDIR = /usr/src/linux-headers-$(KVER)
RUN_KDIR := /lib/modules/$(shell uname -r)/build
# The running kernel's build tree when there is one, else the box kernel's.
KDIR ?= $(if $(wildcard $(RUN_KDIR)/Makefile),$(RUN_KDIR),$(BOX_KDIR))

# True on a host whose CPU has VT-x enabled: demo runs natively there.
HOST_HAS_VMX := $(shell grep -qw vmx /proc/cpuinfo && echo y)

CC ?= gcc
OBJCOPY ?= objcopy
USER_CFLAGS := -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror \
	-I$(TOP)/uapi -I$(TOP)/userspace/lib -I$(TOP)/tests/lib -I$(TOP)/ioring \
	-I$(TOP)/userspace/backends
# Static, so the box's initramfs needs no C library.
USER_LDFLAGS := -static
# libpvx decompresses xz bzImage payloads (libpvx_pvh.c): liblzma, static.
USER_LIBS := -llzma

LIBPVX_SRC := $(wildcard userspace/lib/*.c)
LIBPVX_OBJ := $(LIBPVX_SRC:%.c=$(BUILD)/obj/%.o)
LIBPVX := $(BUILD)/libpvx.a
# The Xen split-driver backends (userspace/backends/): linked by pvxctl
# and the unit tests; the block backend uses liburing.
BACKENDS_SRC := $(wildcard userspace/backends/*.c)
LIBPVXBE := $(BUILD)/libpvxbe.a
BACKENDS_LIBS := -luring -pthread
PVXCTL := $(BUILD)/bin/pvxctl
PVXCTL_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard userspace/pvxctl/*.c))
TESTLIB_SRC := $(wildcard tests/lib/*.c)
TESTLIB := $(BUILD)/libpvxtest.a
TEST_SRC := $(wildcard tests/selftests/*.c)
TEST_BIN := $(TEST_SRC:tests/selftests/%.c=$(BUILD)/tests/%) $(BUILD)/tests/compat32
USER_HDRS := uapi/linux/pvx.h uapi/linux/pvx_xen.h $(wildcard userspace/lib/*.h tests/lib/*.h tests/guest/*.h \
	userspace/pvxctl/*.h ioring/*.h userspace/backends/*.h)
# Host-side unit tests of libpvx and pvxctl (no /dev/pvx needed): `make unit`.
UNIT_SRC := $(wildcard tests/unit/*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/unit/%)

# Guest images: freestanding programs built with the host compiler, run by
# `pvxctl run` and the tests (tests/guest/, runtime in tests/guest/rt/).
# tests/guest/NAME.c is a long-mode C guest, an ELF at 1 MiB: GUEST_BUILD/NAME.
# tests/guest/NAME16.S is a real-mode assembly guest, flat at 0x7c00:
# GUEST_BUILD/NAME16.bin.
GUEST_BUILD := $(BUILD)/guest
GUEST_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror -ffreestanding \
	-fno-pic -fno-pie -mcmodel=small -mno-red-zone -mgeneral-regs-only \
	-fno-stack-protector -fcf-protection=none -fno-asynchronous-unwind-tables \
	-fno-tree-loop-distribute-patterns \
	-I$(TOP)/tests/guest/rt -I$(TOP)/userspace/lib -I$(TOP)/uapi -I$(TOP)/ioring
GUEST_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none \
	-Wl,-z,noexecstack -Wl,-z,max-page-size=0x1000
GUEST_HDRS := userspace/lib/pvx_ports.h uapi/linux/pvx_xen.h ioring/ioring.h $(wildcard tests/guest/rt/*.h tests/guest/*.h)
GUEST_RT_OBJ := $(patsubst tests/guest/%,$(GUEST_BUILD)/obj/%.o, \
	$(basename $(wildcard tests/guest/rt/*.c tests/guest/rt/*.S)))
GUEST_ELFS := $(patsubst tests/guest/%.c,$(GUEST_BUILD)/%,$(wildcard tests/guest/*.c))
GUEST_16 := $(patsubst tests/guest/%.S,$(GUEST_BUILD)/%,$(wildcard tests/guest/*16.S))
# tests/guest/pvh/: the PVH test kernel, an ELF32 with Xen's entry note,
# for pvxctl boot: GUEST_BUILD/pvhtest.
PVH_GUEST := $(GUEST_BUILD)/pvhtest
PVH_CFLAGS := -m32 -std=c11 -O2 -g -Wall -Wextra -Werror -ffreestanding \
	-fno-pic -fno-stack-protector -mgeneral-regs-only -fno-asynchronous-unwind-tables \
	-I$(TOP)/uapi -I/usr/include/x86_64-linux-gnu
GUESTS := $(GUEST_ELFS) $(GUEST_16:%=%.bin) $(PVH_GUEST)

# Boxes for `make check`: NAME:CPU_MODEL:NCPUS:SUITE (tests/suites/SUITE).
CHECK_BOXES := \
	smp:corei7_skylake_x:2:smp:timeout=1500 \
	linux:corei7_skylake_x:1:linux:timeout=1500 \
	up:corei7_skylake_x:1:up \
	pv:corei7_skylake_x:1:pv \
	sandy:corei7_sandy_bridge_2600k:1:sandy \
	noept:core2_penryn_t9600:1:refuse-noept \
	novmx:athlon64_clawhammer:1:refuse-novmx
DEMO_BOX := demo:corei7_skylake_x:2:demo:timeout=1800
# The benchmark boxes: every row on 1 CPU (tests/suites/bench), the
# interrupt rows across 2 CPUs (bench-smp). BENCH_NAME names their run
# directories; BENCH_JOBS=1 runs them one after the other.
BENCH_NAME ?= bench
BENCH_BOXES = $(BENCH_NAME):corei7_skylake_x:1:bench:timeout=2400 \
	$(BENCH_NAME)-smp:corei7_skylake_x:2:bench-smp
BENCH_JOBS ?= 2
BENCH_OUT := $(BUILD)/bench
BOX_ROOTFS := $(BUILD)/box/rootfs

.SECONDARY:

.PHONY: all module userspace guests unit deps check demo bench sparse uapi-check clean \
	box-rootfs blkbench linux-guest

all: module userspace

# Rebuild from scratch when KDIR changes (host kernel vs box kernel).
module:
	@if [ "$$(cat $(BUILD)/.kdir 2>/dev/null)" != "$(KDIR)" ]; then \
		$(MAKE) -C $(KDIR) M=$(TOP) clean >/dev/null 2>&1 || true; \
		mkdir -p $(BUILD) && echo "$(KDIR)" > $(BUILD)/.kdir; \
	fi
	$(MAKE) -C $(KDIR) M=$(TOP) modules

# Sparse on every kernel source (C=2 checks even up-to-date objects).
sparse:
	@mkdir -p $(BUILD)
	set -o pipefail; $(MAKE) -C $(KDIR) M=$(TOP) C=2 modules 2>&1 | tee $(BUILD)/sparse.log
	@if grep -E ': (warning|error):' $(BUILD)/sparse.log; then \
		echo "sparse: warnings above"; exit 1; fi

userspace: $(PVXCTL) $(LIBPVXBE) $(TEST_BIN) guests

guests: $(GUESTS)

# Runs on the build host: loaders, tables, CPUID, ports, the run loop.
# Then the backends' tests again under valgrind, linked dynamically (memcheck
# must see malloc): a leak or a use of uninitialised memory fails.
VALGRIND_UNITS := console_unit xenstore_unit blk_unit domain_unit
VALGRIND := valgrind -q --leak-check=full --show-leak-kinds=definite,indirect \
	--errors-for-leak-kinds=definite,indirect --error-exitcode=9
unit: $(UNIT_BIN) $(VALGRIND_UNITS:%=$(BUILD)/vg/%) guests
	set -e; for t in $(UNIT_BIN); do $$t $(GUEST_BUILD); done
	set -e; for t in $(VALGRIND_UNITS); do echo "valgrind $$t"; \
		$(VALGRIND) $(BUILD)/vg/$$t >/dev/null; done

# The uapi header stands alone in userspace (linux/types.h, linux/ioctl.h),
# as strict C11, and its struct sizes (part of the ioctl numbers) stay fixed.
uapi-check:
	printf '%s\n' '#include <linux/pvx.h>' \
		'#define SIZE(s, n) typedef char s##_size[sizeof(struct s) == n ? 1 : -1];' \
		'SIZE(pvx_caps, 128) SIZE(pvx_cpu_state, 32) SIZE(pvx_memory_region, 32)' \
		'SIZE(pvx_regs, 144) SIZE(pvx_segment, 32) SIZE(pvx_dtable, 16)' \
		'SIZE(pvx_sregs, 336) SIZE(pvx_msr_entry, 16) SIZE(pvx_msrs, 16)' \
		'SIZE(pvx_cpuid_entry, 32) SIZE(pvx_cpuid, 16) SIZE(pvx_run, 264)' \
		'SIZE(pvx_range, 8) SIZE(pvx_exit_policy, 208) SIZE(pvx_interrupt, 8)' \
		'SIZE(pvx_exception, 16) SIZE(pvx_stats, 1544)' \
		'SIZE(pvx_clear_events, 8)' \
		'SIZE(pvx_pv_config, 56) SIZE(pvx_pv_param, 16) SIZE(pvx_evtchn_host, 24)' \
		'SIZE(pvx_pv_console, 24) SIZE(pvx_gnt_copy_seg, 24) SIZE(pvx_gnt_copy, 16)' \
		'SIZE(pvx_gnt_map, 16) SIZE(pvx_gpa_range, 16) SIZE(pvx_platform, 224)' \
		'#include <linux/pvx_xen.h>' | \
		$(CC) -std=c11 -pedantic -Wall -Wextra -Werror -I$(TOP)/uapi -fsyntax-only -x c -
	# ioring/ stays freestanding: it builds as guest code, no C library.
	printf '%s\n' '#include <ioring.h>' '#include <linux/pvx_xen.h>' \
		'int f(void *p); int f(void *p) {' 'struct ioring_back b;' 'ioring_idx_t rp;' \
		'if (ioring_back_attach(&b, p, 4096, sizeof(struct blkif_request)) ||' \
		'    ioring_back_req_prod(&b, &rp))' '	return 1;' \
		'return ioring_back_push(&b);' '}' | \
		$(CC) $(GUEST_CFLAGS) -fsyntax-only -x c -

$(BUILD)/obj/%.o: %.c $(USER_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -c -o $@ $<

$(LIBPVX): $(LIBPVX_OBJ)
	$(AR) rcs $@ $^

$(LIBPVXBE): $(BACKENDS_SRC:%.c=$(BUILD)/obj/%.o)
	$(AR) rcs $@ $^

$(TESTLIB): $(TESTLIB_SRC:%.c=$(BUILD)/obj/%.o)
	$(AR) rcs $@ $^

$(PVXCTL): $(PVXCTL_OBJ) $(LIBPVXBE) $(LIBPVX)
	@mkdir -p $(dir $@)
	$(CC) $(USER_LDFLAGS) -o $@ $^ $(BACKENDS_LIBS) $(USER_LIBS)

# compat_test's 32-bit helper: freestanding i386, no 32-bit libc needed.
$(BUILD)/tests/compat32: tests/selftests/compat32/compat32.c uapi/linux/pvx.h
	@mkdir -p $(dir $@)
	$(CC) -m32 -std=c11 -O2 -Wall -Wextra -Werror -ffreestanding -nostdlib \
		-static -fno-pic -no-pie -fno-stack-protector -fcf-protection=none \
		-I$(TOP)/uapi -I/usr/include/$(shell $(CC) -dumpmachine) -o $@ $<

$(BUILD)/tests/%: $(BUILD)/obj/tests/selftests/%.o $(TESTLIB) $(LIBPVX)
	@mkdir -p $(dir $@)
	$(CC) $(USER_LDFLAGS) -o $@ $^ $(USER_LIBS)

# The split-driver test and the bench run the backends in their own process.
$(BUILD)/tests/pvdisk_test $(BUILD)/tests/bench: $(BUILD)/tests/%: \
		$(BUILD)/obj/tests/selftests/%.o $(TESTLIB) $(LIBPVXBE) $(LIBPVX)
	@mkdir -p $(dir $@)
	$(CC) $(USER_LDFLAGS) -o $@ $^ $(BACKENDS_LIBS) $(USER_LIBS)

# The block backend's benchmark on the host (fake transport, tests/unit/blkfront.h).
BLKBENCH := $(BUILD)/bench/blkbench
blkbench: $(BLKBENCH)
	$(BLKBENCH)

$(BLKBENCH): tests/bench/blkbench.c $(USER_HDRS) $(wildcard tests/unit/*.h) $(LIBPVXBE)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -I$(TOP)/tests/unit $(USER_LDFLAGS) -o $@ $< $(LIBPVXBE) \
		$(BACKENDS_LIBS) $(USER_LIBS)

$(BUILD)/vg/%: $(BUILD)/obj/tests/unit/%.o $(TESTLIB) $(LIBPVXBE) $(LIBPVX)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(BACKENDS_LIBS) $(USER_LIBS)

$(BUILD)/unit/%: $(BUILD)/obj/tests/unit/%.o $(TESTLIB) $(LIBPVXBE) $(LIBPVX)
	@mkdir -p $(dir $@)
	$(CC) $(USER_LDFLAGS) -o $@ $^ $(BACKENDS_LIBS) $(USER_LIBS)

$(GUEST_BUILD)/obj/%.o: tests/guest/%.c $(GUEST_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -c -o $@ $<

$(GUEST_BUILD)/obj/%.o: tests/guest/%.S $(GUEST_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -c -o $@ $<

$(GUEST_ELFS): $(GUEST_BUILD)/%: $(GUEST_BUILD)/obj/%.o $(GUEST_RT_OBJ) \
		tests/guest/rt/guest.ld
	$(CC) $(GUEST_CFLAGS) $(GUEST_LDFLAGS) -T tests/guest/rt/guest.ld \
		-o $@ $< $(GUEST_RT_OBJ)

$(PVH_GUEST): tests/guest/pvh/entry.S tests/guest/pvh/pvhtest.c \
		tests/guest/pvh/pvh.ld uapi/linux/pvx_xen.h
	@mkdir -p $(dir $@)
	$(CC) $(PVH_CFLAGS) -nostdlib -static -no-pie -Wl,--build-id=none \
		-Wl,--no-warn-rwx-segments \
		-T tests/guest/pvh/pvh.ld -o $@ tests/guest/pvh/entry.S \
		tests/guest/pvh/pvhtest.c

$(GUEST_16:%=%.elf): $(GUEST_BUILD)/%.elf: $(GUEST_BUILD)/obj/%.o tests/guest/rt/real16.ld
	$(CC) $(GUEST_LDFLAGS) -T tests/guest/rt/real16.ld -o $@ $<

%16.bin: %16.elf
	$(OBJCOPY) -O binary $< $@

deps:
	tests/deps.sh

# What the box's initramfs carries besides busybox and the KVM modules.
box-rootfs: userspace
	$(MAKE) module KDIR=$(BOX_KDIR)
	rm -rf $(BOX_ROOTFS)
	mkdir -p $(BOX_ROOTFS)/pvx/bin $(BOX_ROOTFS)/pvx/tests
	cp pvx.ko $(BOX_ROOTFS)/pvx/
	cp $(PVXCTL) $(BOX_ROOTFS)/pvx/bin/
	cp $(TEST_BIN) $(BOX_ROOTFS)/pvx/tests/
	mkdir -p $(BOX_ROOTFS)/pvx/guests
	cp $(GUESTS) $(BOX_ROOTFS)/pvx/guests/
	cp -r tests/suites $(BOX_ROOTFS)/pvx/suites
	if [ -d $(BUILD)/linux ]; then cp -r $(BUILD)/linux $(BOX_ROOTFS)/pvx/linux; fi

# The box's own Debian kernel as a PVH guest of pvx (tests/box/linux-guest.sh):
# vmlinux, initramfs, ext4 disk in build/linux, staged as /pvx/linux by box-rootfs.
linux-guest: $(PVXCTL)
	tests/box/linux-guest.sh $(BUILD)/linux

check: deps
	$(MAKE) all KDIR=$(BOX_KDIR)
	$(MAKE) sparse uapi-check unit KDIR=$(BOX_KDIR)
	$(MAKE) linux-guest
	$(MAKE) box-rootfs
	$(PVXBOX) --rootfs $(BOX_ROOTFS) $(addprefix --box ,$(CHECK_BOXES))

# The bench box's verdict comes first (its TAP is judged like check's); the
# table, bench.json and bench.png come from the rows in its serial log. Its
# Linux rows (linux_bench) boot what linux-guest stages as /pvx/linux.
bench: deps
	$(MAKE) linux-guest
	$(MAKE) box-rootfs
	$(PVXBOX) --jobs $(BENCH_JOBS) --rootfs $(BOX_ROOTFS) \
		$(addprefix --box ,$(BENCH_BOXES)); rc=$$?; \
	python3 tests/bench/bench_report.py $(BUILD)/box/run/$(BENCH_NAME)/serial.log \
		$(BUILD)/box/run/$(BENCH_NAME)-smp/serial.log $(BENCH_OUT) && exit $$rc

ifeq ($(HOST_HAS_VMX),y)
demo: deps all linux-guest
	sudo insmod pvx.ko
	truncate -s 1M $(BUILD)/demo-pvdisk.img
	cp $(BUILD)/linux/disk.img $(BUILD)/demo-disk.img
	sudo $(PVXCTL) info && \
	sudo $(PVXCTL) run $(GUEST_BUILD)/hello --cpus 2 && \
	sudo $(PVXCTL) run --mode real $(GUEST_BUILD)/hello16.bin && \
	sudo $(PVXCTL) run --trap rdtsc,cpuid,exc=bp,ud --log --stats \
		$(GUEST_BUILD)/trapdemo && \
	sudo $(PVXCTL) run --pv --disk $(BUILD)/demo-pvdisk.img --console \
		$(GUEST_BUILD)/pvdisk && \
	printf 'uname -r\nnproc\ncat /proc/cmdline\npoweroff -f\n' | \
	sudo $(PVXCTL) boot --kernel $(BUILD)/linux/vmlinux \
		--initrd $(BUILD)/linux/initrd.cpio.gz --mem 256 --cpus 2 \
		--cmdline 'console=hvc0 earlyprintk=xen pvx.shell' \
		--disk $(BUILD)/demo-disk.img; \
	rc=$$?; sudo rmmod pvx; exit $$rc
else
demo: deps userspace linux-guest
	$(MAKE) box-rootfs
	$(PVXBOX) --echo --rootfs $(BOX_ROOTFS) --box $(DEMO_BOX)
endif

clean:
	-$(MAKE) -C $(KDIR) M=$(TOP) clean
	rm -rf $(BUILD)
