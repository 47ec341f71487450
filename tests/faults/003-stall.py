# SPDX-License-Identifier: GPL-2.0
"""Host side of faults/stop-cont and faults/throttle-stall-{irq,poll}:
the host step that stalls the device, and the check that fio verified
every write."""

import time

from caselib import check as expect, check_pattern, disk_iops, fio_job, \
    host_steps


def configure(ctx, kernel, var, spec):
    io_timeout = int(var["io_timeout"])

    def stop_cont(v):
        v.qmp.cmd("stop")
        t0 = time.time()
        time.sleep(io_timeout + 3)
        st = v.qmp.cmd("query-status")
        v.qmp.cmd("cont")
        return "stopped %.1fs (%s)" % (time.time() - t0, st.get("status"))

    def throttle(v):
        """Let the disk do one request a second for longer than
        io_timeout: the guest's clock keeps running, so requests time
        out for real."""
        disk_iops(v, 1)
        time.sleep(io_timeout + 5)
        disk_iops(v, 0)
        return "throttled to 1 IOPS for %ds" % (io_timeout + 5)

    step = stop_cont if var["how"] == "stop-cont" else throttle
    return {"during": host_steps(stall=step)}


def check(ctx, r, res, kernel, var):
    io_timeout = int(var["io_timeout"])
    stop = var["how"] == "stop-cont"
    if not stop:
        expect(int(res["timeouts"]) >= 1 and int(res["resets"]) >= 1,
               "a 1 IOPS device for %ds caused no timeout: %s"
               % (io_timeout + 5, res))
    bg = fio_job(r, "bg")
    expect(bg["error"] == 0, "fio error %d" % bg["error"])
    expect(bg["read"]["io_bytes"] >= 16 << 20,
           "fio verified only %d bytes" % bg["read"]["io_bytes"])
    expect(res["dead"] == "0" and res["failed"] == "0",
           "requests failed across stop/cont: %s" % res)
    check_pattern(r)
    ctx.note("%s: all writes verified; guest saw timeouts=%s "
             "resets=%s requeues=%s" % (
                 "stop %ds/cont" % (io_timeout + 3) if stop
                 else "1 IOPS for %ds" % (io_timeout + 5),
                 res["timeouts"], res["resets"], res["requeues"]))
