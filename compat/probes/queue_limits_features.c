// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_QUEUE_LIMITS_FEATURES: the write cache, FUA and rotational flags
 * live in queue_limits.features (v6.11, "block: move cache control
 * settings out of queue->flags" and "block: move the nonrot flag to
 * queue_limits"), and limits are updated atomically through
 * queue_limits_start_update()/queue_limits_commit_update().
 */
#include <linux/blkdev.h>

int probe(struct request_queue *q);
int probe(struct request_queue *q)
{
	struct queue_limits lim = queue_limits_start_update(q);

	lim.features |= BLK_FEAT_WRITE_CACHE | BLK_FEAT_ROTATIONAL;
	return queue_limits_commit_update(q, &lim);
}
