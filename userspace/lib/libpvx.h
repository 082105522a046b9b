/* SPDX-License-Identifier: LGPL-2.1 */
/*
 * libpvx: the C library that pvxctl, the backends and the tests share to
 * reach the pvx host ABI (uapi/linux/pvx.h).
 *
 * Every function returns 0 (or a non-negative value) on success and a
 * negative errno on failure; none prints anything.
 */
#ifndef LIBPVX_H
#define LIBPVX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/pvx.h>
#include <linux/pvx_xen.h>

#define PVX_DEV_PATH "/dev/pvx"

/* Open /dev/pvx read-write, close-on-exec. Returns the fd or -errno. */
int pvx_open_system(void);

/* PVX_GET_API_VERSION: the module's API version or -errno. */
int pvx_api_version(int sys_fd);

/* PVX_GET_CAPS into @caps (zeroed here first). */
int pvx_get_caps(int sys_fd, struct pvx_caps *caps);

/* PVX_GET_CPU_STATE for host CPU @cpu into @st. */
int pvx_get_cpu_state(int sys_fd, unsigned int cpu, struct pvx_cpu_state *st);

/* The short name of one PVX_CAP_* bit ("ept_2m"), or NULL if unknown. */
const char *pvx_cap_name(uint64_t cap);

/* The PVX_CAP_* bit named @name, or 0 if no capability has that name. */
uint64_t pvx_cap_by_name(const char *name);

/* One-line advice for an errno from pvx_open_system(). */
const char *pvx_open_hint(int err);


/*
 * VMs and vCPUs (libpvx_vm.c).
 */

struct pvx_vcpu;

/* One slot of guest-physical memory, as libpvx keeps it. */
struct pvx_mem_slot {
	uint64_t gpa;		/* guest-physical base */
	uint64_t size;		/* bytes; 0: the slot is free */
	void *host;		/* where the guest's byte at @gpa is, here */
	uint32_t flags;		/* PVX_MEM_* */
	void *map;		/* what pvx_vm_add_ram() mapped (munmap'd with */
	size_t map_len;		/* the slot), or NULL for the caller's memory */
};

/* The guest-physical address space: slots by number. */
struct pvx_memmap {
	struct pvx_mem_slot slot[PVX_MAX_MEM_SLOTS];
};

/* A VM: its fd, its memory and the vCPUs created through libpvx. */
struct pvx_vm {
	int fd;
	size_t vcpu_mmap_size;		/* PVX_GET_VCPU_MMAP_SIZE */
	struct pvx_memmap mem;
	struct pvx_vcpu *vcpu[PVX_MAX_VCPUS];
};

/* Exit reasons counted per vCPU; a reason beyond them counts as UNKNOWN. */
#define PVX_NR_EXITS	(PVX_EXIT_PV_SHUTDOWN + 1)

/* A vCPU: its fd, its id, and the mmap'd struct pvx_run. */
struct pvx_vcpu {
	struct pvx_vm *vm;
	int fd;
	unsigned int id;
	struct pvx_run *run;		/* at offset 0 of the mapping */
	size_t mmap_size;		/* bytes mapped at @run */
	uint64_t exits[PVX_NR_EXITS];	/* PVX_RUN returns, by exit reason */
};

/*
 * PVX_CREATE_VM on @sys_fd, and PVX_GET_VCPU_MMAP_SIZE for the vCPUs to
 * come. On success *@vmp is a new VM without memory or vCPUs. @sys_fd stays
 * the caller's (the VM does not need it afterwards).
 */
int pvx_vm_create(int sys_fd, struct pvx_vm **vmp);

/*
 * Destroy every vCPU still attached to @vm, close the VM fd (the kernel
 * frees the VM on its last close), munmap what pvx_vm_add_ram() mapped and
 * free @vm. NULL is a no-op.
 */
void pvx_vm_destroy(struct pvx_vm *vm);

/*
 * PVX_CREATE_VCPU with id @id, and mmap of its run page and I/O data page.
 * -EINVAL for an id out of range, -EEXIST for an id taken.
 */
int pvx_vcpu_create(struct pvx_vm *vm, unsigned int id, struct pvx_vcpu **vcpup);

/* munmap the run page, close the vCPU fd, detach it from its VM, free it. */
void pvx_vcpu_destroy(struct pvx_vcpu *vcpu);

/* PVX_GET_REGS / PVX_SET_REGS. */
int pvx_vcpu_get_regs(struct pvx_vcpu *vcpu, struct pvx_regs *regs);
int pvx_vcpu_set_regs(struct pvx_vcpu *vcpu, const struct pvx_regs *regs);

/* PVX_GET_SREGS / PVX_SET_SREGS. */
int pvx_vcpu_get_sregs(struct pvx_vcpu *vcpu, struct pvx_sregs *sregs);
int pvx_vcpu_set_sregs(struct pvx_vcpu *vcpu, const struct pvx_sregs *sregs);

/* PVX_SET_CPUID with @nent entries (-E2BIG above PVX_MAX_CPUID_ENTRIES). */
int pvx_vcpu_set_cpuid(struct pvx_vcpu *vcpu,
		       const struct pvx_cpuid_entry *entries, unsigned int nent);
/*
 * PVX_GET_MSRS (or PVX_SET_MSRS with @set) of the one MSR @index: 1 when
 * done, 0 for an MSR pvx does not emulate or a value it refuses, -errno.
 */
