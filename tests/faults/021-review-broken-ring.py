# SPDX-License-Identifier: GPL-2.0
"""Host side of review/broken-ring."""

from caselib import check as expect, check_all, fio_job


def check(ctx, r, res, kernel, var):
    check_all([
        (int(res["busy_resets"]) >= 1, "no reset for the broken ring"),
        (res["busy_failed"] == "0", "requests failed: %s" % res),
        (int(res["resets"]) >= int(res["busy_resets"]) + 1,
         "no reset for the idle break: %s" % res),
        (res["failed"] == "0" and res["dead"] == "0",
         "requests failed or disk dead: %s" % res),
        (int(res["idle_seconds"]) < 10,
         "read after the idle break took %ss" % res["idle_seconds"]),
    ])
    for job in ("irq", "poll"):
        expect(fio_job(r, job)["error"] == 0, "fio %s error" % job)
    ctx.note("break under irq+poll fio verify: %s reset(s), 0 failed; "
             "idle break: read done in %ss" % (res["busy_resets"],
                                               res["idle_seconds"]))
