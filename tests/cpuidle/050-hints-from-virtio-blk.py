# SPDX-License-Identifier: GPL-2.0
"""Host side of cpuidle/hints-from-virtio_blk: the hints must not have
changed while no consumer was loaded."""

from caselib import Fail, fio_job


def check(ctx, r, res, kernel, var):
    if res.get("service_after") != res.get("service_ns"):
        raise Fail("hints changed while no consumer was loaded: %s -> %s"
                   % (res.get("service_ns"), res.get("service_after")))
    job = fio_job(r, "hinted")
    ios = job["read"]["total_ios"] + job["write"]["total_ios"]
    ctx.note("%d QD1 I/Os: %s I/O-aware polls, %s ended by a wakeup, "
             "%s by a completion; service time per CPU %sns" % (
                 ios, res.get("io_polls"), res.get("io_wakeups"),
                 res.get("io_completions"), res.get("service_ns")))
