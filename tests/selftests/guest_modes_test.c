// SPDX-License-Identifier: GPL-2.0
/*
 * guest_modes_test [--guests DIR] [--no-load]: guests in each CPU mode.
 *
 * The guest is modes16.bin (tests/guest/modes16.S, keys in modes.h),
 * flat at 0x7c00 in 4 MiB of RAM:
 *  - started by libpvx in real mode, 32-bit protected mode and 64-bit
 *    mode, it reports what it observes there: CR0, CR3, CR4, EFER (RDMSR),
 *    the code width (the same bytes decode differently in 16-, 32- and
 *    64-bit code) and its CS access rights (LAR);
 *  - started in real mode at its other entry, it switches itself to
 *    32-bit protected mode, PAE paging, IA-32e compatibility mode, 64-bit
 *    mode, back to 32-bit protected mode with paging off and back to real
 *    mode (its own GDT and page tables, CR0.PE, CR4.PAE, EFER.LME by
 *    WRMSR, CR0.PG, far jumps), reporting at each stage; in the paging
 *    stages it reads a value back through an alias mapping that exists
 *    only with paging on (in 64-bit mode, above 4 GiB).
 * At each stage's first report the test takes PVX_GET_SREGS, which must
 * show the CR0, CR3, CR4 and EFER the guest reads (EFER.LMA in IA-32e
 * mode) and its CS's D and L bits.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "guest_vm.h"
#include "pvxtest.h"
#include "tap.h"
#include "../guest/modes.h"

#define RAM_BYTES	(4ULL << 20)
#define MAP_BYTES	(1ULL << 30)	/* long mode's PDs stay below 0x7c00 */

#define CR0_PE		(1ULL << 0)
#define CR0_PG		(1ULL << 31)
#define CR4_PAE		(1ULL << 5)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)
/* LAR's result: the descriptor's bits 23:8 (SDM vol. 2A, LAR). */
#define AR_P		(1ULL << 15)
#define AR_L		(1ULL << 21)
#define AR_DB		(1ULL << 22)

/* What a stage must look like. */
struct stage {
	unsigned int id;
	const char *name;
	const char *line;	/* what it prints */
	unsigned int width;	/* 16, 32 or 64 */
	bool pe, pg, pae, lme, lma;
	bool cs_l, cs_db;	/* outside real mode */
	uint64_t alias;		/* the value read through the alias, or 0 */
};

static const struct stage libpvx_stages[] = {
	{ MODES_STAGE_LIBPVX_REAL, "real mode",
	  "modes: real mode, as libpvx started it\n", .width = 16 },
	{ MODES_STAGE_LIBPVX_PROT, "32-bit protected mode",
	  "modes: 32-bit protected mode, as libpvx started it\n", .width = 32,
	  .pe = true, .cs_db = true },
	{ MODES_STAGE_LIBPVX_LONG, "64-bit mode",
	  "modes: 64-bit mode, as libpvx started it\n", .width = 64,
	  .pe = true, .pg = true, .pae = true, .lme = true, .lma = true,
	  .cs_l = true },
};

static const uint64_t libpvx_entries[] = {
	MODES_ENTRY_REAL, MODES_ENTRY_PROT, MODES_ENTRY_LONG,
};

