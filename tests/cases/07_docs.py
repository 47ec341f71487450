# SPDX-License-Identifier: GPL-2.0
"""Documentation checks on the host: the module parameters as built
(modinfo) against Documentation/*.rst and the shipped modprobe file."""

import os
import shutil
import subprocess
import sys
import tempfile

import build
from caselib import ROOT, case, check

SCRIPT = os.path.join(ROOT, "scripts", "check-params.py")
DOCS = ("Documentation/admin-guide.rst", "Documentation/cpuidle.rst",
        "debian/virtio-blk-poll.conf")


def _check(ctx, kos, root=ROOT):
    r = subprocess.run([sys.executable, SCRIPT, "--root", root] + kos,
                       capture_output=True, text=True, timeout=120)
    with open(os.path.join(ctx.dir, "check-params.log"), "a") as f:
        f.write("$ check-params --root %s %s\n%s%s\n" % (
            root, " ".join(kos), r.stdout, r.stderr))
    return r


@case("docs/params", quick=True, group="docs")
def params(ctx):
    """Every parameter of virtio_blk and cpuidle_haltpoll_io documented
    with the module's own range and default, nothing else documented; a
    changed default in a copy of the documentation is caught."""
    k = ctx.kernel("6.12")
    kos = [build.module(k, m) for m in ("virtio_blk", "cpuidle_haltpoll_io")]
    r = _check(ctx, kos)
    check(r.returncode == 0,
          "documentation disagrees with the modules (%s):\n%s%s"
          % (k.release, r.stdout, r.stderr))
    # The check itself: one documented default changed in a copy.
    tmp = tempfile.mkdtemp(prefix="docs-", dir=ctx.dir)
    for f in DOCS:
        os.makedirs(os.path.join(tmp, os.path.dirname(f)), exist_ok=True)
        shutil.copy(os.path.join(ROOT, f), os.path.join(tmp, f))
    path = os.path.join(tmp, "Documentation", "cpuidle.rst")
    with open(path) as f:
        text = f.read()
    check("Default: 50000\n" in text, "cpuidle.rst has no grow_start_ns "
          "default to break")
    with open(path, "w") as f:
        f.write(text.replace("Default: 50000\n", "Default: 40000\n", 1))
    r = _check(ctx, kos[1:], root=tmp)
    check(r.returncode == 1 and
          "grow_start_ns: documented default 40000, the module's is 50000"
          in r.stdout and len(r.stdout.splitlines()) == 1,
          "a wrong default in cpuidle.rst was not reported alone: rc %d\n%s"
          % (r.returncode, r.stdout))
    ctx.note("%s: parameters match the documentation; a changed default "
             "is reported" % k.release)


COUNTERS = os.path.join(ROOT, "scripts", "check-counters.py")
COUNTER_FILES = ("Documentation/admin-guide.rst", "Documentation/cpuidle.rst",
                 "virtio_blk/stats.h", "virtio_blk/debugfs.c",
                 "cpuidle/stats.h", "cpuidle/debugfs.c")


def _counters(ctx, root=ROOT):
    r = subprocess.run([sys.executable, COUNTERS, "--root", root],
                       capture_output=True, text=True, timeout=60)
    with open(os.path.join(ctx.dir, "check-counters.log"), "a") as f:
        f.write("$ check-counters --root %s\n%s%s\n" % (root, r.stdout,
                                                          r.stderr))
    return r


@case("docs/counters", quick=True, group="docs")
def counters(ctx):
    """Every counter of the X-macro lists (virtio_blk/stats.h,
    cpuidle/stats.h) is in the documentation's table of its debugfs file,
    and nothing else is there but the gauges debugfs.c prints; a counter
    added to a copy of a list without its documentation line is caught,
    as is a documented name that does not exist."""
    r = _counters(ctx)
    check(r.returncode == 0, "documentation disagrees with the counter "
          "lists:\n%s%s" % (r.stdout, r.stderr))
    tmp = tempfile.mkdtemp(prefix="counters-", dir=ctx.dir)
    for f in COUNTER_FILES:
        os.makedirs(os.path.join(tmp, os.path.dirname(f)), exist_ok=True)
        shutil.copy(os.path.join(ROOT, f), os.path.join(tmp, f))
    edits = (("virtio_blk/stats.h", "VIRTBLK_VQ_STAT(kicks)",
              "VIRTBLK_VQ_STAT(kicks)\nVIRTBLK_VQ_STAT(new_one)"),
             ("Documentation/cpuidle.rst", "\nhalts  ",
              "\nnot_there        a name no file has\nhalts  "))
    for f, old, new in edits:
        path = os.path.join(tmp, f)
        with open(path) as fh:
            text = fh.read()
        check(old in text, "%s has no %r to edit" % (f, old))
        with open(path, "w") as fh:
            fh.write(text.replace(old, new, 1))
    r = _counters(ctx, tmp)
    out = r.stdout.splitlines()
    check(r.returncode == 1 and len(out) == 3 and
          any("counter new_one" in ln and "not documented" in ln
              for ln in out) and
          any("not_there is documented" in ln for ln in out),
          "an undocumented counter and a documented name that does not "
          "exist were not both reported: rc %d\n%s" % (r.returncode,
                                                       r.stdout))
    ctx.note("counters of both modules documented; a new undocumented "
             "counter and a stale documented name are reported")