int pvx_vcpu_msr(struct pvx_vcpu *vcpu, bool set, uint32_t index,
		 uint64_t *data);

/*
 * Guest memory (libpvx_mem.c).
 */

/* How pvx_vm_add_ram() backs guest RAM. */
enum pvx_backing {
	PVX_BACKING_PAGES,	/* anonymous memory, 4 KiB pages */
	PVX_BACKING_THP,	/* 2 MiB aligned, madvise(MADV_HUGEPAGE) */
	PVX_BACKING_HUGETLB,	/* MAP_HUGETLB 2 MiB pages; size a multiple */
};

/* The size and alignment of a huge page (and of an EPT 2 MiB page). */
#define PVX_HUGE_PAGE_SIZE	(2ULL << 20)

/*
 * Record @size bytes at @host as slot @slot at guest-physical @gpa in @mm,
 * without telling the kernel (pvx_vm_add_memory() does both). -EINVAL for a
 * slot out of range, a zero size or a range that wraps; -EEXIST if the slot
 * is in use; -EBUSY if the range overlaps another slot.
 */
int pvx_memmap_add(struct pvx_memmap *mm, uint32_t slot, uint64_t gpa,
		   uint64_t size, void *host, uint32_t flags);

/*
 * Where guest-physical [@gpa, @gpa + @len) is in this process, or NULL if
 * no single slot holds @gpa and all of the range (even for @len 0). The
 * mapping is writable by the host even for a PVX_MEM_READONLY slot (that is
 * how ROMs are loaded).
 */
void *pvx_gpa_to_host(const struct pvx_memmap *mm, uint64_t gpa, uint64_t len);

/*
 * Forget slot @slot in @mm, munmap'ing its memory if pvx_vm_add_ram()
 * allocated it. Not an ioctl: for a VM whose fd is closed, or a memmap
 * that was never registered. A free slot is a no-op.
 */
void pvx_memmap_release(struct pvx_memmap *mm, uint32_t slot);

/*
 * Register the caller's memory [@host, @host + @size) as slot @slot at
 * @gpa (PVX_SET_MEMORY_REGION). The caller keeps ownership of the memory
 * and must keep it mapped until the slot is deleted.
 */
int pvx_vm_add_memory(struct pvx_vm *vm, uint32_t slot, uint64_t gpa,
		      uint64_t size, void *host, uint32_t flags);

/*
 * Allocate @size bytes of zeroed anonymous memory backed as @backing and
 * register it as slot @slot at @gpa. -EINVAL for a size that is zero or not
 * a multiple of the page size (of 2 MiB for PVX_BACKING_HUGETLB); -ENOMEM
 * (and, for hugetlb, whatever mmap says when no huge pages are reserved).
 */
int pvx_vm_add_ram(struct pvx_vm *vm, uint32_t slot, uint64_t gpa,
		   uint64_t size, uint32_t flags, enum pvx_backing backing);

/*
 * Delete slot @slot (PVX_SET_MEMORY_REGION with size 0) and munmap the
 * memory if pvx_vm_add_ram() allocated it. -EINVAL if the slot is free; if
 * the kernel refuses, its error, with the slot left as it was.
 */
int pvx_vm_delete_memory(struct pvx_vm *vm, uint32_t slot);

/*
 * Loading guest images (libpvx_load.c).
 */

#define PVX_IMAGE_MAX_SEGS	16

/* What a loader put where. */
struct pvx_image {
	uint64_t entry;			/* the entry point (ELF: e_entry) */
	unsigned int nseg;
	struct {
		uint64_t gpa;
		uint64_t size;		/* bytes written, zero-fill included */
	} seg[PVX_IMAGE_MAX_SEGS];
};

/*
 * Read the whole of the regular file @path into a malloc'd buffer. -EFBIG
 * if it is larger than @max bytes, -EINVAL if it is not a regular file.
 */
int pvx_read_file(const char *path, size_t max, void **buf, size_t *len);

/* Does @buf start with the ELF magic (of any class)? */
bool pvx_is_elf(const void *buf, size_t len);

/*
 * Copy @len bytes to guest-physical @gpa; the entry point is @gpa.
 * -EFAULT if the range is not inside one memory slot.
 */
int pvx_load_flat(struct pvx_memmap *mm, uint64_t gpa, const void *buf,
		  size_t len, struct pvx_image *img);

/*
 * Load a static x86-64 ELF64 executable (ET_EXEC, no PT_INTERP or
 * PT_DYNAMIC): each PT_LOAD segment's file bytes at its p_paddr, the rest of
 * its p_memsz zeroed (bss). The entry point (e_entry) must lie in a PT_LOAD
 * segment's virtual range: pvx's guests run identity-mapped, so link with
 * p_vaddr == p_paddr. Every header and segment is checked against @len
 * before anything is written: -ENOEXEC for a file that is not such an
 * executable or is malformed (also for more than PVX_IMAGE_MAX_SEGS
 * PT_LOADs); -EFAULT if a segment is not inside one memory slot.
 */
int pvx_load_elf(struct pvx_memmap *mm, const void *buf, size_t len,
		 struct pvx_image *img);

/* Does any loaded segment of @img overlap [@lo, @hi)? */
bool pvx_image_overlaps(const struct pvx_image *img, uint64_t lo, uint64_t hi);

