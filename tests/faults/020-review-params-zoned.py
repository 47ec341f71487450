# SPDX-License-Identifier: GPL-2.0
"""Host side of review/params-zoned."""

from caselib import check as expect


def check(ctx, r, res, kernel, var):
    expect(res["depth_param"] == "10240" and res["depth_disk"] == "256",
           "queue_depth=100000: parameter %s, disk depth %s (want "
           "10240, capped at the ring: 256)" % (res["depth_param"],
                                                res["depth_disk"]))
    expect(res["timeout_param"] == "3600" and
           res["timeout_disk_ms"] == "3600000",
           "io_timeout=99999: parameter %s, disk timer %s ms" % (
               res["timeout_param"], res["timeout_disk_ms"]))
    expect(res["garbage_poll"] == "1",
           "poll_queues=abc after poll_queues=1 left %s"
           % res["garbage_poll"])
    expect(res["timeout_runtime"] == "3600",
           "run-time io_timeout=99999 gave %s" % res["timeout_runtime"])
    expect(res.get("zoned_hm_refused") == "1" and
           res.get("zoned_ha_bound") == "1" and
           res.get("zoned_none_bound") == "1", "zoned steps: %s" % res)
    ctx.note("queue_depth=100000 -> 10240 (ring 256), io_timeout=99999 "
             "-> 3600 at load and run time, poll_queues=abc ignored at "
             "load, refused at run time; zoned hm refused, ha used as a "
             "regular disk")
