# SPDX-License-Identifier: GPL-2.0
"""Host side of driver/verify: the fio jobs moved and verified their
data; polled I/O raised no interrupt and completed through polls,
interrupt-driven I/O the other way round."""

from caselib import check as expect, fio_job


def check(ctx, r, res, kernel, var):
    nq = int(var["nq"])
    poll = int(var["poll"])
    # A disk with one queue cannot give one up for polling.
    polled = poll and nq > 1
    for name in ("rand4k", "seq128k", "readback"):
        expect(fio_job(r, name)["error"] == 0, "%s: fio error" % name)
    ios = fio_job(r, "rand4k")["write"]["total_ios"] + \
        fio_job(r, "rand4k")["read"]["total_ios"]
    expect(ios >= 4096, "rand4k did only %d I/Os" % ios)
    expect(fio_job(r, "readback")["read"]["io_bytes"] >= 16 << 20,
           "read-back verified too little")
    irqs = int(res["rand4k_irqs"])
    polls = int(res["rand4k_polls"])
    pc = int(res["rand4k_poll_completions"])
    if polled:
        expect(irqs == 0, "polled I/O raised %d interrupts" % irqs)
        expect(polls > 0 and pc >= ios,
               "poll counters: %d polls, %d completions for %d I/Os"
               % (polls, pc, ios))
        ctx.note("%d polled I/Os, 0 interrupts, %.2f completions/poll"
                 % (ios, pc / polls))
    else:
        expect(irqs > 0, "interrupt-driven I/O raised no interrupts")
        expect(pc == 0, "irq queues reported %d poll completions" % pc)
    if poll and nq == 1:
        expect("poll_queues=1 reduced to 0" in r.console,
               "no warning that a 1-queue disk cannot poll")
