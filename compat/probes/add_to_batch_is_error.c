// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_ADD_TO_BATCH_IS_ERROR: blk_mq_add_to_batch() takes a bool is_error
 * instead of an int ioerror status (v6.14, "block: change
 * blk_mq_add_to_batch() third argument type to bool"; backported to
 * Debian 6.12).
 */
#include <linux/blk-mq.h>

bool (*probe_fn)(struct request *req, struct io_comp_batch *iob,
		 bool is_error, void (*complete)(struct io_comp_batch *));
bool (*probe_fn)(struct request *req, struct io_comp_batch *iob,
		 bool is_error, void (*complete)(struct io_comp_batch *)) =
	blk_mq_add_to_batch;
