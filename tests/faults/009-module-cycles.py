# SPDX-License-Identifier: GPL-2.0
"""Host side of faults/module-cycles."""

from caselib import check as expect, check_pattern


def check(ctx, r, res, kernel, var):
    expect(res["cycles"] == var["cycles"], "not all cycles ran")
    check_pattern(r)
    ctx.note("rmmod refused while busy; %s load/unload cycles"
             % var["cycles"])
