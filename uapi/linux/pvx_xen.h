/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The Xen guest ABI that pvx offers (PVX_PV_ENABLE in <linux/pvx.h>): the
 * constants and memory layouts a guest and pvx share, for x86-64 guests.
 *
 * Written from the protocol facts of Xen's public headers
 * (xen/include/public/: xen.h, version.h, features.h, memory.h, vcpu.h,
 * event_channel.h, grant_table.h, sched.h, hvm/hvm_op.h, hvm/params.h,
 * arch-x86/cpuid.h, arch-x86/xen-x86_64.h, arch-x86/hvm/start_info.h,
 * elfnote.h, errno.h) and of
 * docs/guest-guide; the names follow Xen's so that a reader can look each
 * one up there. Every structure's size is checked below where Xen's headers
 * state it. Kernel (pv/), libpvx, the host backends and the freestanding
 * test guests all include this one file. Little-endian, 4 KiB pages.
 *
 * Only <linux/types.h> is needed, also in a freestanding guest.
 */
#ifndef _UAPI_LINUX_PVX_XEN_H
#define _UAPI_LINUX_PVX_XEN_H

#include <linux/types.h>

#define XEN_PAGE_SHIFT		12
#define XEN_PAGE_SIZE		4096

/* Hypercall numbers (xen.h __HYPERVISOR_*). */
#define __HYPERVISOR_memory_op		12
#define __HYPERVISOR_multicall		13
#define __HYPERVISOR_xen_version	17
#define __HYPERVISOR_console_io		18
#define __HYPERVISOR_grant_table_op	20
#define __HYPERVISOR_vm_assist		21
#define __HYPERVISOR_iret		23
#define __HYPERVISOR_vcpu_op		24
#define __HYPERVISOR_sched_op		29
#define __HYPERVISOR_event_channel_op	32
#define __HYPERVISOR_hvm_op		34
#define XEN_HYPERCALL_COUNT		64	/* numbers pvx's table spans */

/* Errors: negative values of these (errno.h). */
#define XEN_EPERM		1
#define XEN_ENOENT		2
#define XEN_ESRCH		3
#define XEN_EINTR		4
#define XEN_EIO			5
#define XEN_E2BIG		7
#define XEN_EBADF		9
#define XEN_EAGAIN		11
#define XEN_ENOMEM		12
#define XEN_EACCES		13
#define XEN_EFAULT		14
#define XEN_EBUSY		16
#define XEN_EEXIST		17
#define XEN_ENODEV		19
#define XEN_EINVAL		22
#define XEN_ENOSPC		28
#define XEN_EROFS		30
#define XEN_ERANGE		34
#define XEN_ENOSYS		38
#define XEN_ENOTEMPTY		39
#define XEN_ETIME		62
#define XEN_EOVERFLOW		75
#define XEN_EOPNOTSUPP		95
#define XEN_EISCONN		106
#define XEN_ENOTCONN		107
#define XEN_ETIMEDOUT		110

/* Domain ids (xen.h). */
typedef __u16 domid_t;
#define DOMID_FIRST_RESERVED	0x7ff0
#define DOMID_SELF		0x7ff0
#define DOMID_IO		0x7ff1
#define DOMID_XEN		0x7ff2
#define DOMID_INVALID		0x7ff4

/*
 * CPUID (arch-x86/cpuid.h): leaf base + n. Base: signature "XenVMMXenVMM"
 * in EBX, ECX, EDX and the last leaf in EAX; +1: version; +2: hypercall
 * pages (EAX) and the MSR that fills one (EBX); +4: HVM features.
 */
