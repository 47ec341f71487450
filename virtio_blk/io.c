// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_blk I/O path: request preparation and submission, completion from
 * interrupts and from polling, and the timeout handler.
 *
 * Buffers are added to a virtqueue with the request's driver tag (plus one,
 * tokens must not be NULL) as token rather than a pointer, so a used buffer
 * id coming back from the device is looked up in the tag set and checked
 * before anything is dereferenced.
 */
#include "virtblk.h"

#include <linux/blk-mq-virtio.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "vbp_hints.h"

static inline void *virtblk_token(struct request *rq)
{
	return (void *)(uintptr_t)(rq->tag + 1);
}

static void __cold virtblk_bad_token(struct virtblk_vq *bvq, void *token)
{
	dev_err_ratelimited(&bvq->vblk->vdev->dev,
			    "%s: device returned a buffer that is not in flight (token %#lx), ignored\n",
			    bvq->name, (unsigned long)token);
}

/*
 * Translate a token returned by the virtqueue into a request of this queue
 * that is on the ring.  virtio_ring hands back only tokens it was given,
 * but a device may return a buffer twice or after a reset: the request
 * must be in flight.  The tag table of a hardware context holds the
 * request last given each tag (NULL before the first), and only requests
 * of this context: the tag set is not shared.  Called under bvq->lock.
 */
static inline struct request *virtblk_token_rq(struct virtblk_vq *bvq,
					       void *token)
{
	struct blk_mq_tags *tags = bvq->hctx->tags;
	uintptr_t tag = (uintptr_t)token - 1;
	struct virtblk_req *vbr;
	struct request *rq;

	if (likely(tag < tags->nr_tags)) {
		rq = tags->rqs[tag];
		vbr = rq ? blk_mq_rq_to_pdu(rq) : NULL;
		if (likely(vbr && vbr->state == VIRTBLK_RQ_INFLIGHT))
			return rq;
	}
	virtblk_bad_token(bvq, token);
	return NULL;
}

void virtblk_req_release(struct request *rq)
{
	struct virtblk_req *vbr = blk_mq_rq_to_pdu(rq);

	if (vbr->flags & VIRTBLK_REQ_MAPPED)
		sg_free_table_chained(&vbr->sg_table, VIRTBLK_INLINE_SG);
	if (vbr->flags & VIRTBLK_REQ_RANGES)
		kfree(bvec_virt(&rq->special_vec));
	vbr->flags = 0;
	vbr->sg_table.nents = 0;
}

/* Build the range payload of discard, write zeroes and secure erase. */
static int virtblk_setup_ranges(struct request *rq, struct virtblk_req *vbr,
				bool unmap)
{
	struct virtio_blk_discard_write_zeroes *range = &vbr->range;
	unsigned int nr = 1, n = 0;
	struct bio *bio;

	/*
	 * Only discard merges unrelated bios into one request, and only when
	 * more than one discard segment is allowed; everything else is one
	 * contiguous range.
	 */
	if (req_op(rq) == REQ_OP_DISCARD &&
	    queue_max_discard_segments(rq->q) > 1)
		nr = blk_rq_nr_discard_segments(rq);

	if (nr == 1) {
		virtblk_proto_range(range, blk_rq_pos(rq), blk_rq_sectors(rq),
				    unmap);
	} else {
		range = kmalloc_array(nr, sizeof(*range), GFP_ATOMIC);
		if (!range)
			return -ENOMEM;
		vbr->flags |= VIRTBLK_REQ_RANGES;
		__rq_for_each_bio(bio, rq) {
			if (WARN_ON_ONCE(n == nr))
				break;
			virtblk_proto_range(&range[n++], bio->bi_iter.bi_sector,
					    bio_sectors(bio), unmap);
		}
		nr = n;
	}

	rq->special_vec.bv_page = virt_to_page(range);
	rq->special_vec.bv_offset = offset_in_page(range);
	rq->special_vec.bv_len = sizeof(*range) * nr;
	rq->rq_flags |= RQF_SPECIAL_PAYLOAD;
	return 0;
}

/*
 * Make @sg a one-entry list of @len bytes at @offset in @page: what
 * sg_init_one() does, without its two calls and its memset loop, for the
 * two or three entries of every request.
 */
