# SPDX-License-Identifier: GPL-2.0
"""Host side of faults/poll-switch-stall-{irq,poll}."""

from caselib import check as expect, check_pattern


def check(ctx, r, res, kernel, var):
    expect(int(res["timeouts"]) >= 1 and int(res["resets"]) >= 1,
           "stall caused no timeout/reset: %s" % res)
    expect(res["dead"] == "0" and res["failed"] == "0",
           "stalled requests failed: %s" % res)
    # the change waited for the stuck requests, which only the timeout
    # and its reset could complete
    expect(int(res["seconds"]) >= int(var["io_timeout"]) - 1,
           "the change took %ss, less than io_timeout: it did not wait?"
           % res["seconds"])
    check_pattern(r)
    ctx.note("change under a stall took %ss: %s timeouts, %s resets, "
             "%s requeues" % (res["seconds"], res["timeouts"],
                              res["resets"], res["requeues"]))
