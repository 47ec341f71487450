# SPDX-License-Identifier: GPL-2.0
"""Host side of cpuidle/refuse-bare-metal: a CPU without the hypervisor
CPUID bit."""


def configure(ctx, kernel, var, spec):
    return {"extra_args": ["-cpu", "max,hypervisor=off"]}