#define XEN_CPUID_SIGNATURE_EBX	0x566e6558	/* "XenV" */
#define XEN_CPUID_SIGNATURE_ECX	0x65584d4d	/* "MMXe" */
#define XEN_CPUID_SIGNATURE_EDX	0x4d4d566e	/* "nVMM" */
#define XEN_CPUID_LEAF_VERSION	1
#define XEN_CPUID_LEAF_HCALL	2
#define XEN_CPUID_LEAF_TIME	3
#define XEN_CPUID_LEAF_HVM	4
#define XEN_HVM_CPUID_X2APIC_VIRT	(1U << 1)
#define XEN_HVM_CPUID_VCPU_ID_PRESENT	(1U << 3)	/* EBX = vcpu id */
#define XEN_HVM_CPUID_DOMID_PRESENT	(1U << 4)	/* ECX = domid */
#define XEN_HVM_CPUID_UPCALL_VECTOR	(1U << 6)
/* WRMSR of a page's GPA here fills it with hypercall stubs. */
#define XEN_HYPERCALL_MSR	0x40000000
#define XEN_HYPERCALL_STUB_SIZE	32	/* stub n at byte 32 * n */

/* xen_version (version.h): cmd, arg. */
#define XENVER_version		0	/* returns major << 16 | minor */
#define XENVER_extraversion	1	/* char[16] */
#define XENVER_compile_info	2	/* struct xen_compile_info */
#define XENVER_capabilities	3	/* char[1024] */
#define XENVER_changeset	4	/* char[64] */
#define XENVER_platform_parameters 5	/* struct { xen_ulong_t virt_start; } */
#define XENVER_get_features	6	/* struct xen_feature_info */
#define XENVER_pagesize		7	/* returns the page size */
#define XENVER_guest_handle	8	/* xen_domain_handle_t (16 bytes) */
#define XENVER_commandline	9	/* char[1024] */

typedef char xen_extraversion_t[16];
typedef char xen_capabilities_info_t[1024];
typedef char xen_changeset_info_t[64];
typedef char xen_commandline_t[1024];

struct xen_compile_info {
	char compiler[64];
	char compile_by[16];
	char compile_domain[32];
	char compile_date[32];
};

struct xen_feature_info {
	__u32 submap_idx;	/* IN: which 32 feature bits */
	__u32 submap;	/* OUT */
};

/* XENVER_get_features bits, submap 0 (features.h). */
#define XENFEAT_writable_page_tables	0
#define XENFEAT_auto_translated_physmap	2
#define XENFEAT_hvm_callback_vector	8
#define XENFEAT_hvm_safe_pvclock	9
#define XENFEAT_hvm_pirqs		10
#define XENFEAT_dom0			11

/* console_io (xen.h): cmd, count, buffer. */
#define CONSOLEIO_write		0
#define CONSOLEIO_read		1

/* memory_op (memory.h): cmd, arg; bits of cmd above MEMOP_CMD_MASK are a
 * continuation's start extent. */
#define MEMOP_EXTENT_SHIFT	6
#define MEMOP_CMD_MASK		((1 << MEMOP_EXTENT_SHIFT) - 1)
#define XENMEM_add_to_physmap	7
#define XENMEM_memory_map	9
#define XENMAPSPACE_shared_info	0
#define XENMAPSPACE_grant_table	1
#define XENMAPIDX_grant_table_status 0x80000000U

struct xen_add_to_physmap {	/* 24 bytes */
	domid_t domid;		/* DOMID_SELF */
	__u16 size;		/* only for XENMAPSPACE_gmfn_range */
	__u32 space;		/* XENMAPSPACE_* */
	__u64 idx;		/* index in the space */
	__u64 gpfn;		/* where the guest wants it */
};

/* hvm_op (hvm/hvm_op.h, hvm/params.h): op, arg. */
#define HVMOP_set_param		0
#define HVMOP_get_param		1
#define HVMOP_pagetable_dying	9
#define HVMOP_set_evtchn_upcall_vector 23

struct xen_hvm_param {	/* 16 bytes */
	domid_t domid;		/* DOMID_SELF */
	__u16 pad;
	__u32 index;		/* HVM_PARAM_* */
	__u64 value;
};

