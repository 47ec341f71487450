# SPDX-License-Identifier: GPL-2.0
"""Host side of faults/inject-hang."""

from caselib import check as expect, check_pattern


def check(ctx, r, res, kernel, var):
    expect(res["dead"] == "1", "disk not declared dead: %s" % res)
    expect(int(res["failed"]) >= 1, "no request failed: %s" % res)
    expect(int(res["resets"]) >= 3, "fewer than 3 resets: %s" % res)
    expect(int(res["requeues"]) >= 1, "nothing was requeued: %s" % res)
    expect(int(res["dead_read_seconds"]) < int(var["io_timeout"]),
           "I/O to the dead disk took %ss" % res["dead_read_seconds"])
    check_pattern(r)
    ctx.note("hang -> dead after %ss: timeouts=%s resets=%s requeues=%s "
             "failed=%s" % (res["seconds"], res["timeouts"],
                            res["resets"], res["requeues"],
                            res["failed"]))
