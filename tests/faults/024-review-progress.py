# SPDX-License-Identifier: GPL-2.0
"""Host side of review/progress."""

from caselib import check_all


def check(ctx, r, res, kernel, var):
    check_all([
        (res["dead"] == "1", "hung disk not declared dead: %s" % res),
        (res["resets_logged"] == "4",
         "hung disk died after %s resets, want 4 (the counters a user "
         "zeroes must not count)" % res["resets_logged"]),
        (res.get("msg_queue_timeout") == "1",
         "timeout message does not name the queue's 3000 ms"),
    ])
    ctx.note("hang with counters zeroed in a loop: dead after %s "
             "resets, as without the loop; message names 3000 ms"
             % res["resets_logged"])
