# SPDX-License-Identifier: GPL-2.0
"""Host side of review/restore-fails: the verdict after the resume is on
the console (9p is gone by then)."""

from caselib import check as expect


def check(ctx, r, res, kernel, var):
    expect("vbp: restore test passed" in r.console,
           "no verdict from after the resume")
    ctx.note("failed virtqueue setup in restore: recovered by a reset, "
             "data read back")