/*
 * CPU modes at entry (libpvx_mode.c builds the state, libpvx_tables.c the
 * tables in guest memory).
 *
 * The guest-physical memory map they use (guest RAM must back it; pvxctl
 * puts RAM at GPA 0):
 *
 *   GPA                  what                                     modes
 *   0x000000 - 0x0003ff  left alone (the real-mode IVT: IDTR 0/0x3ff) real
 *   0x001000 - 0x001027  GDT: 0x00 null, 0x08 code, 0x10 data,       prot, long
 *                        0x18 TSS (16 bytes in long mode)
 *   0x001080 - 0x0010e7  TSS, zeroed (TR points at it)               prot, long
 *   0x002000 - 0x002fff  PML4                                        long
 *   0x003000 - 0x003fff  PDPT                                        long
 *   0x004000 - 0x043fff  page directories, one per GiB mapped        long
 *                        (at most PVX_MAP_MAX_GIB)
 *   0x003c00 - 0x007bff  stacks, 256 bytes per vCPU:                 real
 *                        vCPU n: SS:SP = 0000:(0x7c00 - n * 0x100)
 *   0x007c00 -           flat image; CS:IP = 0000:7C00               real
 *   0x080000 - 0x0fffff  stacks, 8 KiB per vCPU:                     prot, long
 *                        vCPU n: RSP = 0x100000 - n * 0x2000
 *   0x100000 -           flat image; RIP = 0x100000                  prot, long
 *
 * ELF images go where their p_paddr says, and must avoid the range
 * pvx_mode_reserved() gives. Long mode identity-maps [0, max(RAM, what the
 * caller asks)) with 2 MiB pages, so virtual == physical. There is no IDT in
 * prot or long mode (IDTR limit 0): the first exception is a triple fault,
 * PVX_EXIT_SHUTDOWN.
 */
enum pvx_mode {
	PVX_MODE_REAL,		/* real mode, CR0.PE = 0 (unrestricted guest) */
	PVX_MODE_PROT,		/* 32-bit protected mode, flat, paging off */
	PVX_MODE_LONG,		/* 64-bit mode, identity paging */
	PVX_NR_MODES,
};

#define PVX_GDT_GPA		0x1000ULL
#define PVX_TSS_GPA		0x1080ULL
#define PVX_TSS_LIMIT		0x67		/* a 104-byte TSS, SDM 7.7 */
#define PVX_PML4_GPA		0x2000ULL
#define PVX_PDPT_GPA		0x3000ULL
#define PVX_PD_GPA		0x4000ULL
#define PVX_MAP_MAX_GIB		64ULL
#define PVX_STACK_SIZE		0x2000ULL
#define PVX_STACKS_TOP		0x100000ULL
#define PVX_IMAGE_GPA		0x100000ULL
#define PVX_REAL_STACK_SIZE	0x100ULL
#define PVX_REAL_IMAGE_GPA	0x7c00ULL
#define PVX_SEL_CODE		0x08
#define PVX_SEL_DATA		0x10
#define PVX_SEL_TSS		0x18

/* "real", "prot", "long"; NULL for a value out of range. */
const char *pvx_mode_name(enum pvx_mode mode);

/* The mode named @name, or -EINVAL. */
int pvx_mode_by_name(const char *name);

/* Where a flat image goes (and starts) in @mode. */
uint64_t pvx_mode_image_gpa(enum pvx_mode mode);

/* The initial stack pointer of vCPU @vcpu_id (< PVX_MAX_VCPUS) in @mode. */
uint64_t pvx_mode_stack_top(enum pvx_mode mode, unsigned int vcpu_id);

/* [*@lo, *@hi): the GPAs the mode's tables and stacks may use. */
void pvx_mode_reserved(enum pvx_mode mode, uint64_t *lo, uint64_t *hi);

/*
 * Fill @s and @r (zeroed first) with the state of @mode at @entry with the
 * stack at @stack_top; general-purpose registers are 0, RFLAGS is 0x2.
 * Real mode splits @entry into CS = (entry >> 4) & 0xf000, IP = entry &
 * 0xffff, with the data segments and SS at selector 0. -EINVAL if @entry
 * or @stack_top is out of the mode's reach (real: entry below 1 MiB, stack
 * top at most 64 KiB; prot: below 4 GiB; long: canonical entry).
 */
int pvx_mode_fill(enum pvx_mode mode, uint64_t entry, uint64_t stack_top,
		  struct pvx_sregs *s, struct pvx_regs *r);

/*
 * Write what @mode needs in guest memory: nothing for real mode; the GDT and
 * TSS for prot; those and identity-mapping page tables covering
 * [0, @map_bytes) for long (rounded up to whole GiB). -EFAULT if guest RAM
 * does not back the tables, -E2BIG if @map_bytes exceeds PVX_MAP_MAX_GIB.
 */
int pvx_mode_write_tables(struct pvx_memmap *mm, enum pvx_mode mode,
			  uint64_t map_bytes);

/*
 * The 8-byte GDT descriptor that loads as @seg (SDM 3.4.5): limit in pages
 * when @seg->g, bits 31:0 of the base. For a 64-bit system descriptor (TSS
 * in long mode) the next 8 bytes hold base bits 63:32 (SDM 7.2.3).
 */
uint64_t pvx_segment_descriptor(const struct pvx_segment *seg);