static inline void virtblk_sg_set(struct scatterlist *sg, struct page *page,
				  unsigned int len, unsigned int offset)
{
	*sg = (struct scatterlist){ };
	sg_set_page(sg, page, len, offset);
	sg_mark_end(sg);
}

static inline void virtblk_sg_buf(struct scatterlist *sg, void *buf,
				  unsigned int len)
{
	virtblk_sg_set(sg, virt_to_page(buf), len, offset_in_page(buf));
}

/*
 * Map the data of @rq (@nsegs physical segments) into vbr->sg_table.  A
 * request whose data is one bvec, such as a 4 KiB direct read or write,
 * takes the first inline entry directly; the segment count already
 * respects the queue's segment size and boundary limits, so that entry is
 * the one the block layer's mapping would build.  Everything else goes
 * through sg_alloc_table_chained() and blk_rq_map_sg().
 */
static int virtblk_map_data(struct request *rq, struct virtblk_req *vbr,
			    unsigned int nsegs)
{
	vbr->sg_table.sgl = vbr->sg;
	if (VIRTBLK_INLINE_SG && nsegs == 1 &&
	    !(rq->rq_flags & RQF_SPECIAL_PAYLOAD)) {
		struct bio_vec bv = req_bvec(rq);

		if (likely(bv.bv_len == blk_rq_bytes(rq))) {
			virtblk_sg_set(vbr->sg,
				       nth_page(bv.bv_page,
						bv.bv_offset >> PAGE_SHIFT),
				       bv.bv_len, offset_in_page(bv.bv_offset));
			vbr->sg_table.nents = 1;
			vbr->sg_table.orig_nents = 1;
			return 0;
		}
	}
	if (unlikely(sg_alloc_table_chained(&vbr->sg_table, nsegs, vbr->sg,
					    VIRTBLK_INLINE_SG)))
		return -ENOMEM;
	vbr->flags |= VIRTBLK_REQ_MAPPED;
	vbr->sg_table.nents = blk_rq_map_sg(rq->q, rq, vbr->sg_table.sgl);
	return 0;
}

/* Everything that can be done before taking the virtqueue lock. */
static blk_status_t virtblk_prep(struct virtio_device *vdev,
				 struct request *rq, struct virtblk_req *vbr)
{
	unsigned int nsegs;

	/*
	 * First time this request is prepared: start its retry count.  A
	 * request requeued by a reset keeps the flag, and its count; the
	 * block layer clears the flag of a newly allocated request.
	 */
	if (!(rq->rq_flags & RQF_DONTPREP)) {
		vbr->retries = 0;
		rq->rq_flags |= RQF_DONTPREP;
	}
	vbr->flags = 0;
	vbr->state = VIRTBLK_RQ_IDLE;
	vbr->hint_ns = 0;
	vbr->sg_table.nents = 0;
	/* A device that never writes the status byte fails the request. */
	vbr->status = VIRTIO_BLK_S_IOERR;

	/* Driver-private requests (GET_ID) come with their header set. */
	if (req_op(rq) != REQ_OP_DRV_IN) {
		struct virtblk_cmd cmd;

		if (unlikely(virtblk_proto_cmd(req_op(rq), rq->cmd_flags,
					       blk_rq_pos(rq), &cmd)))
			return BLK_STS_NOTSUPP;
		vbr->out_hdr.type = cpu_to_virtio32(vdev, cmd.type);
		vbr->out_hdr.sector = cpu_to_virtio64(vdev, cmd.sector);
		vbr->out_hdr.ioprio = cpu_to_virtio32(vdev, req_get_ioprio(rq));
		if (unlikely(cmd.ranges) &&
		    virtblk_setup_ranges(rq, vbr, cmd.unmap))
			return BLK_STS_RESOURCE;
	}

	nsegs = blk_rq_nr_phys_segments(rq);
	if (nsegs && unlikely(virtblk_map_data(rq, vbr, nsegs))) {
		virtblk_req_release(rq);
		return BLK_STS_RESOURCE;
	}
	return BLK_STS_OK;
}

/* Put a prepared request on the ring.  Called under bvq->lock. */
static int virtblk_add(struct virtblk_vq *bvq, struct virtqueue *vq,
		       struct request *rq, struct virtblk_req *vbr)
{
	struct scatterlist hdr, status, *sgs[3];
	unsigned int out = 0, in = 0;
	unsigned int hdr_len;

