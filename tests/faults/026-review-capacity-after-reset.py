# SPDX-License-Identifier: GPL-2.0
"""Host side of review/capacity-after-reset: the host grows the disk
while the recovery is held."""

from caselib import check_all, host_steps


def _resize(v):
    v.qmp.cmd("block_resize", **{"node-name": "disk0", "size": 96 << 20})
    return "disk0 grown to 96 MiB"


def configure(ctx, kernel, var, spec):
    return {"during": host_steps(resize=_resize)}


def check(ctx, r, res, kernel, var):
    check_all([
        (int(res["resets"]) >= 1, "no reset: %s" % res),
        (res["size"] == str(96 * 2048),
         "size %s sectors after the recovery, want %d"
         % (res["size"], 96 * 2048)),
    ])
    ctx.note("resize while NEEDS_RESET was pending: new size seen "
             "after the reset")
