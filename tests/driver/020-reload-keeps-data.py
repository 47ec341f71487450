# SPDX-License-Identifier: GPL-2.0
"""Host side of driver/reload-keeps-data."""

from caselib import check as expect, fio_job


def check(ctx, r, res, kernel, var):
    expect(fio_job(r, "verify")["read"]["io_bytes"] >= 16 << 20,
           "verify after reload read too little")
