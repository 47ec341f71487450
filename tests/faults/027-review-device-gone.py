# SPDX-License-Identifier: GPL-2.0
"""Host side of review/device-gone."""

from caselib import check_all


def check(ctx, r, res, kernel, var):
    check_all([
        (res["dead"] == "1", "disk not dead: %s" % res),
        (res["resets"] == "0", "a gone device was reset: %s" % res),
        (res.get("gone_logged") == "1", "no 'device is gone' message"),
        (int(res["read_seconds"]) < 30,
         "stalled read took %ss" % res["read_seconds"]),
        (int(res["unbind_seconds"]) < 10,
         "unbind took %ss" % res["unbind_seconds"]),
    ])
    ctx.note("gone device: stalled read failed after %ss, no reset, "
             "unbind in %ss" % (res["read_seconds"],
                                res["unbind_seconds"]))