#define HVM_PARAM_CALLBACK_IRQ	0
#define HVM_PARAM_STORE_PFN	1
#define HVM_PARAM_STORE_EVTCHN	2
#define HVM_PARAM_CONSOLE_PFN	17
#define HVM_PARAM_CONSOLE_EVTCHN 18
#define HVM_NR_PARAMS		39
/* CALLBACK_IRQ: the type in bits 63:56; type 2 (vector) has it in 7:0. */
#define HVM_PARAM_CALLBACK_TYPE_SHIFT	56
#define HVM_PARAM_CALLBACK_TYPE_GSI	0
#define HVM_PARAM_CALLBACK_TYPE_PCI_INTX 1
#define HVM_PARAM_CALLBACK_TYPE_VECTOR	2

/* vcpu_op (vcpu.h): cmd, vcpuid, arg. */
#define VCPUOP_initialise		0
#define VCPUOP_up			1
#define VCPUOP_down			2
#define VCPUOP_is_up			3
#define VCPUOP_get_runstate_info	4
#define VCPUOP_register_runstate_memory_area 5
#define VCPUOP_set_periodic_timer	6
#define VCPUOP_stop_periodic_timer	7
#define VCPUOP_set_singleshot_timer	8
#define VCPUOP_stop_singleshot_timer	9
#define VCPUOP_register_vcpu_info	10
#define VCPUOP_send_nmi			11
#define VCPUOP_get_physid		12
#define VCPUOP_register_vcpu_time_memory_area 13

struct vcpu_register_vcpu_info {	/* 16 bytes */
	__u64 mfn;		/* the guest frame of the new vcpu_info */
	__u32 offset;		/* its offset there; it must not cross the page */
	__u32 rsvd;
};

struct vcpu_set_periodic_timer {
	__u64 period_ns;
};

struct vcpu_set_singleshot_timer {	/* 16 bytes */
	__u64 timeout_abs_ns;	/* system time (the PV clock) */
	__u32 flags;		/* VCPU_SSHOTTMR_* */
	__u32 pad;
};
#define VCPU_SSHOTTMR_future	(1U << 0)	/* -ETIME if already past */

/* sched_op (sched.h): cmd, arg. */
#define SCHEDOP_yield		0
#define SCHEDOP_block		1
#define SCHEDOP_shutdown	2
#define SCHEDOP_poll		3

struct sched_shutdown {
	__u32 reason;		/* SHUTDOWN_* */
};
#define SHUTDOWN_poweroff	0
#define SHUTDOWN_reboot		1
#define SHUTDOWN_suspend	2
#define SHUTDOWN_crash		3
#define SHUTDOWN_watchdog	4
#define SHUTDOWN_soft_reset	5

struct sched_poll {	/* 24 bytes */
	__u64 ports;		/* guest address of evtchn_port_t[nr_ports] */
	__u32 nr_ports;
	__u32 pad;
	__u64 timeout;		/* absolute system time in ns; 0: none */
};

/* multicall (xen.h): one entry. */
struct multicall_entry {	/* 64 bytes */
	__u64 op;
	__u64 result;
	__u64 args[6];
};

/* event_channel_op (event_channel.h): cmd, arg. */
typedef __u32 evtchn_port_t;
#define EVTCHNOP_bind_interdomain	0
#define EVTCHNOP_bind_virq		1
#define EVTCHNOP_bind_pirq		2
#define EVTCHNOP_close			3
#define EVTCHNOP_send			4
#define EVTCHNOP_status			5
#define EVTCHNOP_alloc_unbound		6
#define EVTCHNOP_bind_ipi		7
#define EVTCHNOP_bind_vcpu		8
#define EVTCHNOP_unmask			9
#define EVTCHNOP_reset			10
#define EVTCHNOP_init_control		11
#define EVTCHNOP_expand_array		12
#define EVTCHNOP_set_priority		13

struct evtchn_bind_interdomain {	/* 12 bytes */
	domid_t remote_dom;
	__u16 pad;
	evtchn_port_t remote_port;
	evtchn_port_t local_port;	/* OUT */
};

