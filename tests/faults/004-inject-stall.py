# SPDX-License-Identifier: GPL-2.0
"""Host side of faults/inject-stall-{irq,poll}."""

from caselib import check as expect, check_pattern


def check(ctx, r, res, kernel, var):
    expect(int(res["timeouts"]) >= 1 and int(res["resets"]) >= 1,
           "stall caused no timeout/reset: %s" % res)
    expect(res["dead"] == "0" and res["failed"] == "0",
           "stalled requests failed: %s" % res)
    expect(int(res["seconds"]) >= int(var["io_timeout"]),
           "stalled job took %ss, less than io_timeout: no stall?"
           % res["seconds"])
    check_pattern(r)
    ctx.note("stall -> %s timeouts, %s resets, %s requeues, job %ss"
             % (res["timeouts"], res["resets"], res["requeues"],
                res["seconds"]))
