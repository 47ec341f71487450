# SPDX-License-Identifier: GPL-2.0
"""Host side of cpuidle/basic: the I/O-aware window's counts and the
wake delays the guest logged, for the summary."""


def check(ctx, r, res, kernel, var):
    ctx.note(" ".join(r.read("results.txt", "").split()))
    for ln in r.read("guest.log", "").splitlines():
        if "wake delay" in ln:
            ctx.note(ln.split("] ", 1)[-1])