/*
 * Write, at @s->gdt.base, a GDT whose entries match the usable segments of
 * @s (CS, SS, DS, ES, FS, GS at their selector's index, and TR as a TSS
 * descriptor, 16 bytes when @s->efer has LMA), after a null descriptor.
 * -EINVAL if a selector does not fit under @s->gdt.limit or two segments
 * share a selector with different descriptors; -EFAULT if memory is missing.
 */
int pvx_write_gdt(struct pvx_memmap *mm, const struct pvx_sregs *s);

/*
 * Write 4-level page tables at PVX_PML4_GPA, PVX_PDPT_GPA and PVX_PD_GPA
 * that identity-map [0, @gib GiB) with 2 MiB pages, read-write, supervisor,
 * accessed and dirty already set.
 */
int pvx_write_page_tables(struct pvx_memmap *mm, unsigned int gib);

/*
 * The usual start of vCPU @vcpu in @mode at @entry: pvx_mode_fill() with
 * its own stack (pvx_mode_stack_top()), RDI = its id, RSI = @nr_vcpus, then
 * PVX_SET_SREGS and PVX_SET_REGS.
 */
int pvx_vcpu_setup_mode(struct pvx_vcpu *vcpu, enum pvx_mode mode,
			uint64_t entry, unsigned int nr_vcpus);

/*
 * CPUID (libpvx_cpuid.c).
 */

#define PVX_CPUID_BASE		0x40000000
#define PVX_CPUID_SIGNATURE	"pvxpvxpvxpvx"

/*
 * The default CPUID table, into @entries (room for @max): the host's basic
 * leaves 0..max and extended leaves 0x80000000..max, leaves 4, 7, 0xb, 0xd
 * and 0x1f per subleaf (PVX_CPUID_INDEXED), and the hypervisor leaf
 * PVX_CPUID_BASE: max leaf PVX_CPUID_BASE, signature PVX_CPUID_SIGNATURE in
 * EBX, ECX, EDX. Built as KVM builds its supported CPUID: a feature bit is
 * set only where the host has it and libpvx_cpuid.c's table offers it,
 * each bit with its reason (no APIC, x2APIC, TSC-deadline, PMU, DS, PDCM,
 * MONITOR, VMX, SMX, PKU, CET, LA57, speculation-control MSRs...); leaves
 * pvx does not give (thermal and power 6, PMU 0xa, ...) read 0; XSAVE only
 * when the host's OS enabled it, AVX, AVX-512 only when the host's XCR0 has
 * their state components (the guest's XSETBV takes no more); leaf 0xd
 * reports the host's XCR0 components only; leaves 1, 4, 0xb and 0x1f
 * describe one vCPU (pvx_cpuid_set_topology()). CPUID.1:ECX bit 31
 * "hypervisor present" is set. Returns the number of entries or -E2BIG.
 */
int pvx_cpuid_default(struct pvx_cpuid_entry *entries, unsigned int max);

/* The entry for leaf @function, subleaf @index (ignored if not indexed). */
struct pvx_cpuid_entry *pvx_cpuid_find(struct pvx_cpuid_entry *entries,
				       unsigned int nent, uint32_t function,
				       uint32_t index);

/*
 * The topology of a VM of @nr_vcpus vCPUs (libpvx_topology.c): one package
 * of @nr_vcpus cores with one thread each, as CPUID leaves 1 (EBX[23:16],
 * EDX.HTT), 4 (EAX[31:14]), 0xb and, where the table has it, 0x1f (levels
 * SMT and core) describe it; the default table describes one vCPU. Then
 * pvx_cpuid_set_apic_id() per vCPU. The new entry count, -EINVAL (no leaf
 * 0 or 1, @nr_vcpus 0 or above PVX_MAX_VCPUS), -E2BIG (above @max).
 */
int pvx_cpuid_set_topology(struct pvx_cpuid_entry *entries, unsigned int nent,
			   unsigned int max, unsigned int nr_vcpus);

/*
 * Give a vCPU its own APIC id, its vCPU id as the MADT says: CPUID.1:
 * EBX[31:24] and the x2APIC id in EDX of every subleaf of 0xb and 0x1f.
 */
void pvx_cpuid_set_apic_id(struct pvx_cpuid_entry *entries, unsigned int nent,
			   uint32_t apic_id);

/*
 * Running (libpvx_run.c).
 */

/* What an exit callback returns (or a negative errno, which stops too). */
enum {
	PVX_RUN_CONTINUE = 0,	/* handled: run the guest on */
	PVX_RUN_STOP = 1,	/* return from pvx_vcpu_run_loop() */
};

/*
 * Callbacks for the exits pvx_vcpu_run_loop() handles in userspace. A NULL
 * callback makes that exit return to the caller. @opaque is the loop's.
 */
