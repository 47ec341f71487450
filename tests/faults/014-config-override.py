# SPDX-License-Identifier: GPL-2.0
"""Host side of faults/config-override."""

from caselib import check as expect, check_pattern


def check(ctx, r, res, kernel, var):
    expect(res["seg1_segments"] == "1" and res["seg1_segsize"] == "4096",
           "seg_max=1 size_max=4096 gave %s segments of %s bytes" % (
               res["seg1_segments"], res["seg1_segsize"]))
    expect(res.get("small_refused") == "1", "size_max 512 not refused")
    expect(res["mq1_hctxs"] == "1" and res["mq1_poll"] == "0",
           "MQ with 1 queue: %s hctxs, %s poll queues" % (
               res["mq1_hctxs"], res["mq1_poll"]))
    expect(res.get("mq0_refused") == "1", "zero queues not refused")
    expect(int(res["clear_segments"]) > 1,
           "override still in effect after clear: %s segments"
           % res["clear_segments"])
    check_pattern(r)
    ctx.note("seg_max 1 + size_max 4096 (64k, 12k, polled I/O "
             "verified), size_max 512 refused, MQ with 1 "
             "queue (poll queue dropped), MQ with 0 queues refused")
