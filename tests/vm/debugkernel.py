# SPDX-License-Identifier: GPL-2.0
"""The debug test kernel (issue 4) for the VM harness.

tests/kernel/build.sh builds Debian's linux-source-6.12 once with the
config fragment tests/kernel/debug.config (KASAN, lockdep, KUnit, fault
injection, ...) and caches it outside the repository, under
~/.cache/virtio-blk-poll/kernel-<srcversion>-<hash>/: bzImage, the
installed modules (lib/modules/<release>/) and the build tree (build/,
the KDIR for our modules).  vm.find_kernel("debug") lands here.

VBP_DEBUG_KERNEL_BUILD=0 turns a missing kernel into an error instead of
a build (a cold build takes tens of minutes on two cores).
"""

import os
import subprocess

import vm

ROOT = vm.ROOT
BUILD_SH = os.path.join(ROOT, "tests", "kernel", "build.sh")
FRAGMENT = os.path.join(ROOT, "tests", "kernel", "debug.config")
VERIFY = os.path.join(ROOT, "tests", "kernel", "verify-config.py")

_cache = {}


def cache_dir():
    """Where the kernel is (or would be) cached."""
    r = subprocess.run([BUILD_SH, "--print-dir"], capture_output=True,
                       text=True)
    if r.returncode != 0:
        raise vm.HarnessError("debug kernel: %s" % r.stderr.strip())
    return r.stdout.strip()


def is_built():
    return subprocess.run([BUILD_SH, "--check"]).returncode == 0


def ensure_built():
    """Build the kernel if needed (progress on stderr); return its dir."""
    if "dir" in _cache:
        return _cache["dir"]
    if "error" in _cache:       # one failed build per run is enough
        raise vm.HarnessError(_cache["error"])
    if os.environ.get("VBP_DEBUG_KERNEL_BUILD") == "0" and not is_built():
        raise vm.HarnessError(
            "debug kernel not built and VBP_DEBUG_KERNEL_BUILD=0; "
            "run tests/kernel/build.sh")
    r = subprocess.run([BUILD_SH], stdout=subprocess.PIPE, text=True)
    lines = r.stdout.strip().splitlines()
    if r.returncode != 0 or not lines:
        _cache["error"] = ("debug kernel build failed (rc=%d); see the "
                           "messages above and %s" % (r.returncode,
                                                      cache_dir()))
        raise vm.HarnessError(_cache["error"])
    _cache["dir"] = lines[-1]
    return _cache["dir"]


def kernel():
    """A vm.Kernel for the debug kernel, building it first if needed."""
    d = ensure_built()
    with open(os.path.join(d, "release")) as f:
        release = f.read().strip()
    k = vm.Kernel(release, os.path.join(d, "bzImage"),
                  os.path.join(d, "lib", "modules", release),
                  os.path.join(d, "build"))
    for p in (k.vmlinuz, os.path.join(k.moddir, "modules.dep"),
              os.path.join(k.headers, "Module.symvers")):
        if not os.path.exists(p):
            raise vm.HarnessError("debug kernel in %s is incomplete: no %s"
                                  % (d, p))
    return k


def module_path(k, name):
    """Path of an in-kernel module (e.g. "kunit") of the debug kernel."""
    closure = vm.module_closure(k.moddir, [name])
    if not closure:
        raise vm.HarnessError("debug kernel has no module %s" % name)
    return [os.path.join(k.moddir, rel) for rel in closure]