struct pvx_exit_ops {
	/*
	 * PVX_EXIT_IO: @count accesses of @size bytes at @port; @data holds
	 * @count * @size bytes, to read for PVX_EXIT_IO_OUT, to fill for
	 * PVX_EXIT_IO_IN.
	 */
	int (*io)(void *opaque, struct pvx_vcpu *vcpu, uint16_t port,
		  uint8_t size, uint8_t direction, void *data, uint32_t count);
	/*
	 * PVX_EXIT_MMIO: @len bytes at guest-physical @gpa; @data holds them
	 * for a write, and is filled for a read.
	 */
	int (*mmio)(void *opaque, struct pvx_vcpu *vcpu, uint64_t gpa,
		    uint32_t len, bool is_write, uint8_t *data);
	/*
	 * PVX_EXIT_TRAP: a VM exit the exit policy forwards; @trap is
	 * run->trap. The callback emulates it by changing @trap->regs (the
	 * next PVX_RUN loads them: RIP += @trap->insn_len steps over the
	 * instruction), or with other ioctls (PVX_SET_SREGS,
	 * PVX_INJECT_EXCEPTION).
	 */
	int (*trap)(void *opaque, struct pvx_vcpu *vcpu, struct pvx_run *run);
	/*
	 * PVX_EXIT_CPUID: the callback fills run->cpuid.eax..edx for leaf
	 * run->cpuid.function, subleaf run->cpuid.index.
	 */
	int (*cpuid)(void *opaque, struct pvx_vcpu *vcpu, struct pvx_run *run);
	/*
	 * PVX_EXIT_MSR: for a read the callback fills run->msr.data; for
	 * either it may set run->msr.error = 1 to make the guest take #GP.
	 */
	int (*msr)(void *opaque, struct pvx_vcpu *vcpu, struct pvx_run *run);
};

/*
 * One PVX_RUN. Returns 0 when run->exit_reason describes an exit (a pending
 * signal, -EINTR from the kernel, is the exit PVX_EXIT_INTR; -EIO with
 * PVX_EXIT_INTERNAL_ERROR is that exit), else -errno. Counts the exit.
 */
int pvx_vcpu_run(struct pvx_vcpu *vcpu);

/*
 * Hand the exit in the run page to @ops: PVX_RUN_CONTINUE, PVX_RUN_STOP
 * (a callback asked, or the exit has no callback), or a negative errno
 * (a callback's, or -EPROTO for an I/O or MMIO exit whose size, length or
 * data do not fit the run mapping).
 */
int pvx_vcpu_handle_exit(struct pvx_vcpu *vcpu, const struct pvx_exit_ops *ops,
			 void *opaque);

/*
 * PVX_RUN until an exit the callbacks do not absorb: returns the exit
 * reason that ended the loop (PVX_EXIT_HLT, _SHUTDOWN, _FAIL_ENTRY,
 * _INTERNAL_ERROR, _INTR, _IO, _MMIO, _TRAP, _CPUID or _MSR when the
 * callback asked to stop or there is none, _UNKNOWN for a reason libpvx does not know), with
 * run->exit_reason and its union still describing it; or a negative errno
 * (PVX_RUN failed otherwise, or a callback's error). Call it again to
 * resume the guest.
 */
int pvx_vcpu_run_loop(struct pvx_vcpu *vcpu, const struct pvx_exit_ops *ops,
		      void *opaque);

/* The data of the current I/O exit, or NULL if it does not fit the mapping. */
void *pvx_vcpu_io_data(const struct pvx_vcpu *vcpu);

/* "io", "mmio", "hlt", ...: the name of an exit reason, NULL if unknown. */
const char *pvx_exit_name(uint32_t reason);

/* What a PVX_INTERNAL_* suberror means, in a few words; NULL if unknown. */
const char *pvx_internal_name(uint32_t suberror);

/*
 * Statistics (libpvx_stats.c).
 */

/*
 * PVX_GET_STATS on @fd, a VM fd (the sum over its vCPUs) or a vCPU fd
 * (that vCPU's counters), callable while the vCPU runs. @st is zeroed
 * first. 0 or -errno.
 */
int pvx_get_stats(int fd, struct pvx_stats *st);

/*
 * The name of basic VM exit reason @reason (SDM Appendix C), as pvx's
 * debugfs prints it: "cpuid", "io_instruction", "ept_violation", ...;
 * NULL for a reserved or unknown number.
 */
const char *pvx_vmx_exit_name(uint32_t reason);

/*
 * Parse the text of debugfs's pvx/vm-PID-ID/stats into @st (zeroed first,
 * nr_reasons set). -EPROTO for a line this library does not understand
 * or a number out of range.
 */
int pvx_stats_parse(const char *text, struct pvx_stats *st);

/*
 * The host side of the guest-host ports of pvx_ports.h (libpvx_ports.c):
 * the UART, the exit port and the report ports, as one pvx_exit_ops.io.
 */

#define PVX_CONSOLE_LINE	256	/* a longer line is written in pieces */

struct pvx_ports {
	int console_fd;		/* where UART output goes; -1 drops it */
	/* Called for each report, on the reporting vCPU's thread. */
	void (*report)(void *opaque, unsigned int vcpu, uint32_t key,
		       uint64_t value);
	void *report_opaque;
	_Atomic int64_t status;	/* -1 until the guest writes PVX_PORT_EXIT */
	struct {		/* each vCPU's own: no locking needed */
		char line[PVX_CONSOLE_LINE];
		unsigned int len;
		uint32_t key, lo;
	} vcpu[PVX_MAX_VCPUS];
};

/* Zero @p, set its console fd, no report callback, no exit status yet. */
void pvx_ports_init(struct pvx_ports *p, int console_fd);

/*
 * A pvx_exit_ops.io callback with @opaque a struct pvx_ports: the UART,
 * exit and report ports; PVX_RUN_STOP after a write to the exit port,
 * PVX_RUN_CONTINUE otherwise.
 */
