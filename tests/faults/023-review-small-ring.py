# SPDX-License-Identifier: GPL-2.0
"""Host side of review/small-ring."""

from caselib import check_all


def check(ctx, r, res, kernel, var):
    check_all([
        (res["segments"] == "2",
         "max_segments %s on a 4-entry ring" % res["segments"]),
        (res.get("warned") == "1", "no warning for the capped seg_max"),
    ])
    ctx.note("seg_max 126 on a 4-entry ring without indirect "
             "descriptors: max_segments 2, 64k verify passes")