	/* Injected "badhdr": a header too short for the device. */
	hdr_len = virtblk_inject_hdr_len(bvq, rq, sizeof(vbr->out_hdr));
	virtblk_sg_buf(&hdr, &vbr->out_hdr, hdr_len);
	sgs[out++] = &hdr;
	if (vbr->sg_table.nents) {
		if (op_is_write(req_op(rq)))
			sgs[out++] = vbr->sg_table.sgl;
		else
			sgs[out + in++] = vbr->sg_table.sgl;
	}
	virtblk_sg_buf(&status, &vbr->status, sizeof(vbr->status));
	sgs[out + in++] = &status;

	return virtqueue_add_sgs(vq, sgs, out, in, virtblk_token(rq),
				 GFP_ATOMIC);
}

/*
 * Count a request just put on an interrupt-driven ring in this CPU's idle
 * hints, and name its queue as this CPU's poll source.  Only while
 * cpuidle_haltpoll_io is there to read the hints.  On a queue that
 * serves this CPU alone, the completion interrupt comes back here too
 * (its vector follows the same affinity).  On a queue shared with other
 * CPUs it may land elsewhere; the completion is then not counted (see
 * virtblk_hint_complete()), but an idle wait here that watches the queue
 * completes the request on this CPU.  Called under bvq->lock, so the CPU
 * cannot change underneath; hint_ns is 0 from virtblk_prep() unless set
 * here.
 */
static noinline void __virtblk_hint_submit(struct virtblk_vq *bvq,
					   struct virtblk_req *vbr)
{
	unsigned int cpu = smp_processor_id();

	if (unlikely(cpu > U16_MAX))
		return;
	vbr->hint_cpu = cpu;
	vbr->hint_ns = vbp_hint_submit() ?: 1;
	/* An idle wait for this request may watch the ring (idle.c). */
	vbp_poll_source_set(&bvq->isrc);
}

/* Without a consumer, the common case, this is one load and a branch. */
static inline void virtblk_hint_submit(struct virtblk_vq *bvq,
				       struct virtblk_req *vbr)
{
	if (likely(!vbp_hint_wanted()) || bvq->poll)
		return;
	__virtblk_hint_submit(bvq, vbr);
}

/*
 * Count the completion of a hinted request; @now is read once per batch.
 * Only on the CPU that counted the submission: elsewhere (a shared
 * queue's interrupt on another CPU, a timeout) it would leave both CPUs'
 * counts off; the submitter's slot is resynchronised once it goes quiet.
 * Called under bvq->lock.
 */
static void virtblk_hint_complete(struct virtblk_req *vbr, u64 *now)
{
	if (likely(!vbr->hint_ns))
		return;
	if (vbr->hint_cpu == smp_processor_id()) {
		if (!*now)
			*now = local_clock();
		vbp_hint_complete_at(vbr->hint_ns, *now);
	}
	vbr->hint_ns = 0;
}

/* Decide on a notification.  Called under bvq->lock with bvq->vq set. */
static bool virtblk_kick_prepare(struct virtblk_vq *bvq)
{
	if (virtqueue_kick_prepare(bvq->vq)) {
		bvq->stats.v[VIRTBLK_VQ_ST_kicks]++;
		return true;
	}
	bvq->stats.v[VIRTBLK_VQ_ST_kicks_avoided]++;
	return false;
}

/*
 * A request that does not fit an empty ring would stop the hardware queue
 * with no completion to come to restart it.  Probe caps max_segments so
 * that every request fits without indirect descriptors; what remains is a
 * failed allocation of an indirect table, which a later try may get.
 * Called under bvq->lock.
 */
static bool virtblk_ring_empty(struct virtqueue *vq)
{
	return vq->num_free == virtqueue_get_vring_size(vq);
}

/*
 * Map an error of virtqueue_add_sgs() to a block status, stopping the
 * hardware queue when the ring is full.  Called under bvq->lock.
 */
