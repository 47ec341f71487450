# SPDX-License-Identifier: GPL-2.0
"""Host side of faults/capacity-{512,0}."""

from caselib import check as expect


def check(ctx, r, res, kernel, var):
    want = int(var["size"]) // 512
    got = res["sectors"]
    expect(got == str(want), "disk has %s sectors, want %d" % (got, want))
    ctx.note("capacity %s: %s sectors, I/O within bounds ok" % (var["size"],
                                                                got))
