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

# Every module the tests build carries the debugfs fault injection and
# fails on a compiler warning (see the top-level Makefile).  Only the DKMS
# and package cases build without them, through DKMS, as users do.
TEST_FLAGS = ["VBP_INJECT=1", "VBP_WERROR=1"]


class BuildError(Exception):
    pass


def srcdir(release, shipped=False):
    return os.path.join(BUILD, release, "src-shipped" if shipped else "src")


def sync_tree(release, shipped=False):
    dst = srcdir(release, shipped)
    os.makedirs(dst, exist_ok=True)
    subprocess.run(["rsync", "-a", "--delete",
                    "--exclude=/.git", "--exclude=/.build",
                    "--exclude=/results", "--exclude=*.o", "--exclude=*.ko",
                    "--exclude=.*.cmd", "--exclude=*.mod*",
                    "--exclude=/compat/generated",
                    "--exclude=Module.symvers", "--exclude=modules.order",
                    ROOT + "/", dst + "/"], check=True)
    return dst


def _run_logged(release, log_name, what, cmds):
    """Run cmds in order into .build/<release>/<log_name>; on the first
    failure raise BuildError with the tail of the log."""
    log = os.path.join(BUILD, release, log_name)
    with open(log, "w") as f:
        for cmd in cmds:
            if subprocess.run(cmd, stdout=f,
                              stderr=subprocess.STDOUT).returncode:
                break
        else:
            return
    with open(log) as f:
        tail = f.read().splitlines()[-40:]
    raise BuildError("%s for %s failed (log %s):\n%s"
                     % (what, release, log, "\n".join(tail)))


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


def _once(kernel, what, log_name, subdir, commands, shipped=False):
    """Build once per process: under the kernel's tree lock, sync the copy
    (a second copy for the shipped build), run commands(copy) into
    log_name, and return this process's snapshot of copy/subdir."""
    key = (kernel.release, what)
    with _lock:
        if key not in _done:
            print("  BUILD   %s for %s" % (what, kernel.release),
                  file=sys.stderr, flush=True)
            with tree_lock(kernel.release):
                dst = sync_tree(kernel.release, shipped)
                _run_logged(kernel.release, log_name, what, commands(dst))
                _done[key] = _snapshot(kernel.release,
                                       os.path.join(dst, subdir))
        return _done[key]


def _jobs():
    return "-j%d" % (os.cpu_count() or 1)


def modules(kernel, shipped=False):
    """Build our modules for kernel once per process; return a directory
    holding this process's copy of them (same layout as the tree).

    shipped=True builds them as users get them (no TEST_FLAGS: no fault
    injection), in a copy of its own; make bench measures that build."""
    if shipped:
        return _once(kernel, "shipped modules", "build-shipped.log", "",
                     lambda dst: [["make", "-C", dst,
                                   "KDIR=" + kernel.headers, _jobs()]],
                     shipped=True)
    return _once(kernel, "modules", "build.log", "",
                 lambda dst: [["make", "-C", dst, "KDIR=" + kernel.headers,
                               _jobs()] + TEST_FLAGS])


def module(kernel, name, shipped=False):
    """Path of built module name (e.g. "virtio_blk") for kernel."""
    dst = modules(kernel, shipped)
    for sub in ("virtio_blk", "cpuidle", "tests/modules", "tests/kunit"):
        p = os.path.join(dst, sub, name + ".ko")
        if os.path.exists(p):
            return p
    raise BuildError("module %s.ko was not built for %s"
                     % (name, kernel.release))


def test_modules(kernel):
    """Build tests/modules (harness self-test modules) for kernel; return
    the directory holding them."""
    return _once(kernel, "test modules", "testmods.log", "tests/modules",
                 lambda dst: [["make", "-C", kernel.headers,
                               "M=" + os.path.join(dst, "tests", "modules"),
                               "modules"] + TEST_FLAGS])


def kunit_modules(kernel):
    """Build tests/kunit (KUnit suites, issue 4) for kernel once per process.

    Returns {suite module name: path of its .ko}; empty when the kernel has
    no CONFIG_KUNIT (tests/kunit/Kbuild then builds nothing).  The feature
    probes run first (cached) so the suites may include compat headers.
    """
    snap = _once(kernel, "KUnit modules", "kunit.log", "tests/kunit",
                 lambda dst: [["make", "-C", dst, "KDIR=" + kernel.headers,
                               "configure"],
                              ["make", "-C", kernel.headers,
                               "M=" + os.path.join(dst, "tests", "kunit"),
                               "VBP_ROOT=" + dst, _jobs(), "modules"]
                              + TEST_FLAGS])
    return {name[:-3]: os.path.join(snap, name)
            for name in sorted(os.listdir(snap))
            if name.endswith("_kunit.ko")}
