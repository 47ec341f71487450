# SPDX-License-Identifier: GPL-2.0
"""Host side of cpuidle/refuse-idle-param: boot with idle=halt."""


def configure(ctx, kernel, var, spec):
    return {"append": "idle=halt"}