static const struct stage switch_stages[MODES_NR_SWITCH_STAGES] = {
	{ MODES_STAGE_REAL, "real mode", "modes: real mode\n", .width = 16 },
	{ MODES_STAGE_PROT, "32-bit protected mode (CR0.PE, far jump)",
	  "modes: 32-bit protected mode\n", .width = 32, .pe = true, .cs_db = true },
	{ MODES_STAGE_PAE, "PAE paging (CR4.PAE, CR0.PG; PDPTEs from CR3)",
	  "modes: PAE paging\n", .width = 32, .pe = true, .pg = true, .pae = true,
	  .cs_db = true, .alias = MODES_MAGIC_PAE },
	{ MODES_STAGE_COMPAT, "compatibility mode (EFER.LME by WRMSR, CR0.PG)",
	  "modes: compatibility mode\n", .width = 32, .pe = true, .pg = true,
	  .pae = true, .lme = true, .lma = true, .cs_db = true },
	{ MODES_STAGE_LONG, "64-bit mode (far jump to an L segment)",
	  "modes: 64-bit mode\n", .width = 64, .pe = true, .pg = true, .pae = true,
	  .lme = true, .lma = true, .cs_l = true, .alias = MODES_MAGIC_LONG },
	{ MODES_STAGE_PROT_AGAIN, "back to 32-bit protected mode, paging off",
	  "modes: 32-bit protected mode again\n", .width = 32, .pe = true,
	  .cs_db = true },
	{ MODES_STAGE_REAL_AGAIN, "back to real mode",
	  "modes: real mode again\n", .width = 16 },
};

/* The sregs of each stage, taken at its first report; by stage id. */
#define MAX_STAGE	0x20

struct snapshots {
	bool taken[MAX_STAGE];
	struct pvx_sregs sregs[MAX_STAGE];
};

static char image[512];
static int sys_fd;

static void take_snapshot(struct gvm *g, uint32_t key, uint64_t value)
{
	struct snapshots *s = g->opaque;

	if (value >= MAX_STAGE || key != MODES_KEY(value, MODES_ITEM_STAGE))
		return;
	s->taken[value] = !pvx_vcpu_get_sregs(g->vcpu, &s->sregs[value]);
}

static unsigned int width_of(uint64_t probe)
{
	switch (probe) {
	case MODES_WIDTH_16:
		return 16;
	case MODES_WIDTH_32:
		return 32;
	case MODES_WIDTH_64:
		return 64;
	default:
		return 0;
	}
}

/* A stage's reports against what it must be, then against its sregs. */
static bool check_stage(struct gvm *g, const struct snapshots *snap,
			const struct stage *st)
{
	uint64_t cr0 = 0, cr3 = 0, cr4 = 0, efer = 0, width = 0, ar = 0;
	uint64_t alias = 0;
	const struct pvx_sregs *s = &snap->sregs[st->id];
	bool ok = true;

#define ITEM(item, var) gvm_value(g, MODES_KEY(st->id, item), &var)
	EXPECT(ITEM(MODES_ITEM_CR0, cr0) && ITEM(MODES_ITEM_CR3, cr3) &&
	       ITEM(MODES_ITEM_CR4, cr4) && ITEM(MODES_ITEM_EFER, efer) &&
	       ITEM(MODES_ITEM_WIDTH, width));
	EXPECT(width_of(width) == st->width);
	EXPECT(!!(cr0 & CR0_PE) == st->pe && !!(cr0 & CR0_PG) == st->pg);
	EXPECT(!!(cr4 & CR4_PAE) == st->pae);
	EXPECT(!!(efer & EFER_LME) == st->lme && !!(efer & EFER_LMA) == st->lma);
	if (st->pe) {
		EXPECT(ITEM(MODES_ITEM_CS_AR, ar));
		EXPECT((ar & AR_P) && !!(ar & AR_L) == st->cs_l &&
		       !!(ar & AR_DB) == st->cs_db);
	}
	if (st->alias) {
		EXPECT(ITEM(MODES_ITEM_ALIAS, alias));
		EXPECT(alias == st->alias);
	}
#undef ITEM
	/* The host's view at the stage: what the guest reads. */
	EXPECT(snap->taken[st->id]);
	EXPECT(s->cr0 == cr0 && s->cr3 == cr3 && s->cr4 == cr4 &&
	       s->efer == efer);
	if (st->pe)
		EXPECT(s->cs.l == st->cs_l && s->cs.db == st->cs_db);
	EXPECT(strstr(gvm_console(g), st->line));
	if (!ok)
		tap_diag("%s: guest CR0 %#llx CR3 %#llx CR4 %#llx EFER %#llx width %llu AR %#llx alias %#llx; sregs CR0 %#llx CR3 %#llx CR4 %#llx EFER %#llx CS.L %u CS.DB %u",
			 st->name, (unsigned long long)cr0,
			 (unsigned long long)cr3, (unsigned long long)cr4,
			 (unsigned long long)efer, (unsigned long long)width,
			 (unsigned long long)ar, (unsigned long long)alias,
			 (unsigned long long)s->cr0, (unsigned long long)s->cr3,
			 (unsigned long long)s->cr4, (unsigned long long)s->efer,
			 s->cs.l, s->cs.db);
	return ok;
}