struct evtchn_bind_virq {	/* 12 bytes */
	__u32 virq;
	__u32 vcpu;
	evtchn_port_t port;	/* OUT */
};

struct evtchn_close {
	evtchn_port_t port;
};

struct evtchn_send {
	evtchn_port_t port;
};

struct evtchn_status {	/* 24 bytes */
	domid_t dom;
	__u16 pad;
	evtchn_port_t port;
	__u32 status;		/* OUT: EVTCHNSTAT_* */
	__u32 vcpu;		/* OUT: the vCPU notified */
	union {
		struct {
			domid_t dom;
		} unbound;
		struct {
			domid_t dom;
			__u16 pad;
			evtchn_port_t port;
		} interdomain;
		__u32 pirq;
		__u32 virq;
	} u;
};
#define EVTCHNSTAT_closed	0
#define EVTCHNSTAT_unbound	1
#define EVTCHNSTAT_interdomain	2
#define EVTCHNSTAT_pirq		3
#define EVTCHNSTAT_virq		4
#define EVTCHNSTAT_ipi		5

struct evtchn_alloc_unbound {	/* 8 bytes */
	domid_t dom;		/* DOMID_SELF */
	domid_t remote_dom;	/* who may bind the other end */
	evtchn_port_t port;	/* OUT */
};

struct evtchn_bind_ipi {
	__u32 vcpu;
	evtchn_port_t port;	/* OUT */
};

struct evtchn_bind_vcpu {
	evtchn_port_t port;
	__u32 vcpu;
};

struct evtchn_unmask {
	evtchn_port_t port;
};

/* VIRQs (xen.h). */
#define VIRQ_TIMER		0	/* per vCPU */
#define VIRQ_DEBUG		1	/* per vCPU */
#define VIRQ_CONSOLE		2
#define VIRQ_DOM_EXC		3
#define VIRQ_ARCH_0		16
#define NR_VIRQS		24

/* 2-level event channels: 64 * 64 ports for a 64-bit guest. */
#define EVTCHN_2L_NR_CHANNELS	4096

/* vcpu_time_info (xen.h): the PV clock, the same layout as pvclock. */
struct vcpu_time_info {	/* 32 bytes */
	__u32 version;		/* odd while pvx updates it */
	__u32 pad0;
	__u64 tsc_timestamp;	/* guest TSC at the update */
	__u64 system_time;	/* ns since the VM started, at tsc_timestamp */
	__u32 tsc_to_system_mul;
	__s8 tsc_shift;
	__u8 flags;		/* XEN_PVCLOCK_* */
	__u8 pad1[2];
};
#define XEN_PVCLOCK_TSC_STABLE_BIT	(1U << 0)
#define XEN_PVCLOCK_GUEST_STOPPED	(1U << 1)

/* vcpu_info (xen.h, arch-x86/xen-x86_64.h). */
struct vcpu_info {	/* 64 bytes */
	__u8 evtchn_upcall_pending;
	__u8 evtchn_upcall_mask;
	__u8 pad0[6];
	__u64 evtchn_pending_sel;	/* bit w: word w of evtchn_pending */
	__u64 arch_cr2;
	__u64 arch_pad;
	struct vcpu_time_info time;
};

#define XEN_LEGACY_MAX_VCPUS	32

/* shared_info (xen.h), in its own page. */
struct shared_info {	/* 3136 bytes */
	struct vcpu_info vcpu_info[XEN_LEGACY_MAX_VCPUS];
	__u64 evtchn_pending[64];
	__u64 evtchn_mask[64];
	__u32 wc_version;	/* odd while pvx updates the wallclock */
	__u32 wc_sec;		/* UNIX time at system_time 0 */
	__u32 wc_nsec;
	__u32 wc_sec_hi;
	__u64 arch_max_pfn;
	__u64 arch_pfn_to_mfn_frame_list_list;
	__u64 arch_nmi_reason;
	__u64 arch_p2m_cr3;
	__u64 arch_p2m_vaddr;
	__u64 arch_p2m_generation;
};

