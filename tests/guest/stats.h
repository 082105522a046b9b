/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The stats guest's protocol with its host (stats_test, pvxctl_test).
 *
 * The guest asks for its parameters with 4-byte INs; a port nobody
 * answers reads all ones, and the guest then takes its default. It
 * reports what it used (STATS_KEY_*), then runs its workload twice: the
 * first pass maps every page it touches, the second is measured between
 * the OUTs of marks 2 and 3 to STATS_PORT_MARK (marks 0 and 1 frame the
 * first pass).
 */
#ifndef PVX_GUEST_STATS_H
#define PVX_GUEST_STATS_H

#define STATS_PORT_N		0x520	/* IN: CPUIDs per pass (default 7) */
#define STATS_PORT_M		0x524	/* IN: OUTs to STATS_PORT_WORK per pass (3) */
#define STATS_PORT_K		0x528	/* IN: MMIO writes per pass (0) */
#define STATS_PORT_FLAG		0x52c	/* IN: GPA of a stop flag (0: none) */
#define STATS_PORT_WORK		0x530	/* OUT: the workload's port writes */
#define STATS_PORT_MARK		0x534	/* OUT: mark number 0..3 */

#define STATS_DEFAULT_N		7
#define STATS_DEFAULT_M		3
#define STATS_DEFAULT_K		0

/* MMIO writes go here: inside the identity map, outside RAM. */
#define STATS_MMIO_GPA		0xd0000000ULL

/* report() keys: the parameters the guest used. */
#define STATS_KEY_N		1
#define STATS_KEY_M		2
#define STATS_KEY_K		3
/*
 * With a stop flag, the guest runs CPUIDs until the host sets the flag
 * (a non-zero 32-bit word), reports how many under this key, and exits.
 */
#define STATS_KEY_SPINS		4

#endif /* PVX_GUEST_STATS_H */