static blk_status_t virtblk_add_error(struct virtblk_vq *bvq,
				      struct virtqueue *vq, int err,
				      bool *broken)
{
	switch (err) {
	case -ENOSPC:
		if (unlikely(virtblk_ring_empty(vq))) {
			if (virtio_has_feature(bvq->vblk->vdev,
					       VIRTIO_RING_F_INDIRECT_DESC))
				return BLK_STS_RESOURCE;
			dev_err_ratelimited(&bvq->vblk->vdev->dev,
					    "%s: request does not fit an empty ring, failed\n",
					    bvq->name);
			return BLK_STS_IOERR;
		}
		/*
		 * The completion that makes room restarts the queue, but
		 * it may come before blk-mq has put this request back on
		 * the dispatch list: then its run finds nothing to do, and
		 * batched completions do not clear SCHED_RESTART, so
		 * blk-mq waits for a completion that never comes (seen on
		 * a 4-entry ring).  BLK_STS_RESOURCE also arms blk-mq's
		 * own delayed run, which dispatches the request once the
		 * queue is started again.
		 */
		bvq->stopped = true;
		blk_mq_stop_hw_queue(bvq->hctx);
		return BLK_STS_RESOURCE;
	case -ENOMEM:
		return BLK_STS_RESOURCE;
	default:
		/*
		 * virtio_ring refuses buffers once it marked the ring broken
		 * (the device returned an impossible id, or the transport
		 * broke the device).  Only a reset repairs that; the request
		 * waits for it.
		 */
		if (virtqueue_is_broken(vq)) {
			*broken = true;
			return BLK_STS_RESOURCE;
		}
		return BLK_STS_IOERR;
	}
}

/*
 * The ring was found broken: ask for the reset that repairs it.  Without
 * one to come (disk dead, or removal under way) a waiting request fails;
 * callers with no request at hand ignore the status.
 */
static blk_status_t virtblk_broken(struct virtblk_vq *bvq)
{
	if (virtblk_schedule_reset(bvq->vblk, "virtqueue broken"))
		return BLK_STS_RESOURCE;
	return BLK_STS_IOERR;
}

static blk_status_t virtblk_queue_rq(struct blk_mq_hw_ctx *hctx,
				     const struct blk_mq_queue_data *bd)
{
	struct virtblk_vq *bvq = virtblk_vq_of(hctx);
	struct request *rq = bd->rq;
	struct virtblk_req *vbr = blk_mq_rq_to_pdu(rq);
	struct virtqueue *vq;
	unsigned long flags;
	bool notify = false;
	blk_status_t sts;
	int err;

	if (unlikely(READ_ONCE(bvq->vblk->dead)))
		return BLK_STS_IOERR;

	sts = virtblk_prep(bvq->vblk->vdev, rq, vbr);
	if (unlikely(sts))
		return sts;
	blk_mq_start_request(rq);

	spin_lock_irqsave(&bvq->lock, flags);
	vq = bvq->vq;
	if (unlikely(!vq)) {
		/* Torn down by a reset; come back once it is done. */
		spin_unlock_irqrestore(&bvq->lock, flags);
		virtblk_req_release(rq);
		return BLK_STS_RESOURCE;
	}
	err = virtblk_add(bvq, vq, rq, vbr);
	if (unlikely(err)) {
		bool broken = false;

		sts = virtblk_add_error(bvq, vq, err, &broken);
		/* Make sure the device sees what is already queued. */
		notify = !broken && virtblk_kick_prepare(bvq);
		spin_unlock_irqrestore(&bvq->lock, flags);
		if (notify)
			virtqueue_notify(vq);
		virtblk_req_release(rq);
		if (broken)
			sts = virtblk_broken(bvq);
		return sts;
	}
	vbr->state = VIRTBLK_RQ_INFLIGHT;
	virtblk_hint_submit(bvq, vbr);
	bvq->stats.v[VIRTBLK_VQ_ST_submitted]++;
	if (bd->last)
		notify = virtblk_kick_prepare(bvq);
	spin_unlock_irqrestore(&bvq->lock, flags);

	if (notify)
		virtqueue_notify(vq);
	return BLK_STS_OK;
}

static void virtblk_commit_rqs(struct blk_mq_hw_ctx *hctx)
{
	struct virtblk_vq *bvq = virtblk_vq_of(hctx);
	struct virtqueue *vq;
	unsigned long flags;
	bool notify = false;

	spin_lock_irqsave(&bvq->lock, flags);
	vq = bvq->vq;
	if (vq)
		notify = virtblk_kick_prepare(bvq);
	spin_unlock_irqrestore(&bvq->lock, flags);

	if (notify)
		virtqueue_notify(vq);
}

