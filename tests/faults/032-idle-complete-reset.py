# SPDX-License-Identifier: GPL-2.0
"""Host side of faults/idle-complete-reset."""

from caselib import check as expect, check_pattern


def check(ctx, r, res, kernel, var):
    expect(int(res["timeouts"]) >= 1 and int(res["resets"]) >= 2,
           "stall and badhdr did not cause a timeout and two resets: %s"
           % res)
    expect(res["dead"] == "0" and res["failed"] == "0",
           "requests failed: %s" % res)
    expect(int(res["seconds"]) >= int(var["io_timeout"]),
           "stalled job took %ss, less than io_timeout: no stall?"
           % res["seconds"])
    expect(int(res["idle_completions"]) > 0,
           "no idle-loop completion after the resets: %s" % res)
    check_pattern(r)
    ctx.note("stall: %s kicks of a stuck ring, job %ss; %s resets, "
             "%s requeues; then %s of 1000 reads completed from the idle "
             "loop" % (res["stall_kicks"], res["seconds"], res["resets"],
                       res["requeues"], res["idle_completions"]))
