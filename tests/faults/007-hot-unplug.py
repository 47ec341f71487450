# SPDX-License-Identifier: GPL-2.0
"""Host side of faults/hot-unplug: device_del when the guest has both
kinds of queue busy, device_add of the same disk once it is gone."""

from caselib import unplug_steps


def configure(ctx, kernel, var, spec):
    return {"disks": spec.disks, "during": unplug_steps(spec.disks[0])}


def check(ctx, r, res, kernel, var):
    ctx.note("unplugged under irq+poll I/O, replugged, pattern intact")