/* Add a list of started requests to one queue with a single kick. */
static void virtblk_submit_list(struct virtblk_vq *bvq,
				struct vbp_rq_list *list)
{
	struct virtqueue *vq;
	struct request *rq;
	unsigned long flags;
	bool notify = false, broken = false;

	spin_lock_irqsave(&bvq->lock, flags);
	vq = bvq->vq;
	while ((rq = vbp_rq_list_pop(list))) {
		struct virtblk_req *vbr = blk_mq_rq_to_pdu(rq);

		/* ->queue_rq() sorts out why, when the requeue comes back. */
		if (unlikely(!vq || virtblk_add(bvq, vq, rq, vbr))) {
			broken |= vq && virtqueue_is_broken(vq);
			virtblk_req_release(rq);
			blk_mq_requeue_request(rq, true);
			continue;
		}
		vbr->state = VIRTBLK_RQ_INFLIGHT;
		virtblk_hint_submit(bvq, vbr);
		bvq->stats.v[VIRTBLK_VQ_ST_submitted]++;
	}
	if (vq && !broken)
		notify = virtblk_kick_prepare(bvq);
	spin_unlock_irqrestore(&bvq->lock, flags);

	if (notify)
		virtqueue_notify(vq);
	if (unlikely(broken))
		virtblk_broken(bvq);
}

static void virtblk_queue_rqs(vbp_compat_rqs_arg *rqlist)
{
	struct vbp_rq_list in, batch = { }, rejected = { };
	struct virtblk_vq *cur = NULL;
	struct request *rq;

	vbp_compat_rqs_take(rqlist, &in);
	while ((rq = vbp_rq_list_pop(&in))) {
		struct virtblk_vq *bvq = virtblk_vq_of(rq->mq_hctx);

		if (cur && cur != bvq)
			virtblk_submit_list(cur, &batch);
		cur = bvq;

		/* Anything unusual goes back for ->queue_rq() to handle. */
		if (unlikely(READ_ONCE(bvq->vblk->dead)) ||
		    virtblk_prep(bvq->vblk->vdev, rq, blk_mq_rq_to_pdu(rq))) {
			vbp_rq_list_add_tail(&rejected, rq);
			continue;
		}
		/*
		 * Completions find requests through the driver tag table.
		 * Older kernels fill it only on the ->queue_rq() dispatch
		 * path, newer ones in blk_mq_start_request(); doing it here
		 * too is harmless and covers both.
		 */
		rq->mq_hctx->tags->rqs[rq->tag] = rq;
		blk_mq_start_request(rq);
		vbp_rq_list_add_tail(&batch, rq);
	}
	if (cur)
		virtblk_submit_list(cur, &batch);
	vbp_compat_rqs_give(rqlist, &rejected);
}

static void virtblk_complete_rq(struct request *rq)
{
	struct virtblk_req *vbr = blk_mq_rq_to_pdu(rq);

	virtblk_req_release(rq);
	blk_mq_end_request(rq, virtblk_proto_status(vbr->status));
}

static void virtblk_complete_batch(struct io_comp_batch *iob)
{
	struct request *rq;

	rq_list_for_each(&iob->req_list, rq)
		virtblk_req_release(rq);
	blk_mq_end_request_batch(iob);
}

static inline void *virtblk_get_used(struct virtblk_vq *bvq, unsigned int *len)
{
	/* Injected "badid" and "dupid": bogus ids, as from the device. */
	if (unlikely(virtblk_inject_id_pending(bvq)))
		return virtblk_inject_get_used(bvq, len);
	return virtqueue_get_buf(bvq->vq, len);
}

/*
 * Take used buffers off the ring onto @done.  Called under bvq->lock with
 * bvq->vq set; returns the number of requests taken.
 */
