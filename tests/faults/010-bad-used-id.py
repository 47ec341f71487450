# SPDX-License-Identifier: GPL-2.0
"""Host side of faults/bad-used-id."""

from caselib import check as expect, check_pattern


def check(ctx, r, res, kernel, var):
    expect(res["resets"] == "0" and res["failed"] == "0",
           "a bogus id caused a reset or failure: %s" % res)
    check_pattern(r)
    ctx.note("bogus and duplicate used ids rejected with a message, "
             "irq and poll queues")