/* A fresh VM with the modes guest at 0x7c00, in @mode at @entry. */
static int start(struct gvm *g, struct snapshots *snap, enum pvx_mode mode,
		 uint64_t entry)
{
	uint64_t ignored;
	int r;

	memset(snap, 0, sizeof(*snap));
	r = gvm_create(g, sys_fd, RAM_BYTES);
	if (r)
		return r;
	g->opaque = snap;
	g->report_hook = take_snapshot;
	r = gvm_load(g, image, MODES_IMAGE_GPA, &ignored);
	if (!r)
		r = gvm_setup(g, mode, entry, MAP_BYTES);
	if (r)
		gvm_destroy(g);
	return r;
}

static struct gvm gvm;
static struct snapshots snap;

/* The guest libpvx starts in @mode: its one stage, then exit 0. */
static bool libpvx_mode(enum pvx_mode mode)
{
	const struct stage *st = &libpvx_stages[mode];
	bool ok = true;
	int r = start(&gvm, &snap, mode, libpvx_entries[mode]);

	if (r) {
		tap_diag("setting up %s: %s", pvx_mode_name(mode), strerror(-r));
		return false;
	}
	r = gvm_run(&gvm);
	EXPECT(r == PVX_EXIT_IO && gvm_exited_ok(&gvm));
	if (!ok)
		gvm_diag(&gvm, r);
	ok = check_stage(&gvm, &snap, st) && ok;
	gvm_destroy(&gvm);
	return ok;
}

static int switch_exit;

/* The switching guest runs once; each stage is a result of its own. */
static bool run_switching_guest(void)
{
	int r = start(&gvm, &snap, PVX_MODE_REAL, MODES_ENTRY_SWITCH);

	if (r) {
		tap_diag("setting up the switching guest: %s", strerror(-r));
		return false;
	}
	switch_exit = gvm_run(&gvm);
	return true;
}

static bool switch_finished(void)
{
	bool ok = true;
	uint64_t v;

	EXPECT(switch_exit == PVX_EXIT_IO && gvm_exited_ok(&gvm));
	EXPECT(strstr(gvm_console(&gvm), "modes: done\n"));
	for (unsigned int i = 0; i < MODES_NR_SWITCH_STAGES; i++)
		EXPECT(gvm_value(&gvm, MODES_KEY(switch_stages[i].id,
						  MODES_ITEM_STAGE), &v));
	if (!ok)
		gvm_diag(&gvm, switch_exit);
	return ok;
}

int main(int argc, char **argv)
{
	sys_fd = pvxtest_start(argc, argv, NULL,
			       PVX_NR_MODES + MODES_NR_SWITCH_STAGES + 1);
	snprintf(image, sizeof(image), "%s/modes16.bin", pvxtest_guest_dir());
	for (int mode = 0; mode < PVX_NR_MODES; mode++)
		tap_ok(libpvx_mode(mode), "guest started by libpvx in %s reports it, and PVX_GET_SREGS agrees",
		       libpvx_stages[mode].name);
	if (!run_switching_guest())
		tap_bail("cannot set up the mode-switching guest");
	for (unsigned int i = 0; i < MODES_NR_SWITCH_STAGES; i++)
		tap_ok(check_stage(&gvm, &snap, &switch_stages[i]),
		       "mode-switching guest, stage %u: %s", i + 1,
		       switch_stages[i].name);
	tap_ok(switch_finished(), "mode-switching guest went through every stage and exited 0");
	gvm_destroy(&gvm);
	close(sys_fd);
	return tap_finish();
}
