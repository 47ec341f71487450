# SPDX-License-Identifier: GPL-2.0
"""Host side of review/getid-error."""

from caselib import check_all


def check(ctx, r, res, kernel, var):
    check_all([
        (res.get("failed_serial") == "",
         "a failed GET_ID read as serial %r" % res.get("failed_serial")),
        (res.get("logged") == "1", "no kernel message for the failure"),
    ])
    ctx.note("GET_ID completed with IOERR: empty serial, error logged")