static unsigned int virtblk_reap_locked(struct virtblk_vq *bvq,
					struct vbp_rq_list *done,
					unsigned int budget)
{
	unsigned int n = 0, len;
	u64 now = 0;
	void *token;

	if (unlikely(virtblk_inject_stalled(bvq)))
		return 0;
	while (n < budget && (token = virtblk_get_used(bvq, &len))) {
		struct request *rq = virtblk_token_rq(bvq, token);
		struct virtblk_req *vbr;

		if (unlikely(!rq))
			continue;
		vbr = blk_mq_rq_to_pdu(rq);
		vbr->state = VIRTBLK_RQ_DONE;
		virtblk_inject_status(bvq, rq, &vbr->status);
		virtblk_hint_complete(vbr, &now);
		vbp_rq_list_add_tail(done, rq);
		n++;
	}
	bvq->done += n;
	return n;
}

/* A full ring stopped the hardware queue; did we just make room? */
static bool virtblk_need_restart(struct virtblk_vq *bvq, unsigned int n)
{
	if (likely(!bvq->stopped) || !n)
		return false;
	bvq->stopped = false;
	return true;
}

/* Hand requests taken off the ring to the block layer, outside the lock. */
static void virtblk_finish(struct vbp_rq_list *done, struct io_comp_batch *iob)
{
	struct request *rq;

	while ((rq = vbp_rq_list_pop(done))) {
		struct virtblk_req *vbr = blk_mq_rq_to_pdu(rq);

		if (unlikely(blk_should_fake_timeout(rq->q))) {
			WRITE_ONCE(vbr->state, VIRTBLK_RQ_DROPPED);
			continue;
		}
		if (blk_mq_complete_request_remote(rq))
			continue;
		/*
		 * A batch ends every request with status 0, and some kernels
		 * (6.12) batch passthrough requests even when they failed:
		 * their submitter (GET_ID) would read a failure as success.
		 */
		if (!blk_rq_is_passthrough(rq) &&
		    vbp_compat_add_to_batch(rq, iob,
					    vbr->status != VIRTIO_BLK_S_OK,
					    virtblk_complete_batch))
			continue;
		virtblk_complete_rq(rq);
	}
}

/*
 * After the queue lock: end what was reaped in a completion batch of our
 * own, then restart a hardware queue a full ring had stopped.
 */
static inline void virtblk_end_reaped(struct virtblk_vq *bvq,
				      struct vbp_rq_list *done, bool restart)
{
	DEFINE_IO_COMP_BATCH(iob);

	virtblk_finish(done, &iob);
	if (iob.complete)
		iob.complete(&iob);
	if (restart)
		blk_mq_start_stopped_hw_queue(bvq->hctx, true);
}

void virtblk_vq_done(struct virtqueue *vq)
{
	struct virtblk_dev *vblk = vq->vdev->priv;
	struct virtblk_vq *bvq = &vblk->vqs[vq->index];
	struct vbp_rq_list done = { };
	unsigned int n = 0;
	unsigned long flags;
	bool restart;

	spin_lock_irqsave(&bvq->lock, flags);
	if (unlikely(bvq->vq != vq)) {
		spin_unlock_irqrestore(&bvq->lock, flags);
		return;
	}
	bvq->stats.v[VIRTBLK_VQ_ST_interrupts]++;
	do {
		virtqueue_disable_cb(vq);
		n += virtblk_reap_locked(bvq, &done, UINT_MAX);
		/* Injected stall: stay quiet until the reset. */
		if (unlikely(virtblk_inject_stalled(bvq)))
			break;
		/* An idle CPU watches the ring: notifications stay off. */
		if (unlikely(bvq->ipollers)) {
			virtblk_idle_rearm(bvq);
			break;
		}
	} while (!virtqueue_enable_cb(vq));
	bvq->stats.v[VIRTBLK_VQ_ST_completions] += n;
	restart = virtblk_need_restart(bvq, n);
	spin_unlock_irqrestore(&bvq->lock, flags);

	virtblk_end_reaped(bvq, &done, restart);
	/* The ring gave a bad id: no interrupt will come for it any more. */
	if (unlikely(virtqueue_is_broken(vq)))
		virtblk_broken(bvq);
}

