# SPDX-License-Identifier: GPL-2.0
"""Host side of driver/probe-failure: build the injection helper, and
tell the leaks kmemleak found in the probe path from the kernel's."""

import os
import re

import caselib
from caselib import ROOT, check as expect

# Allocation helpers, skipped when looking for who allocated a leak.
ALLOC_FRAMES = re.compile(r"^(__?k[mvz]?alloc|__kmalloc|kmem_cache_alloc|"
                          r"kstrdup|kvasprintf|kasprintf|kmemdup|krealloc|"
                          r"__do_kmalloc|kvmalloc|__kvmalloc)")
# Virtio core code the driver calls to build its virtqueues: what it
# allocates for us is ours to free (virtblk_del_vqs()).
VIRTIO_FRAMES = re.compile(r"^(vp_|vring_|virtqueue_|__vring|vm_find|"
                           r"virtio_|setup_vq|vp_modern_)")


def _leak_owner(obj):
    """'ours' if the innermost non-allocator frames of a kmemleak report
    lead, through the virtio core only, to our module; else the name of
    the function that made the allocation."""
    frames = []
    grab = False
    for ln in obj.splitlines():
        ln = ln.strip()
        if ln.startswith("backtrace"):
            grab = True
        elif grab and ln:
            frames.append(ln.split("] ", 1)[-1])
    for f in frames:
        name = f.split("+", 1)[0]
        if ALLOC_FRAMES.match(name):
            continue
        if "[virtio_blk]" in f:
            return "ours"
        if VIRTIO_FRAMES.match(name):
            continue
        return name
    return "?"


def configure(ctx, kernel, var, spec):
    prog = os.path.join(ctx.dir, "fail_nth_write")
    caselib.run(["gcc", "-O2", "-static", "-Wall", "-Wextra", "-Werror",
                 "-o", prog,
                 os.path.join(ROOT, "tests", "progs", "fail_nth_write.c")])
    return {"files": {"fail_nth_write": prog}}


def check(ctx, r, res, kernel, var):
    expect(int(res["failed"]) >= 20,
           "only %s probes failed under injection" % res["failed"])
    owners = {}
    for obj in (r.read("kmemleak.txt") or "").split("unreferenced object")[1:]:
        o = _leak_owner(obj)
        owners[o] = owners.get(o, 0) + 1
    expect("ours" not in owners,
           "kmemleak: %d object(s) allocated by virtio_blk leaked "
           "(kmemleak.txt)" % owners.get("ours", 0))
    warns = sum("remove_proc_entry" in ln and "WARNING" in ln
                for ln in r.console.splitlines())
    ctx.note("%s injection sites in the probe, %s probes failed and "
             "unwound, no leak of ours; kernel-side: %d genirq proc "
             "warnings, kmemleak by allocator %s" % (
                 res["sites"], res["failed"], warns, owners or "none"))
