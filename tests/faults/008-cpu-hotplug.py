# SPDX-License-Identifier: GPL-2.0
"""Host side of faults/cpu-hotplug-smp{2,4}."""

from caselib import check as expect, check_pattern, fio_job


def check(ctx, r, res, kernel, var):
    expect(int(res["cycles"]) >= 3, "only %s CPU offline/online cycles "
           "during the I/O" % res["cycles"])
    expect(int(res["poll_completions"]) > 0, "no polled completions")
    for n in ("irq", "poll"):
        expect(fio_job(r, n)["error"] == 0, "%s fio error" % n)
    check_pattern(r)
    ctx.note("smp=%s: %s CPU offline/online cycles during irq+poll I/O"
             % (var["smp"], res["cycles"]))
