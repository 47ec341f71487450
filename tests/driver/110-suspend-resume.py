# SPDX-License-Identifier: GPL-2.0
"""Host side of driver/suspend-resume: throttle the disk when the guest
asks, and read the verdict the guest wrote to the console after the
resume (the 9p shares are gone by then)."""

import re

from caselib import check as expect, disk_iops, host_steps

SUSPEND_IOPS = 500


def configure(ctx, kernel, var, spec):
    return {"during": host_steps(
        throttle=lambda v: disk_iops(v, SUSPEND_IOPS))}


def check(ctx, r, res, kernel, var):
    expect("vbp: suspend test passed" in r.console,
           "no verdict from after the resume")
    m = re.search(r"vbp: resumed after (\d+)s", r.console)
    ctx.note("suspend with the disk at %d IOPS took %ss (5 s of it "
             "pm_test)" % (SUSPEND_IOPS, m.group(1) if m else "?"))
    seen = sorted({ln.split("]", 1)[-1].strip()
                   for ln in r.console.splitlines()
                   if "virtqueues released" in ln})
    for ln in seen:
        ctx.note(ln)
