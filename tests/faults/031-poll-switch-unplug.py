# SPDX-License-Identifier: GPL-2.0
"""Host side of faults/poll-switch-unplug: device_del while the guest
switches the disk's poll queues, device_add of the same disk once it is
gone."""

import time

from caselib import host_steps
from vm import HarnessError, device_add_cmd


def _unplug(v):
    v.qmp.cmd("device_del", id="disk0-dev")
    return "device_del sent"


def _replug(disk):
    def step(v):
        deadline = time.time() + 90
        while True:
            out = v.qmp.hmp(device_add_cmd(0, disk))
            if not out.strip():
                return "device_add ok"
            if time.time() > deadline:
                raise HarnessError("device_add: %s" % out.strip())
            time.sleep(1)       # the old device may not be finalized yet
    return step


def configure(ctx, kernel, var, spec):
    disks = spec.disks
    return {"disks": disks,
            "during": host_steps(unplug=_unplug, replug=_replug(disks[0]))}


def check(ctx, r, res, kernel, var):
    ctx.note("unplugged after %s poll queue changes, replugged, pattern "
             "intact" % res.get("switches"))
