# SPDX-License-Identifier: GPL-2.0
"""Build the project's modules for a given kernel, out of the source tree.

Each kernel gets its own copy of the sources under .build/<release>/src
(kbuild builds external modules in place, so two kernels cannot share one
tree).  rsync keeps the copy's timestamps, so rebuilds are incremental.
"""

import atexit
import contextlib
import fcntl
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import threading

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.join(ROOT, ".build")

_lock = threading.Lock()
_done = {}


class BuildError(Exception):
    pass


def srcdir(release):
    return os.path.join(BUILD, release, "src")


def sync_tree(release):
    dst = srcdir(release)
    os.makedirs(dst, exist_ok=True)
    subprocess.run(["rsync", "-a", "--delete",
                    "--exclude=/.git", "--exclude=/.build",
                    "--exclude=/results", "--exclude=*.o", "--exclude=*.ko",
                    "--exclude=.*.cmd", "--exclude=*.mod*",
                    "--exclude=/compat/generated",
                    "--exclude=Module.symvers", "--exclude=modules.order",
                    ROOT + "/", dst + "/"], check=True)
    return dst


def make(release, headers, extra=(), log_name="build.log", target_dir=None):
    """Run make in the per-kernel copy; raise BuildError with the log."""
    dst = sync_tree(release)
    cmd = ["make", "-C", target_dir or dst, "KDIR=" + headers,
           "-j%d" % (os.cpu_count() or 1)] + list(extra)
    log = os.path.join(BUILD, release, log_name)
    with open(log, "w") as f:
        r = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        with open(log) as f:
            tail = f.read().splitlines()[-40:]
        raise BuildError("make for %s failed (log %s):\n%s"
                         % (release, log, "\n".join(tail)))
    return dst


@contextlib.contextmanager
def tree_lock(release):
    """Serialise builds of one kernel's copy across processes."""
    os.makedirs(os.path.join(BUILD, release), exist_ok=True)
    with open(os.path.join(BUILD, release, "lock"), "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _snapshot(release, tree):
    """Copy the built .ko files to a directory private to this process, so
    another process rebuilding the tree cannot change them under a test."""
    snap = tempfile.mkdtemp(prefix="ko-%d-" % os.getpid(),
                            dir=os.path.join(BUILD, release))
    atexit.register(shutil.rmtree, snap, True)
    for ko in glob.glob(os.path.join(tree, "**", "*.ko"), recursive=True):
        rel = os.path.relpath(ko, tree)
        os.makedirs(os.path.join(snap, os.path.dirname(rel)), exist_ok=True)
        shutil.copy2(ko, os.path.join(snap, rel))
    return snap


def modules(kernel):
    """Build our modules for kernel once per process; return a directory
    holding this process's copy of them (same layout as the tree)."""
    with _lock:
        if kernel.release not in _done:
            print("  BUILD   modules for %s" % kernel.release,
                  file=sys.stderr, flush=True)
            with tree_lock(kernel.release):
                tree = make(kernel.release, kernel.headers)
                _done[kernel.release] = _snapshot(kernel.release, tree)
        return _done[kernel.release]


def module(kernel, name):
    """Path of built module name (e.g. "virtio_blk") for kernel."""
    dst = modules(kernel)
    for sub in ("virtio_blk", "cpuidle", "tests/modules", "tests/kunit"):
        p = os.path.join(dst, sub, name + ".ko")
        if os.path.exists(p):
            return p
    raise BuildError("module %s.ko was not built for %s"
                     % (name, kernel.release))


def test_modules(kernel):
    """Build tests/modules (harness self-test modules) for kernel."""
    key = kernel.release + ":testmods"
    with _lock:
        if key not in _done:
            with tree_lock(kernel.release):
                dst = sync_tree(kernel.release)
                tdir = os.path.join(dst, "tests", "modules")
                log = os.path.join(BUILD, kernel.release, "testmods.log")
                with open(log, "w") as f:
                    r = subprocess.run(["make", "-C", kernel.headers,
                                        "M=" + tdir, "modules"],
                                       stdout=f, stderr=subprocess.STDOUT)
                if r.returncode != 0:
                    raise BuildError("test modules for %s failed (log %s)"
                                     % (kernel.release, log))
                _done[key] = _snapshot(kernel.release, tdir)
        return _done[key]


def kunit_modules(kernel):
    """Build tests/kunit (KUnit suites, issue 4) for kernel once per process.

    Returns {suite module name: path of its .ko}; empty when the kernel has
    no CONFIG_KUNIT (tests/kunit/Kbuild then builds nothing).  The feature
    probes run first (cached) so the suites may include compat headers.
    """
    key = kernel.release + ":kunit"
    with _lock:
        if key not in _done:
            with tree_lock(kernel.release):
                _done[key] = _build_kunit(kernel)
        return _done[key]


def _build_kunit(kernel):
    """Sync, configure and build tests/kunit; caller holds tree_lock."""
    dst = sync_tree(kernel.release)
    kdir = os.path.join(dst, "tests", "kunit")
    log = os.path.join(BUILD, kernel.release, "kunit.log")
    with open(log, "w") as f:
        r = subprocess.run(["make", "-C", dst,
                            "KDIR=" + kernel.headers, "configure"],
                           stdout=f, stderr=subprocess.STDOUT)
        if r.returncode == 0:
            r = subprocess.run(
                ["make", "-C", kernel.headers, "M=" + kdir,
                 "VBP_ROOT=" + dst,
                 "-j%d" % (os.cpu_count() or 1), "modules"],
                stdout=f, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        with open(log) as f:
            tail = f.read().splitlines()[-40:]
        raise BuildError("KUnit modules for %s failed (log %s):\n%s"
                         % (kernel.release, log, "\n".join(tail)))
    snap = _snapshot(kernel.release, kdir)
    kos = {}
    for name in sorted(os.listdir(snap)):
        if name.endswith("_kunit.ko"):
            kos[name[:-3]] = os.path.join(snap, name)
    return kos
