// SPDX-License-Identifier: GPL-2.0
/*
 * One blkif request (io/blkif.h) from ring slot to response: the checks of
 * fact sheet section 10 (Linux blkback's dispatch_rw_block_io,
 * xen_blkbk_parse_indirect, dispatch_discard_io; QEMU's xen-block), on a
 * private copy of the slot (ioring_back_take_request copied it once):
 *  1. operation: READ, WRITE, FLUSH_DISKCACHE, WRITE_BARRIER, DISCARD (if
 *     advertised), INDIRECT; others BLKIF_RSP_EOPNOTSUPP;
 *  2. nr_segments: 1..11 for READ/WRITE, 0..11 for flush/barrier; INDIRECT:
 *     indirect_op READ or WRITE, 1..BLKBACK_MAX_INDIRECT_SEGS segments in
 *     ceil(n/512) <= 8 indirect pages, read once by grant copy;
 *  3. each segment first_sect <= last_sect <= 7;
 *  4. sector_number + total sectors: no wrap, within the disk (512-byte
 *     units always, blkif.h), so a disk whose size is not a multiple of a
 *     page ends inside its last segment;
 *  5. sector_number and segment sizes aligned to sector-size;
 *  6. a read-only disk refuses WRITE, WRITE_BARRIER, DISCARD and a flush
 *     carrying data (a flush without data is harmless);
 *  7. DISCARD: range within the disk, no wrap, BLKIF_DISCARD_SECURE
 *     refused (not advertised);
 *  8. data moves only by grant copy of [first_sect*512, (last_sect+1)*512)
 *     of each granted page (XSA-403: nothing else of the page), each
 *     segment's status checked (XSA-361/362): any failure (revoked grant,
 *     read-only grant for a read, ...) fails the request with ERROR;
 *  9. the response's id, operation (indirect_op for INDIRECT) and status
 *     are written into the zeroed slot in place (XSA-216: no padding leak).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "blk_internal.h"

#define SECT 512u

static int parse_segs(struct blkback *b, struct blk_req *r,
		      const struct blkif_request_segment *segs, uint32_t n, uint64_t sector)
{
	uint32_t align = b->sector_size / SECT - 1;	/* sectors of a block - 1 */
	uint64_t total = 0, end;

	if (sector & align)
		return BLKIF_RSP_ERROR;
	for (uint32_t i = 0; i < n; i++) {
		struct blkif_request_segment s = segs[i];	/* read once */
		uint32_t nsec;

		if (s.first_sect > s.last_sect || s.last_sect >= XEN_PAGE_SIZE / SECT)
			return BLKIF_RSP_ERROR;
		nsec = (uint32_t)(s.last_sect - s.first_sect) + 1;
		if ((s.first_sect | nsec) & align)
			return BLKIF_RSP_ERROR;
		r->seg[i] = (struct blk_seg){ .gref = s.gref,
					      .offset = (uint16_t)(s.first_sect * SECT),
					      .len = (uint16_t)(nsec * SECT) };
		total += nsec;
	}
	end = sector + total;
	if (end < sector || end > b->sectors)
		return BLKIF_RSP_ERROR;
	r->nseg = n;
	r->io.off = sector * SECT;
	r->io.len = total * SECT;
	return 0;
}

static int grant_copy(struct blkback *b, struct blk_req *r, bool to_guest);

/* The indirect pages, read once into private memory, then parsed. */
static int parse_indirect(struct blkback *b, const struct blkif_request_indirect *ind,
			  struct blk_req *r)
{
	struct blkif_request_segment segs[BLKBACK_MAX_INDIRECT_SEGS];
	struct pvx_gnt_copy_seg c[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	uint32_t n = ind->nr_segments, pages;

	if (ind->indirect_op != BLKIF_OP_READ && ind->indirect_op != BLKIF_OP_WRITE)
		return BLKIF_RSP_ERROR;
	if (!n || n > BLKBACK_MAX_INDIRECT_SEGS)
		return BLKIF_RSP_ERROR;
	pages = (n + BLKIF_SEGS_PER_INDIRECT_FRAME - 1) / BLKIF_SEGS_PER_INDIRECT_FRAME;
	if (pages > BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST)
		return BLKIF_RSP_ERROR;
	for (uint32_t p = 0; p < pages; p++) {
		uint32_t here = n - p * BLKIF_SEGS_PER_INDIRECT_FRAME;

		if (here > BLKIF_SEGS_PER_INDIRECT_FRAME)
			here = BLKIF_SEGS_PER_INDIRECT_FRAME;
		c[p] = (struct pvx_gnt_copy_seg){
			.buf = (uintptr_t)(segs + p * BLKIF_SEGS_PER_INDIRECT_FRAME),
			.ref = ind->indirect_grefs[p],
			.len = (uint16_t)(here * sizeof(segs[0])) };
	}
	if (b->t->ops->copy(b->t, c, pages))
		return BLKIF_RSP_ERROR;
	for (uint32_t p = 0; p < pages; p++)
		if (c[p].status != GNTST_okay)
			return BLKIF_RSP_ERROR;
	r->operation = ind->indirect_op;
	r->io.op = ind->indirect_op == BLKIF_OP_READ ? BLK_IO_READ : BLK_IO_WRITE;
	return parse_segs(b, r, segs, n, ind->sector_number);
}

static int parse_discard(struct blkback *b, const struct blkif_request_discard *d,
			 struct blk_req *r)
{
	uint64_t end = d->sector_number + d->nr_sectors;

