# SPDX-License-Identifier: GPL-2.0
"""Host side of faults/busmaster-{irq,poll}: our driver must recover;
then the same with the in-tree driver, a measurement, not a verdict."""

from caselib import check as expect, check_pattern, results


def configure(ctx, kernel, var, spec):
    cycles, off, on = (int(var[k]) for k in ("cycles", "off", "on"))
    return {"env": {"RUNTIME": cycles * (off + on) + 5}}


def run(ctx, kernel, var, spec):
    r = spec.run(ctx)
    res = results(r)
    expect(res.get("hung") == "0", "our driver: fio did not finish")
    expect(int(res["resets"]) >= 1 and int(res["timeouts"]) >= 1,
           "the toggling caused no timeout/reset (%s): the fault did "
           "not happen" % res)
    expect(res["dead"] == "0", "disk declared dead: %s" % res)
    check_pattern(r)
    ctx.note("ours: recovered, timeouts=%s resets=%s requeues=%s "
             "failed=%s" % (res["timeouts"], res["resets"],
                            res["requeues"], res["failed"]))
    # The in-tree driver's hang is a measurement, not a verdict: one
    # kernel shows it (6.12, both modes), the others skip a second boot.
    if kernel != "6.12":
        return
    s = spec.run(ctx, ok=False, driver="stock",
                 params="poll_queues=%d" % (var["mode"] == "poll"),
                 env={"DRIVER": "stock"}, hung_task_secs=0)
    sres = results(s)
    if sres.get("hung") == "1":
        ctx.note("stock hung: fio still running %ss after the toggling "
                 "(fio tasks: %s; %s requests in flight); a new read "
                 "%s" % (var["bound"], sres.get("hung_tasks"),
                         sres.get("hung_inflight"),
                         "got it going again (lost interrupts)"
                         if sres.get("rescued") == "1" else
                         "hangs too (device broken)"))
    elif s.ok:
        ctx.note("stock did NOT hang: I/O finished and the disk works "
                 "after the toggling")
    else:
        ctx.note("stock did not hang but failed: %s"
                 % s.summary().splitlines()[0])
