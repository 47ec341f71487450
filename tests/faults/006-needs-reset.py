# SPDX-License-Identifier: GPL-2.0
"""Host side of faults/needs-reset-{irq,poll}."""

from caselib import check as expect, check_pattern


def check(ctx, r, res, kernel, var):
    io_timeout = int(var["io_timeout"])
    expect(int(res["resets"]) >= 1 and res["timeouts"] == "0",
           "NEEDS_RESET did not reset the device without a timeout: %s"
           % res)
    expect(int(res["requeues"]) >= 1, "nothing was requeued: %s" % res)
    expect(res["failed"] == "0" and res["dead"] == "0",
           "requests failed: %s" % res)
    expect(int(res["ms"]) < io_timeout * 1000,
           "reads took %sms" % res["ms"])
    check_pattern(r)
    ctx.note("malformed request -> NEEDS_RESET -> reset after the config "
             "interrupt: resets=%s requeues=%s, 256 reads in %.1fs "
             "(io_timeout %ds)" % (res["resets"], res["requeues"],
                                   int(res["ms"]) / 1000.0, io_timeout))
