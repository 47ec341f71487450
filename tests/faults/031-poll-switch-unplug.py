# SPDX-License-Identifier: GPL-2.0
"""Host side of faults/poll-switch-unplug: device_del while the guest
switches the disk's poll queues, device_add of the same disk once it is
gone."""

from caselib import unplug_steps


def configure(ctx, kernel, var, spec):
    return {"disks": spec.disks, "during": unplug_steps(spec.disks[0])}


def check(ctx, r, res, kernel, var):
    ctx.note("unplugged after %s poll queue changes, replugged, pattern "
             "intact" % res.get("switches"))