int pvx_ports_io(void *opaque, struct pvx_vcpu *vcpu, uint16_t port,
		 uint8_t size, uint8_t direction, void *data, uint32_t count);

/* Write out every vCPU's unfinished console line. */
void pvx_ports_flush(struct pvx_ports *p);

/* Did the guest write the exit port? Its status into *@status if so. */
bool pvx_ports_exited(struct pvx_ports *p, uint32_t *status);

/*
 * Exit policy and events into the guest (libpvx_events.c).
 */

/*
 * A policy that keeps a new VM's behaviour: PVX_TRAP_DEFAULT, nothing
 * forwarded, no exception intercepted. Build on it with the helpers below
 * and hand it to pvx_vm_set_exit_policy().
 */
void pvx_policy_init(struct pvx_exit_policy *p);

/* Forward basic exit reason @reason (SDM Appendix C) to userspace. */
void pvx_policy_forward(struct pvx_exit_policy *p, unsigned int reason);

/* Is @reason forwarded by @p? */
bool pvx_policy_forwards(const struct pvx_exit_policy *p, unsigned int reason);

/*
 * Turn on the optional exits @trap (PVX_TRAP_*) and forward every exit
 * reason they cause (PVX_TRAP_RDTSC: 16 and 51, PVX_TRAP_DESC: 46 and 47,
 * PVX_TRAP_CR3 and PVX_TRAP_CR8: 28, ...).
 */
void pvx_policy_trap_forward(struct pvx_exit_policy *p, uint64_t trap);

/* The exit reasons PVX_TRAP_* bit @trap causes, as a bit mask of reasons < 64. */
uint64_t pvx_trap_reasons(uint64_t trap);

/* Intercept the exceptions of @mask (bit N: vector N), and forward them if @forward. */
void pvx_policy_exceptions(struct pvx_exit_policy *p, uint32_t mask,
			   bool forward);

/*
 * Forward CPUID leaves [@first, @last] (PVX_EXIT_CPUID) or MSRs
 * [@first, @last] (PVX_EXIT_MSR). -EINVAL if @first > @last, -E2BIG when
 * PVX_MAX_POLICY_RANGES ranges are in use.
 */
int pvx_policy_forward_cpuid(struct pvx_exit_policy *p, uint32_t first,
			     uint32_t last);
int pvx_policy_forward_msr(struct pvx_exit_policy *p, uint32_t first,
			   uint32_t last);

/* PVX_SET_EXIT_POLICY on the VM. */
int pvx_vm_set_exit_policy(struct pvx_vm *vm, const struct pvx_exit_policy *p);

/* PVX_INTERRUPT: queue external interrupt @vector (32..255). */
int pvx_vcpu_interrupt(struct pvx_vcpu *vcpu, uint32_t vector);

/* PVX_NMI: queue an NMI. */
int pvx_vcpu_nmi(struct pvx_vcpu *vcpu);

/*
 * PVX_INJECT_EXCEPTION of @vector, with @error_code when the vector has
 * one (PVX_EXC_ERROR_CODE; the flag is set here from the vector).
 */
int pvx_vcpu_inject_exception(struct pvx_vcpu *vcpu, uint32_t vector,
			      uint32_t error_code);

/* PVX_CLEAR_EVENTS: drop the events @flags (PVX_CLEAR_*) names. 0 or -errno. */
int pvx_vcpu_clear_events(struct pvx_vcpu *vcpu, uint32_t flags);

/* "DE", "BP", "UD", "GP", ...: an exception's mnemonic, or NULL. */
const char *pvx_exception_name(uint32_t vector);

/* The vector of mnemonic @name ("bp" or "BP" or "#BP"), or -EINVAL. */
int pvx_exception_by_name(const char *name);

/*
 * The answer the kernel gives a CPUID from the table @entries (what
 * PVX_SET_CPUID was given): the matching entry, or zeros for a leaf
 * absent from it. Fills @out[0..3] = EAX, EBX, ECX, EDX.
 */
void pvx_cpuid_answer(struct pvx_cpuid_entry *entries, unsigned int nent,
		      uint32_t function, uint32_t index, uint32_t out[4]);

/*
 * Booting a kernel as a Xen PVH guest (libpvx_pvh.c) and its ACPI tables
 * (libpvx_acpi.c). The guest-physical layout pvxctl boot uses:
 *   [0, ram)                RAM (at most PVX_PVH_RAM_MAX)
 *   PVX_PVH_INFO_GPA        hvm_start_info, module list, memory map and
 *                           command line, one page of RAM
 *   PVX_PVH_ACPI_GPA        the ACPI tables: e820 NVS, outside RAM
 *   PVX_PVH_SPECIAL_GPA     special pages (xenstore, console): e820
 *                           RESERVED, outside RAM, as Xen's toolstack
 *                           places them (pfn 0xfeff8-0xfefff)
 */
#define PVX_PVH_RAM_MAX		(3ULL << 30)
#define PVX_PVH_INFO_GPA	0x100000ULL
#define PVX_PVH_INFO_SIZE	0x1000
#define PVX_PVH_MODLIST_OFF	0x40
#define PVX_PVH_MEMMAP_OFF	0x80
#define PVX_PVH_MAX_MEMMAP	16
#define PVX_PVH_CMDLINE_OFF	0x200
#define PVX_PVH_ACPI_GPA	0xfc000000ULL
#define PVX_PVH_ACPI_SIZE	0x10000ULL
#define PVX_PVH_SPECIAL_GPA	0xfeff8000ULL
#define PVX_PVH_SPECIAL_SIZE	0x8000ULL
#define PVX_PVH_XENSTORE_GPA	0xfeffe000ULL
#define PVX_PVH_CONSOLE_GPA	0xfefff000ULL