/* grant_table_op (grant_table.h): cmd, uop, count. */
typedef __u32 grant_ref_t;
#define GNTTABOP_map_grant_ref		0
#define GNTTABOP_unmap_grant_ref	1
#define GNTTABOP_setup_table		2
#define GNTTABOP_dump_table		3
#define GNTTABOP_transfer		4
#define GNTTABOP_copy			5
#define GNTTABOP_query_size		6
#define GNTTABOP_unmap_and_replace	7
#define GNTTABOP_set_version		8
#define GNTTABOP_get_status_frames	9
#define GNTTABOP_get_version		10
#define GNTTABOP_swap_grant_ref		11

/* A v1 grant entry: the guest writes domid and frame, then flags. */
struct grant_entry_v1 {	/* 8 bytes */
	__u16 flags;		/* GTF_* */
	domid_t domid;		/* who may use it */
	__u32 frame;		/* the granted frame */
};
#define GNTTAB_ENTRIES_PER_FRAME	(XEN_PAGE_SIZE / sizeof(struct grant_entry_v1))
#define GNTTAB_NR_RESERVED_ENTRIES	8
#define GNTTAB_RESERVED_CONSOLE		0
#define GNTTAB_RESERVED_XENSTORE	1

#define GTF_invalid		0
#define GTF_permit_access	1
#define GTF_accept_transfer	2
#define GTF_transitive		3
#define GTF_type_mask		3
#define GTF_readonly		(1U << 2)	/* guest: read-only grant */
#define GTF_reading		(1U << 3)	/* hypervisor: in use for reading */
#define GTF_writing		(1U << 4)	/* hypervisor: in use for writing */
#define GTF_sub_page		(1U << 8)

struct gnttab_setup_table {	/* 24 bytes */
	domid_t dom;
	__u16 pad;
	__u32 nr_frames;
	__s16 status;		/* OUT: GNTST_* */
	__u16 pad2[3];
	__u64 frame_list;	/* guest address of xen_pfn_t[nr_frames] (OUT) */
};

struct gnttab_query_size {	/* 16 bytes */
	domid_t dom;
	__u16 pad;
	__u32 nr_frames;	/* OUT */
	__u32 max_nr_frames;	/* OUT */
	__s16 status;		/* OUT */
	__u16 pad2;
};

struct gnttab_copy_ptr {	/* 16 bytes */
	union {
		grant_ref_t ref;
		__u64 gmfn;
	} u;
	domid_t domid;
	__u16 offset;
	__u32 pad;
};

struct gnttab_copy {	/* 40 bytes */
	struct gnttab_copy_ptr source;
	struct gnttab_copy_ptr dest;
	__u16 len;
	__u16 flags;		/* GNTCOPY_* */
	__s16 status;		/* OUT */
	__u16 pad;
};
#define GNTCOPY_source_gref	(1U << 0)
#define GNTCOPY_dest_gref	(1U << 1)

struct gnttab_set_version {
	__u32 version;
};

struct gnttab_get_version {	/* 8 bytes */
	domid_t dom;
	__u16 pad;
	__u32 version;		/* OUT */
};

#define GNTST_okay		0
#define GNTST_general_error	(-1)
#define GNTST_bad_domain	(-2)
#define GNTST_bad_gntref	(-3)
#define GNTST_bad_handle	(-4)
#define GNTST_bad_virt_addr	(-5)
#define GNTST_bad_dev_addr	(-6)
#define GNTST_no_device_space	(-7)
#define GNTST_permission_denied	(-8)
#define GNTST_bad_page		(-9)
#define GNTST_bad_copy_arg	(-10)
#define GNTST_address_too_big	(-11)
#define GNTST_eagain		(-12)
#define GNTST_no_space		(-13)

/*
 * PVH boot (arch-x86/hvm/start_info.h, elfnote.h): the ELF note that gives
 * the 32-bit entry, and what EBX points at there. Every address field is
 * guest-physical; 0 means absent.
 */
