// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_QUEUE_RQS_RQ_LIST: blk_mq_ops->queue_rqs() takes a struct rq_list
 * instead of a bare struct request ** list head
 * (v6.13, "block: add a rq_list type"; backported to Debian 6.12).
 */
#include <linux/blk-mq.h>

static void probe_queue_rqs(struct rq_list *rqlist)
{
	rq_list_init(rqlist);
}

const struct blk_mq_ops probe_ops = {
	.queue_rqs = probe_queue_rqs,
};