/* Does @buf start with a Linux boot-protocol setup header ("HdrS")? */
bool pvx_is_bzimage(const void *buf, size_t len);

/*
 * The compressed payload of a bzImage (protocol 2.08+). -ENOEXEC for a
 * malformed header, -EPROTONOSUPPORT before 2.08.
 */
int pvx_bzimage_payload(const void *buf, size_t len, const void **payload,
			size_t *plen);

/*
 * The ELF kernel in @buf: a copy of an ELF, or a bzImage's xz payload
 * decompressed. *@elf is malloc'd (the caller frees it). -ENOEXEC,
 * -EPROTONOSUPPORT (not xz), -EBADMSG (corrupt xz), -ENOMEM.
 */
int pvx_kernel_to_elf(const void *buf, size_t len, void **elf, size_t *elf_len);

/*
 * The PVH entry of ELF @buf (32- or 64-bit): note "Xen" type 18 in a
 * PT_NOTE. -ENOENT without one, -ENOEXEC for a malformed ELF or note.
 */
int pvx_pvh_entry(const void *buf, size_t len, uint64_t *entry);

/*
 * Load ELF @buf the PVH way: each PT_LOAD at its p_paddr (the rest of
 * p_memsz zeroed); @img gets the segments and the PVH entry. Checks all
 * first: -ENOEXEC, -ENOENT (no PVH note), -EFAULT (RAM does not cover a
 * segment).
 */
int pvx_pvh_load(struct pvx_memmap *mm, const void *buf, size_t len,
		 struct pvx_image *img);

/*
 * The memory map of a PVH guest with @ram_bytes of RAM: RAM, the ACPI
 * range (NVS), the special pages (RESERVED). The number of entries, or
 * -EINVAL (RAM 0, not page-aligned or above PVX_PVH_RAM_MAX), -E2BIG.
 */
int pvx_pvh_memmap(uint64_t ram_bytes, struct hvm_memmap_table_entry *map,
		   unsigned int max);

/* What pvx_pvh_write_start_info() puts in the guest. */
struct pvx_pvh_boot {
	uint64_t info_gpa;		/* the page for it all */
	const char *cmdline;		/* NULL: none */
	uint64_t initrd_gpa, initrd_size;	/* size 0: no module */
	uint64_t rsdp_gpa;		/* 0: no ACPI */
	const struct hvm_memmap_table_entry *memmap;
	unsigned int nr_memmap;
};

/*
 * Write struct hvm_start_info version 1 at @b->info_gpa, with the module
 * list (the initrd as module 0), the memory map and the command line in
 * the same page after it. -EFAULT without RAM there, -E2BIG for a
 * command line or memory map that does not fit.
 */
int pvx_pvh_write_start_info(struct pvx_memmap *mm, const struct pvx_pvh_boot *b);

/*
 * Set @vcpu at the PVH entry: 32-bit flat protected mode, paging off,
 * EBX = @info_gpa (Xen docs/misc/pvh.pandoc).
 */
int pvx_pvh_setup_vcpu(struct pvx_vcpu *vcpu, uint64_t entry,
		       uint64_t info_gpa);

/*
 * ACPI tables for @nr_cpus vCPUs, built for guest-physical @gpa into
 * @buf (@size bytes): the RSDP at @gpa, then XSDT, FACS, FADT, DSDT,
 * MADT. Bytes used, or -EINVAL (no vCPU, too many), -ENOSPC.
 */
ssize_t pvx_acpi_build(void *buf, size_t size, uint64_t gpa,
		       unsigned int nr_cpus);

/* The byte sum of @len bytes (an ACPI table sums to 0). */
uint8_t pvx_acpi_checksum(const void *buf, size_t len);

/*
 * The platform pvx emulates (libpvx_platform.c): PVX_SET_PLATFORM.
 */

/* Zero @p and set its PVX_PLATFORM_* @flags: no range claimed yet. */
void pvx_platform_init(struct pvx_platform *p, uint32_t flags);

/*
 * Keep ports [@first, @last] or guest-physical [@first, @last] for
 * userspace (PVX_EXIT_IO / PVX_EXIT_MMIO) under PVX_PLATFORM_NULL_IO.
 * -EINVAL for first > last (or a port above 0xffff), -E2BIG when
 * PVX_PLATFORM_MAX_RANGES are in use.
 */
int pvx_platform_claim_ports(struct pvx_platform *p, uint32_t first,
			     uint32_t last);
int pvx_platform_claim_mmio(struct pvx_platform *p, uint64_t first,
			    uint64_t last);

/* PVX_SET_PLATFORM on @vm, before its first vCPU. */
int pvx_vm_set_platform(struct pvx_vm *vm, const struct pvx_platform *p);

/* CPUID.1: EDX.APIC and ECX.x2APIC, for a VM with PVX_PLATFORM_X2APIC. */
void pvx_cpuid_set_x2apic(struct pvx_cpuid_entry *entries, unsigned int nent);

