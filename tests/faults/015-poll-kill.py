# SPDX-License-Identifier: GPL-2.0
"""Host side of faults/poll-kill."""

from caselib import check as expect, check_pattern


def check(ctx, r, res, kernel, var):
    io_timeout = int(var["io_timeout"])
    expect(int(res["polls_at_kill"]) > 0,
           "fio was not polling when killed: %s" % res)
    expect(res["timeouts_at_kill"] == "0",
           "a timeout fired before the kill: %s" % res)
    expect(int(res["timeouts"]) >= 1 and int(res["resets"]) >= 1,
           "the stall caused no timeout/reset: %s" % res)
    ms = int(res["exit_ms"])
    expect(res["timeouts_at_exit"] == "0" and ms < io_timeout * 1000,
           "killed fio took %d ms to exit, not before io_timeout %ds: %s"
           % (ms, io_timeout, res))
    expect(res["dead"] == "0", "disk declared dead: %s" % res)
    check_pattern(r)
    ctx.note("SIGKILL to a polled fio with %s requests stuck: gone after "
             "%.1fs (io_timeout %ds); timeouts=%s resets=%s "
             "requeues=%s failed=%s" % (
                 res["inflight_at_kill"], ms / 1000.0, io_timeout,
                 res["timeouts"], res["resets"], res["requeues"],
                 res["failed"]))
