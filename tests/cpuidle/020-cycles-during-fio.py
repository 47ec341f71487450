# SPDX-License-Identifier: GPL-2.0
"""Host side of cpuidle/cycles-during-fio: on the debug kernel (no
virtio_blk) the NVMe modules the I/O runs on."""

import os

import vm
from caselib import Fail


def configure(ctx, kernel, var, spec):
    if kernel != "debug":
        return {}
    k = ctx.kernel(kernel)
    files = {}
    names = []
    for rel in vm.module_closure(k.moddir, ["nvme"]):
        name = os.path.basename(rel)
        if not name.endswith(".ko"):
            raise Fail("compressed module %s not supported here" % rel)
        files[name] = os.path.join(k.moddir, rel)
        names.append(name)
    return {"files": files, "env": {"NVME_KOS": " ".join(names)}}