#define XEN_ELFNOTE_PHYS32_ENTRY	18	/* owner "Xen", 4- or 8-byte desc */
#define XEN_HVM_START_MAGIC_VALUE	0x336ec578

struct hvm_start_info {
	__u32 magic;
	__u32 version;		/* 1: memmap_* are valid */
	__u32 flags;		/* SIF_*: 0 for a domU */
	__u32 nr_modules;
	__u64 modlist_paddr;	/* struct hvm_modlist_entry[nr_modules] */
	__u64 cmdline_paddr;	/* NUL-terminated */
	__u64 rsdp_paddr;
	__u64 memmap_paddr;	/* struct hvm_memmap_table_entry[] */
	__u32 memmap_entries;
	__u32 reserved;
};

struct hvm_modlist_entry {
	__u64 paddr;
	__u64 size;
	__u64 cmdline_paddr;
	__u64 reserved;
};

struct hvm_memmap_table_entry {
	__u64 addr;
	__u64 size;
	__u32 type;		/* XEN_HVM_MEMMAP_TYPE_* (the e820 types) */
	__u32 reserved;
};

#define XEN_HVM_MEMMAP_TYPE_RAM		1
#define XEN_HVM_MEMMAP_TYPE_RESERVED	2
#define XEN_HVM_MEMMAP_TYPE_ACPI	3
#define XEN_HVM_MEMMAP_TYPE_NVS		4

/*
 * Split-driver I/O protocols (io/ in the public headers). The shared rings
 * themselves (ring.h indices and slots) are ioring/ioring.h's; these are
 * what travels in them.
 */

/* xenbus states (io/xenbus.h), written as decimal strings to <dir>/state. */
enum xenbus_state {
	XenbusStateUnknown = 0,
	XenbusStateInitialising = 1,
	XenbusStateInitWait = 2,	/* backend waits for the frontend's keys */
	XenbusStateInitialised = 3,	/* frontend published ring and port */
	XenbusStateConnected = 4,
	XenbusStateClosing = 5,
	XenbusStateClosed = 6,
	XenbusStateReconfiguring = 7,
	XenbusStateReconfigured = 8,
};

/* io/protocols.h: the frontend's "protocol" key. */
#define XEN_IO_PROTO_ABI_X86_64	"x86_64-abi"

/* Console page (io/console.h): out is guest->host, in host->guest. */
typedef __u32 XENCONS_RING_IDX;
struct xencons_interface {	/* 3092 bytes */
	char in[1024];
	char out[2048];
	XENCONS_RING_IDX in_cons, in_prod;	/* guest, host */
	XENCONS_RING_IDX out_cons, out_prod;	/* host, guest */
	__u8 connection;	/* XENCONSOLE_* (set by the host) */
	__u8 pad[3];
};
#define XENCONSOLE_CONNECTED	0
#define XENCONSOLE_DISCONNECTED	1

/* Xenstore wire protocol (io/xs_wire.h). */
enum xsd_sockmsg_type {
	XS_CONTROL = 0,
	XS_DIRECTORY = 1,
	XS_READ = 2,
	XS_GET_PERMS = 3,
	XS_WATCH = 4,
	XS_UNWATCH = 5,
	XS_TRANSACTION_START = 6,
	XS_TRANSACTION_END = 7,
	XS_INTRODUCE = 8,
	XS_RELEASE = 9,
	XS_GET_DOMAIN_PATH = 10,
	XS_WRITE = 11,
	XS_MKDIR = 12,
	XS_RM = 13,
	XS_SET_PERMS = 14,
	XS_WATCH_EVENT = 15,
	XS_ERROR = 16,
	XS_IS_DOMAIN_INTRODUCED = 17,
	XS_RESUME = 18,
	XS_SET_TARGET = 19,
	XS_RESET_WATCHES = 21,
	XS_DIRECTORY_PART = 22,
	XS_TYPE_COUNT = 27,
	XS_INVALID = 0xffff,
};

