# SPDX-License-Identifier: GPL-2.0
"""Host side of driver/qmp-resize: grow the disk through QMP."""

from caselib import resize_when_ready


def configure(ctx, kernel, var, spec):
    return {"during": resize_when_ready}
