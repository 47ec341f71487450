# SPDX-License-Identifier: GPL-2.0
"""Host side of faults/segmax-qs4-{split,packed}."""

from caselib import check as expect, check_pattern


def check(ctx, r, res, kernel, var):
    seg = int(res["max_segments"])
    # seg-max-adjust: seg_max = queue-size - 2 = 2
    expect(seg <= 2, "max_segments %d, want the device's seg_max 2" % seg)
    check_pattern(r)
    ctx.note("queue-size 4: max_segments=%d, 512k, 12k and polled I/O "
             "verified" % seg)