struct xsd_sockmsg {	/* 16 bytes, then len bytes of payload */
	__u32 type;		/* XS_* */
	__u32 req_id;		/* echoed in the reply */
	__u32 tx_id;		/* transaction, 0 for none */
	__u32 len;		/* payload bytes, <= XENSTORE_PAYLOAD_MAX */
};

/*
 * The ERROR reply carries an errno's NAME ("ENOENT\0"); xs_wire.h's
 * xsd_errors[] order, new names only appended.
 */
#define XSD_ERRORS_NAMES { "EINVAL", "EACCES", "EEXIST", "EISDIR", "ENOENT", \
	"ENOMEM", "ENOSPC", "EIO", "ENOTEMPTY", "ENOSYS", "EROFS", "EBUSY", \
	"EAGAIN", "EISCONN", "E2BIG", "EPERM" }

#define XENSTORE_PAYLOAD_MAX	4096
#define XENSTORE_ABS_PATH_MAX	3072
#define XENSTORE_REL_PATH_MAX	2048
#define XENSTORE_RING_SIZE	1024
#define MASK_XENSTORE_IDX(idx)	((idx) & (XENSTORE_RING_SIZE - 1))
typedef __u32 XENSTORE_RING_IDX;

/* The xenstore page (HVM_PARAM_STORE_PFN). */
struct xenstore_domain_interface {	/* 2080 bytes used */
	char req[XENSTORE_RING_SIZE];	/* guest -> server */
	char rsp[XENSTORE_RING_SIZE];	/* server -> guest: replies, events */
	XENSTORE_RING_IDX req_cons, req_prod;	/* server, guest */
	XENSTORE_RING_IDX rsp_cons, rsp_prod;	/* guest, server */
	__u32 server_features;	/* XENSTORE_SERVER_FEATURE_* */
	__u32 connection;	/* XENSTORE_CONNECTED / _RECONNECT */
	__u32 error;		/* XENSTORE_ERROR_* (set by the server) */
	__u32 evtchn_port;
};
#define XENSTORE_SERVER_FEATURE_RECONNECTION	(1U << 0)
#define XENSTORE_SERVER_FEATURE_ERROR		(1U << 1)
#define XENSTORE_CONNECTED	0
#define XENSTORE_RECONNECT	1	/* guest asks for a ring reset */
#define XENSTORE_ERROR_NONE	0
#define XENSTORE_ERROR_COMM	1
#define XENSTORE_ERROR_RINGIDX	2	/* bad producer/consumer index */
#define XENSTORE_ERROR_PROTO	3	/* e.g. a payload too long */

/* Block devices (io/blkif.h). Sectors are 512 bytes on the wire, always. */
typedef __u16 blkif_vdev_t;
typedef __u64 blkif_sector_t;

#define BLKIF_OP_READ			0
#define BLKIF_OP_WRITE			1
#define BLKIF_OP_WRITE_BARRIER		2
#define BLKIF_OP_FLUSH_DISKCACHE	3
#define BLKIF_OP_RESERVED_1		4
#define BLKIF_OP_DISCARD		5
#define BLKIF_OP_INDIRECT		6

#define BLKIF_MAX_SEGMENTS_PER_REQUEST		11
#define BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST	8
#define BLKIF_SEGS_PER_INDIRECT_FRAME \
	(XEN_PAGE_SIZE / sizeof(struct blkif_request_segment))	/* 512 */
#define BLKIF_DISCARD_SECURE	(1U << 0)

#define BLKIF_RSP_EOPNOTSUPP	(-2)
#define BLKIF_RSP_ERROR		(-1)
#define BLKIF_RSP_OKAY		0

/* The "info" key's bits. */
#define VDISK_CDROM		0x1
#define VDISK_REMOVABLE		0x2
#define VDISK_READONLY		0x4