void virtblk_poll_vq_irq(struct virtqueue *vq)
{
	struct virtblk_dev *vblk = vq->vdev->priv;
	struct virtblk_vq *bvq = &vblk->vqs[vq->index];
	unsigned long flags;

	/*
	 * Count only.  Every request on a poll queue is polled for by its
	 * submitter (io_uring IOPOLL, RWF_HIPRI), whose next poll takes it
	 * off the ring; ending it here instead is not safe: 6.1 warns in
	 * bio_put() when a bio from the per-CPU allocation cache, which
	 * polled I/O uses, is freed in interrupt context.
	 */
	spin_lock_irqsave(&bvq->lock, flags);
	if (likely(bvq->vq == vq))
		bvq->stats.v[VIRTBLK_VQ_ST_interrupts]++;
	spin_unlock_irqrestore(&bvq->lock, flags);
}

unsigned int virtblk_reap_vq(struct virtblk_vq *bvq, struct io_comp_batch *iob)
{
	struct vbp_rq_list done = { };
	unsigned int n = 0;
	unsigned long flags;
	bool restart;

	spin_lock_irqsave(&bvq->lock, flags);
	if (bvq->vq)
		n = virtblk_reap_locked(bvq, &done, UINT_MAX);
	bvq->stats.v[VIRTBLK_VQ_ST_completions] += n;
	restart = virtblk_need_restart(bvq, n);
	spin_unlock_irqrestore(&bvq->lock, flags);

	virtblk_finish(&done, iob);
	if (restart)
		blk_mq_start_stopped_hw_queue(bvq->hctx, true);
	return n;
}

unsigned int virtblk_reap_idle(struct virtblk_vq *bvq, unsigned int budget)
{
	struct vbp_rq_list done = { };
	unsigned int n = 0;
	unsigned long flags;
	bool restart;

	spin_lock_irqsave(&bvq->lock, flags);
	/* A poll queue's requests belong to their pollers. */
	if (bvq->vq && !bvq->poll) {
		n = virtblk_reap_locked(bvq, &done, budget);
		virtblk_idle_rearm(bvq);
	}
	bvq->stats.v[VIRTBLK_VQ_ST_idle_completions] += n;
	restart = virtblk_need_restart(bvq, n);
	spin_unlock_irqrestore(&bvq->lock, flags);

	virtblk_end_reaped(bvq, &done, restart);
	return n;
}

void virtblk_drain_vq(struct virtblk_vq *bvq, struct vbp_rq_list *orphans)
{
	struct vbp_rq_list done = { };
	unsigned int n = 0;
	unsigned long flags;
	void *token;

	spin_lock_irqsave(&bvq->lock, flags);
	if (bvq->vq) {
		/* The device is reset: once-only injections end here. */
		virtblk_inject_reset_done(bvq);
		n = virtblk_reap_locked(bvq, &done, UINT_MAX);
		while ((token = virtqueue_detach_unused_buf(bvq->vq))) {
			struct request *rq = virtblk_token_rq(bvq, token);
			struct virtblk_req *vbr;

			if (!rq)
				continue;
			vbr = blk_mq_rq_to_pdu(rq);
			vbr->state = VIRTBLK_RQ_IDLE;
			/*
			 * Not counted: this CPU is rarely the one the request
			 * was hinted on, and the consumer resynchronises a
			 * slot that stays quiet.
			 */
			vbr->hint_ns = 0;
			virtblk_req_release(rq);
			vbp_rq_list_add_tail(orphans, rq);
		}
		bvq->vq = NULL;
		bvq->stopped = false;
	}
	bvq->stats.v[VIRTBLK_VQ_ST_completions] += n;
	spin_unlock_irqrestore(&bvq->lock, flags);

	virtblk_finish(&done, NULL);
}

static int virtblk_poll(struct blk_mq_hw_ctx *hctx, struct io_comp_batch *iob)
{
	struct virtblk_vq *bvq = virtblk_vq_of(hctx);
	struct vbp_rq_list done = { };
	unsigned int n = 0;
	unsigned long flags;
	bool restart, broken = false;

	spin_lock_irqsave(&bvq->lock, flags);
	if (likely(bvq->vq)) {
		n = virtblk_reap_locked(bvq, &done, UINT_MAX);
		/* Nothing comes back from a broken ring; only a reset helps. */
		if (!n)
			broken = virtqueue_is_broken(bvq->vq);
	}
	bvq->stats.v[VIRTBLK_VQ_ST_polls]++;
	if (n)
		bvq->stats.v[VIRTBLK_VQ_ST_poll_completions] += n;
	else
		bvq->stats.v[VIRTBLK_VQ_ST_polls_empty]++;
	restart = virtblk_need_restart(bvq, n);
	spin_unlock_irqrestore(&bvq->lock, flags);

	virtblk_finish(&done, iob);
	if (restart)
		blk_mq_start_stopped_hw_queue(hctx, true);
	if (unlikely(broken))
		virtblk_broken(bvq);
	return n;
}

