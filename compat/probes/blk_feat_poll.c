// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_BLK_FEAT_POLL: whether a queue takes polled I/O is the
 * BLK_FEAT_POLL bit of queue_limits.features, set by blk-mq when the tag
 * set has a poll map (v6.11, "block: move the poll flag to
 * queue_limits"), instead of QUEUE_FLAG_POLL, which
 * blk_mq_update_nr_hw_queues() recomputes from the poll map.
 */
#include <linux/blkdev.h>

int probe(struct request_queue *q);
int probe(struct request_queue *q)
{
	struct queue_limits lim = queue_limits_start_update(q);

	lim.features &= ~BLK_FEAT_POLL;
	return queue_limits_commit_update(q, &lim);
}
