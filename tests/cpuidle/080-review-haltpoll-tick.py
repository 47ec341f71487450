# SPDX-License-Identifier: GPL-2.0
"""Host side of cpuidle/review-haltpoll-tick: the idle CPU's tick rate
(where the kernel can stop the tick) and the haltpoll governor's
choices."""

import os

from caselib import check as expect

# Debian's HZ; an idle CPU whose tick is stopped takes far fewer.
HZ = 250


def check(ctx, r, res, kernel, var):
    k = ctx.kernel(kernel)
    ctx.note("idle CPU 1 under haltpoll (%s): %s ticks/s, %s state-1 "
             "entries, governor window grew %s and shrank %s times" % (
                 "registered by vbp_haltpoll_gov"
                 if "registered_by_module" in res else "KVM",
                 res["loc_per_s"], res["state1_entries"], res["grows"],
                 res["shrinks"]))
    # The debug kernel (allnoconfig based) ticks periodically: there no
    # idle CPU ever stops its tick, and only the governor's choices tell
    # the fix.
    with open(os.path.join(k.headers, ".config")) as f:
        nohz = "CONFIG_NO_HZ_IDLE=y\n" in f.read()
    if nohz:
        expect(int(res["loc_per_s"]) <= HZ // 4,
               "idle CPU 1 kept its tick: %s ticks/s" % res["loc_per_s"])
    else:
        ctx.note("periodic tick (no CONFIG_NO_HZ_IDLE): tick rate not "
                 "checked")
    expect(int(res["state1_entries"]) > 0,
           "the governor never left state 0 on an idle CPU")
    expect(int(res["grows"]) > 0 and int(res["shrinks"]) > 0,
           "the governor's poll limit did not adapt (grew %s, shrank %s "
           "times)" % (res["grows"], res["shrinks"]))