struct blkif_request_segment {	/* 8 bytes */
	grant_ref_t gref;	/* a page granted to the backend */
	__u8 first_sect;	/* 512-byte sectors of it: first..last, */
	__u8 last_sect;		/* inclusive, 0..7 */
	__u8 pad[2];
};

struct blkif_request {	/* 112 bytes: the ring slot */
	__u8 operation;		/* BLKIF_OP_* */
	__u8 nr_segments;	/* 1..11 (0: a flush without data) */
	blkif_vdev_t handle;
	__u32 pad;
	__u64 id;		/* echoed in the response */
	blkif_sector_t sector_number;
	struct blkif_request_segment seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];
};

struct blkif_request_discard {	/* 32 bytes, overlays a slot */
	__u8 operation;		/* BLKIF_OP_DISCARD */
	__u8 flag;		/* BLKIF_DISCARD_SECURE */
	blkif_vdev_t handle;
	__u32 pad;
	__u64 id;
	blkif_sector_t sector_number;
	__u64 nr_sectors;
};

struct blkif_request_indirect {	/* 64 bytes, overlays a slot */
	__u8 operation;		/* BLKIF_OP_INDIRECT */
	__u8 indirect_op;	/* BLKIF_OP_READ or _WRITE */
	__u16 nr_segments;	/* segments in the indirect pages */
	__u32 pad;
	__u64 id;
	blkif_sector_t sector_number;
	blkif_vdev_t handle;
	__u16 pad2;
	grant_ref_t indirect_grefs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	__u32 pad3;
};

struct blkif_response {	/* 16 bytes; padding at 9 and 12..15 */
	__u64 id;		/* the request's */
	__u8 operation;		/* the request's (indirect_op for INDIRECT) */
	__u8 pad;
	__s16 status;		/* BLKIF_RSP_* */
	__u32 pad2;
};

/* Sizes that Xen's headers state for x86-64. */
#define PVX_XEN_SIZE(type, n) \
	typedef char pvx_xen_size_##type[sizeof(struct type) == (n) ? 1 : -1]
PVX_XEN_SIZE(vcpu_time_info, 32);
PVX_XEN_SIZE(vcpu_info, 64);
PVX_XEN_SIZE(shared_info, 3136);
PVX_XEN_SIZE(multicall_entry, 64);
PVX_XEN_SIZE(xen_add_to_physmap, 24);
PVX_XEN_SIZE(xen_hvm_param, 16);
PVX_XEN_SIZE(vcpu_register_vcpu_info, 16);
PVX_XEN_SIZE(vcpu_set_singleshot_timer, 16);
PVX_XEN_SIZE(sched_poll, 24);
PVX_XEN_SIZE(evtchn_bind_interdomain, 12);
PVX_XEN_SIZE(evtchn_bind_virq, 12);
PVX_XEN_SIZE(evtchn_status, 24);
PVX_XEN_SIZE(evtchn_alloc_unbound, 8);
PVX_XEN_SIZE(grant_entry_v1, 8);
PVX_XEN_SIZE(gnttab_setup_table, 24);
PVX_XEN_SIZE(gnttab_query_size, 16);
PVX_XEN_SIZE(gnttab_copy, 40);
PVX_XEN_SIZE(gnttab_get_version, 8);
PVX_XEN_SIZE(hvm_start_info, 56);
PVX_XEN_SIZE(hvm_modlist_entry, 32);
PVX_XEN_SIZE(hvm_memmap_table_entry, 24);
PVX_XEN_SIZE(xencons_interface, 3092);
PVX_XEN_SIZE(xsd_sockmsg, 16);
PVX_XEN_SIZE(xenstore_domain_interface, 2080);
PVX_XEN_SIZE(blkif_request_segment, 8);
PVX_XEN_SIZE(blkif_request, 112);
PVX_XEN_SIZE(blkif_request_discard, 32);
PVX_XEN_SIZE(blkif_request_indirect, 64);
PVX_XEN_SIZE(blkif_response, 16);
#undef PVX_XEN_SIZE

#endif /* _UAPI_LINUX_PVX_XEN_H */