static enum blk_eh_timer_return virtblk_timeout(struct request *rq)
{
	struct virtblk_vq *bvq = virtblk_vq_of(rq->mq_hctx);
	struct virtblk_req *vbr = blk_mq_rq_to_pdu(rq);
	struct virtblk_dev *vblk = bvq->vblk;
	unsigned long flags;
	u8 state, status;

	if (!READ_ONCE(virtblk_param_io_timeout))
		return BLK_EH_RESET_TIMER;

	/* A lost interrupt, or a polled queue nobody polls: look first. */
	virtblk_reap_vq(bvq, NULL);
	if (blk_mq_rq_state(rq) != MQ_RQ_IN_FLIGHT)
		return BLK_EH_DONE;

	spin_lock_irqsave(&bvq->lock, flags);
	state = READ_ONCE(vbr->state);
	spin_unlock_irqrestore(&bvq->lock, flags);

	if (state == VIRTBLK_RQ_DROPPED) {
		/* The device finished it but the completion was dropped. */
		blk_mq_complete_request(rq);
		return BLK_EH_DONE;
	}
	/* DONE: a completion is on its way; IDLE: a reset owns it. */
	if (state != VIRTBLK_RQ_INFLIGHT)
		return BLK_EH_RESET_TIMER;

	spin_lock_irqsave(&vblk->state_lock, flags);
	vblk->stats.v[VIRTBLK_DEV_ST_timeouts]++;
	spin_unlock_irqrestore(&vblk->state_lock, flags);

	status = vblk->vdev->config->get_status(vblk->vdev);
	dev_warn_ratelimited(&vblk->vdev->dev,
			     "%s: %s: request (tag %d, op %u) timed out after %ums%s\n",
			     vblk->disk->disk_name, bvq->name, rq->tag,
			     req_op(rq), jiffies_to_msecs(rq->q->rq_timeout),
			     status & VIRTIO_CONFIG_S_NEEDS_RESET ?
			     ", device needs reset" : "");
	virtblk_schedule_reset(vblk, "request timeout");
	return BLK_EH_RESET_TIMER;
}

static int virtblk_init_hctx(struct blk_mq_hw_ctx *hctx, void *data,
			     unsigned int idx)
{
	struct virtblk_dev *vblk = data;
	struct virtblk_vq *bvq = &vblk->vqs[idx];

	hctx->driver_data = bvq;
	bvq->hctx = hctx;
	return 0;
}

static void virtblk_map_queues(struct blk_mq_tag_set *set)
{
	struct virtblk_dev *vblk = set->driver_data;
	struct blk_mq_queue_map *map = &set->map[HCTX_TYPE_DEFAULT];

	/* Interrupt-driven queues follow the transport's vector affinity. */
	map->nr_queues = vblk->split.nr_default;
	map->queue_offset = 0;
	blk_mq_virtio_map_queues(map, vblk->vdev, 0);

	if (set->nr_maps <= HCTX_TYPE_POLL)
		return;

	set->map[HCTX_TYPE_READ].nr_queues = 0;
	set->map[HCTX_TYPE_READ].queue_offset = 0;

	/* Polled queues have no vector: spread them over the CPUs. */
	map = &set->map[HCTX_TYPE_POLL];
	map->nr_queues = vblk->split.nr_poll;
	map->queue_offset = vblk->split.nr_default;
	if (map->nr_queues)
		blk_mq_map_queues(map);
}

const struct blk_mq_ops virtblk_mq_ops = {
	.queue_rq	= virtblk_queue_rq,
	.queue_rqs	= virtblk_queue_rqs,
	.commit_rqs	= virtblk_commit_rqs,
	.complete	= virtblk_complete_rq,
	.timeout	= virtblk_timeout,
	.poll		= virtblk_poll,
	.init_hctx	= virtblk_init_hctx,
	.map_queues	= virtblk_map_queues,
};
