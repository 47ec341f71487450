# SPDX-License-Identifier: GPL-2.0
"""Host side of cpuidle/review-rcu-watching: the traced polls, for the
summary."""


def check(ctx, r, res, kernel, var):
    ctx.note("traced: %s I/O-aware and %s classic polls on CPU 1" % (
        res.get("io_polls"), res.get("classic_polls")))