/*
 * Leaf 0x16 (processor frequency) = @khz rounded down to MHz, bus 100 MHz,
 * added if missing (room for @max entries) and leaf 0's maximum raised to
 * reach it. The new number of entries, or -EINVAL (no leaf 0, a rate
 * under 1 MHz or above 65535 MHz), -E2BIG.
 */
int pvx_cpuid_set_tsc_khz(struct pvx_cpuid_entry *entries, unsigned int nent,
			  unsigned int max, uint32_t khz);

/* The host's TSC rate in kHz: its CPUID leaf 0x16, else measured (20 ms). */
uint32_t pvx_host_tsc_khz(void);

/*
 * Xen paravirtualization: enabling it, HVM params, the hypervisor console
 * (libpvx_pv.c).
 */

/*
 * A configuration for pvx_pv_enable(): every field 0 (pvx's defaults),
 * CPUID base 0x40000000, no console eventfd.
 */
void pvx_pv_config_init(struct pvx_pv_config *cfg);

/*
 * PVX_PV_ENABLE on @vm (before its first vCPU) with @cfg, whose domid is
 * filled in.
 */
int pvx_pv_enable(struct pvx_vm *vm, struct pvx_pv_config *cfg);

/* PVX_PV_SET_PARAM / PVX_PV_GET_PARAM of HVM param @index. */
int pvx_pv_set_param(struct pvx_vm *vm, uint32_t index, uint64_t value);
int pvx_pv_get_param(struct pvx_vm *vm, uint32_t index, uint64_t *value);

/*
 * PVX_PV_CONSOLE_READ into @buf (at most @len bytes): the number of bytes
 * (0 if none wait) or -errno; *@dropped (may be NULL) gets the bytes
 * dropped so far.
 */
int pvx_pv_console_read(struct pvx_vm *vm, void *buf, size_t len,
			uint64_t *dropped);

/* "poweroff", "reboot", ...: a SHUTDOWN_* reason's name, NULL if unknown. */
const char *pvx_pv_shutdown_name(uint32_t reason);


/*
 * Xen event channels from the host's side (libpvx_evtchn.c). Each returns
 * 0 or -errno (uapi/linux/pvx.h PVX_EVTCHN_*).
 */

/*
 * PVX_EVTCHN_BIND_HOST: *@port (unbound to domain 0), or a new port when
 * @alloc (returned in *@port), becomes the host's; each guest send on it
 * signals @eventfd (-1: none).
 */
int pvx_evtchn_bind_host(struct pvx_vm *vm, uint32_t *port, bool alloc,
			 int eventfd);

/* PVX_EVTCHN_NOTIFY: raise host-bound @port in the guest (any thread). */
int pvx_evtchn_notify(struct pvx_vm *vm, uint32_t port);

/* PVX_EVTCHN_IRQFD: @eventfd raises @port; @deassign removes it. */
int pvx_evtchn_irqfd(struct pvx_vm *vm, uint32_t port, int eventfd,
		     bool deassign);

/* PVX_EVTCHN_UNBIND: @port is unbound to domain 0 again. */
int pvx_evtchn_unbind(struct pvx_vm *vm, uint32_t port);

/*
 * PVX_EVTCHN_CONNECT: *@port of @vm and *@peer_port of @peer (each unbound
 * to the other's domid), or two new ports when @alloc (returned), become
 * one interdomain channel.
 */
int pvx_evtchn_connect(struct pvx_vm *vm, uint32_t *port,
		       struct pvx_vm *peer, uint32_t *peer_port, bool alloc);

/*
 * Xen grant access from the host's side (libpvx_grant.c).
 */

/* A granted page is always 4 KiB (Xen's grant_table.h). */
#define PVX_GNT_PAGE_SIZE	4096

/*
 * Fill one PVX_GNT_COPY segment: @len bytes at @offset of the page granted
 * by @ref, from @buf into the guest (@to_guest) or from the guest to @buf.
 */
void pvx_gnt_seg(struct pvx_gnt_copy_seg *seg, uint32_t ref, uint16_t offset,
		 uint16_t len, void *buf, bool to_guest);

/*
 * PVX_GNT_COPY of @nr segments (1 .. PVX_GNT_MAX_COPY). 0 once every
 * segment was attempted: each has its GNTST_* status. -EINVAL, -EFAULT,
 * -ENODEV (PV off).
 */
int pvx_gnt_copy(struct pvx_vm *vm, struct pvx_gnt_copy_seg *segs,
		 unsigned int nr);

/*
 * PVX_GNT_MAP of grant @ref (@flags: PVX_GNT_MAP_READONLY): the map fd
 * (mmap PVX_GNT_PAGE_SIZE bytes of it, MAP_SHARED, at offset 0), or
 * -errno as the ioctl documents.
 */
int pvx_gnt_map(struct pvx_vm *vm, uint32_t ref, uint32_t flags);

/*
 * pvx_gnt_map(), then mmap of the page (PROT_READ only if read-only) into
 * *@page and close of the fd: the grant stays in use until
 * pvx_gnt_unmap_page(). 0 or -errno.
 */
int pvx_gnt_map_page(struct pvx_vm *vm, uint32_t ref, uint32_t flags,
		     void **page);

/* munmap a page of pvx_gnt_map_page(): the grant is released. 0 or -errno. */
int pvx_gnt_unmap_page(void *page);


#endif /* LIBPVX_H */