	if (!b->discard)
		return BLKIF_RSP_EOPNOTSUPP;
	if (d->flag & BLKIF_DISCARD_SECURE)
		return BLKIF_RSP_EOPNOTSUPP;	/* discard-secure not advertised */
	if (end < d->sector_number || end > b->sectors || !d->nr_sectors)
		return BLKIF_RSP_ERROR;
	r->io.op = BLK_IO_DISCARD;
	r->io.off = d->sector_number * SECT;
	r->io.len = d->nr_sectors * SECT;
	r->nseg = 0;
	return 0;
}

int blk_req_parse(struct blkback *b, const union blkif_slot *raw, struct blk_req *r)
{
	uint8_t op = raw->rw.operation;
	uint8_t nseg = raw->rw.nr_segments;
	int e;

	r->id = raw->rw.id;
	r->operation = op;
	r->drain = false;
	r->nseg = 0;
	r->io = (struct blk_io){ 0 };
	switch (op) {
	case BLKIF_OP_READ:
	case BLKIF_OP_WRITE:
		if (!nseg || nseg > BLKIF_MAX_SEGMENTS_PER_REQUEST)
			return BLKIF_RSP_ERROR;
		r->io.op = op == BLKIF_OP_READ ? BLK_IO_READ : BLK_IO_WRITE;
		e = parse_segs(b, r, raw->rw.seg, nseg, raw->rw.sector_number);
		break;
	case BLKIF_OP_FLUSH_DISKCACHE:
	case BLKIF_OP_WRITE_BARRIER:
		if (nseg > BLKIF_MAX_SEGMENTS_PER_REQUEST)
			return BLKIF_RSP_ERROR;
		r->drain = true;
		if (!nseg) {
			r->io.op = BLK_IO_FLUSH;
			return 0;
		}
		r->io.op = BLK_IO_WRITE;
		r->io.preflush = true;
		e = parse_segs(b, r, raw->rw.seg, nseg, raw->rw.sector_number);
		break;
	case BLKIF_OP_DISCARD:
		e = parse_discard(b, &raw->discard, r);
		break;
	case BLKIF_OP_INDIRECT:
		/* an indirect id still answers with the request's id */
		r->operation = raw->indirect.indirect_op;
		e = parse_indirect(b, &raw->indirect, r);
		break;
	default:
		return BLKIF_RSP_EOPNOTSUPP;
	}
	if (e)
		return e;
	if (b->cfg.readonly && r->io.op != BLK_IO_READ && r->io.op != BLK_IO_FLUSH)
		return BLKIF_RSP_ERROR;
	return 0;
}

/* Segment data between the bounce buffer and the guest, by grant copy. */
static int grant_copy(struct blkback *b, struct blk_req *r, bool to_guest)
{
	struct pvx_gnt_copy_seg c[PVX_GNT_MAX_COPY];
	char *buf = r->io.buf;

	for (uint32_t done = 0; done < r->nseg;) {
		uint32_t n = r->nseg - done;

		if (n > PVX_GNT_MAX_COPY)
			n = PVX_GNT_MAX_COPY;
		for (uint32_t i = 0; i < n; i++) {
			const struct blk_seg *s = &r->seg[done + i];

			c[i] = (struct pvx_gnt_copy_seg){
				.buf = (uintptr_t)buf, .ref = s->gref, .offset = s->offset,
				.len = s->len, .flags = to_guest ? PVX_GNT_COPY_TO_GUEST : 0 };
			buf += s->len;
		}
		if (b->t->ops->copy(b->t, c, n))
			return BLKIF_RSP_ERROR;
		for (uint32_t i = 0; i < n; i++)
			if (c[i].status != GNTST_okay)
				return BLKIF_RSP_ERROR;
		done += n;
	}
	return 0;
}

int blk_req_start(struct blkback *b, struct blk_req *r)
{
	int e;

	if (r->io.len && r->io.op != BLK_IO_DISCARD) {
		r->io.buf = malloc(r->io.len);
		if (!r->io.buf)
			return BLKIF_RSP_ERROR;
		if (r->io.op == BLK_IO_WRITE) {
			e = grant_copy(b, r, false);
			if (e)
				goto fail;
		}
	}
	e = b->eng->ops->submit(b->eng, &r->io);
	if (!e)
		return 0;
	e = BLKIF_RSP_ERROR;
fail:
	free(r->io.buf);
	r->io.buf = NULL;
	return e;
}

int blk_req_finish(struct blkback *b, struct blk_req *r)
{
	int e = 0;

	if (r->io.result)
		e = r->io.result == -EOPNOTSUPP ? BLKIF_RSP_EOPNOTSUPP : BLKIF_RSP_ERROR;
	else if (r->io.op == BLK_IO_READ)
		e = grant_copy(b, r, true);
	if (!e && r->io.op == BLK_IO_READ)
		b->st.bytes_read += r->io.len;
	if (!e && r->io.op == BLK_IO_WRITE)
		b->st.bytes_written += r->io.len;
	free(r->io.buf);
	r->io.buf = NULL;
	return e;
}

void blk_respond(struct blkback *b, uint64_t id, uint8_t operation, int status)
{
	struct blkif_response *rsp = ioring_back_next_response(&b->ring);

	rsp->id = id;
	rsp->operation = operation;
	rsp->status = (int16_t)status;
	b->st.requests++;
	if (status == BLKIF_RSP_ERROR)
		b->st.errors++;
	else if (status == BLKIF_RSP_EOPNOTSUPP)
		b->st.unsupported++;
}
