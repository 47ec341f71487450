# SPDX-License-Identifier: GPL-2.0
"""Host side of driver/poll-switch: vblkstat for the guest, which checks
that it reports each new split at once."""

import os

from caselib import ROOT

TOOL = os.path.join(ROOT, "tools", "vblkstat")


def configure(ctx, kernel, var, spec):
    return {"files": {"vblkstat": TOOL, "vblkstat.awk": TOOL + ".awk"}}


def check(ctx, r, res, kernel, var):
    ctx.note("0-1-2-0 poll queues under fio verify, vdb untouched, %s "
             "resets, %s failed" % (res.get("resets"), res.get("failed")))
