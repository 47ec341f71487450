# SPDX-License-Identifier: GPL-2.0
"""Host side of driver/vhost-user: the data survived, the back end did
not break, and polled I/O took no interrupt on the poll queue."""

import os

from caselib import check as expect, fio_job


def check(ctx, r, res, kernel, var):
    host = var["host"]
    polled = var["poll"] == "1"
    if host == "qsd":
        with open(os.path.join(r.outdir, "qsd-disk0.log")) as f:
            log = f.read()
        expect("vu_panic" not in log,
               "qemu-storage-daemon broke: %s" % log.strip()[-300:])
    for name in ("rand4k", "seq128k", "readback"):
        expect(fio_job(r, name)["error"] == 0, "%s: fio error" % name)
    job = fio_job(r, "rand4k")
    ios = job["write"]["total_ios"] + job["read"]["total_ios"]
    expect(ios >= 4096, "rand4k did only %d I/Os" % ios)
    expect(fio_job(r, "readback")["read"]["io_bytes"] >= 16 << 20,
           "read-back verified too little")
    if not polled:
        expect(int(res["rand4k_irqs"]) > 0,
               "interrupt-driven I/O raised no interrupts")
        ctx.note("%s, no poll queue: %d I/Os verified" % (host, ios))
        return
    probe = res["probe"]
    keeps = host != "qemu-vec2"
    if keeps:
        expect(probe.endswith("poll queues with a suppressed vector"),
               "poll queue without a vector: %r" % probe)
        expect("req_poll" in r.read("guest.log", ""),
               "no /proc/interrupts line of the poll queue's vector")
    else:
        expect(probe.endswith("poll queues without a vector"),
               "short MSI-X did not drop the poll vector: %r" % probe)
        expect("poll_queue_irq=2: 2 MSI-X vectors for 2 queues" in
               r.console, "no warning about the MSI-X shortage")
    pq_irqs = int(res["rand4k_pq_irqs"])
    pq_int = int(res["rand4k_pq_interrupts"])
    pc = int(res["rand4k_pq_poll_completions"])
    expect(pq_irqs == 0 and pq_int == 0,
           "polled I/O: %d interrupts on the poll queue's vector, %d "
           "counted by its callback" % (pq_irqs, pq_int))
    expect(pc >= ios, "only %d of %d I/Os completed by polling" % (pc, ios))
    ctx.note("%s: %d polled I/Os, 0 interrupts on the poll queue; before "
             "them %s at probe, %s in a 256-I/O warm-up (debugfs: %s, %s)"
             % (host, ios, res["pq_irqs_before_warm"], res["pq_irqs_warm"],
                res["pq_interrupts_before_warm"], res["pq_interrupts_warm"]))
