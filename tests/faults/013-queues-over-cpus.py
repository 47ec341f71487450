# SPDX-License-Identifier: GPL-2.0
"""Host side of faults/queues-over-cpus."""

from caselib import check as expect, check_pattern


def check(ctx, r, res, kernel, var):
    h = int(res["hctxs"])
    expect(2 <= h <= 3, "%d hardware queues for 2 CPUs and 16 device "
           "queues" % h)
    check_pattern(r)
    ctx.note("16 device queues on 2 CPUs: %d hardware queues" % h)
