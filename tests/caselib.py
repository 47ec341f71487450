# SPDX-License-Identifier: GPL-2.0
"""Shared pieces for test cases: registration, context, assertions."""

import dataclasses
import json
import os
import re
import subprocess
import time

import build
import vm

ROOT = vm.ROOT


def package_version():
    """The package version dkms.conf gives (PACKAGE_VERSION)."""
    with open(os.path.join(ROOT, "dkms.conf")) as f:
        return re.search(r'PACKAGE_VERSION="([^"]+)"', f.read()).group(1)


REGISTRY = []
# The kernel matrix, defined here only: the release kernels every suite
# runs on, and with the debug kernel (KASAN, lockdep) the full matrix,
# the default "kernels:" of a scenario (tests/scenario.py).
KERNELS = ("6.1", "6.12")
MATRIX = KERNELS + ("debug",)


class Fail(Exception):
    """A case's own verdict, shown without a traceback."""


class Skip(Exception):
    """The case cannot run here (said why); counted as skipped."""


EXPECTED = (Fail, vm.HarnessError, build.BuildError)


@dataclasses.dataclass
class Case:
    name: str
    fn: object
    quick: bool
    group: str
    optin: str = None
    full: bool = False


def case(name, quick=False, group="misc", optin=None, full=False):
    """Register fn as a test case.  optin: why the case is left out of a
    plain make check; it then runs only when --only names it.  full: the
    case belongs to the full tier, run by make check-full (--full) and
    left out of make check, which has to fit CI's time limit."""
    def deco(fn):
        REGISTRY.append(Case(name, fn, quick, group, optin, full))
        return fn
    return deco


def accel_name():
    try:
        return vm.accel_choice()
    except vm.HarnessError as e:
        return str(e)


class Context:
    """Per-case state: output directory, notes, VM helpers."""

    def __init__(self, name, outroot):
        self.name = name
        self.dir = os.path.join(outroot, re.sub(r"[^\w.-]+", "_", name))
        os.makedirs(self.dir, exist_ok=True)
        self.notes = []
        self._nvm = 0

    def note(self, msg):
        self.notes.append(msg)

    def kernel(self, name):
        return vm.find_kernel(name)

    def vm(self, kernel, script, driver=None, params="", disks=(),
           files=None, **kw):
        """Boot kernel, load driver ("stock", "ours", None) with params,
        run script; return the Result (not checked)."""
        if isinstance(kernel, str):
            kernel = vm.find_kernel(kernel)
        files = dict(files or {})
        if driver == "ours":
            files["virtio_blk.ko"] = build.module(kernel, "virtio_blk")
            files["vbp_hints.ko"] = build.module(kernel, "vbp_hints")
        if driver:
            script = "vbp_load %s %s\n%s" % (driver, params, script)
        self._nvm += 1
        outdir = os.path.join(self.dir, "vm%d" % self._nvm)
        os.makedirs(outdir, exist_ok=True)
        return vm.VM(kernel, script, disks=disks, outdir=outdir, files=files,
                     **kw).run()

    def vm_ok(self, *a, **kw):
        """Like vm(), but the run must pass."""
        r = self.vm(*a, **kw)
        if not r.ok:
            raise Fail(r.summary())
        return r


# Our three shipped modules, for guests that load them themselves.
ALL_MODULES = ("vbp_hints", "virtio_blk", "cpuidle_haltpoll_io")


def module_files(kernel, names=ALL_MODULES, test_modules=()):
    """VM files= entries {"<name>.ko": path} of our modules built for
    kernel, plus the named harness modules of tests/modules."""
    files = {n + ".ko": build.module(kernel, n) for n in names}
    for n in test_modules:
        files[n + ".ko"] = os.path.join(build.test_modules(kernel),
                                        n + ".ko")
    return files


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def fio_job(result, name):
    """The first job of /out/fio-<name>.json."""
    data = json.loads(result.read("fio-%s.json" % name))
    return data["jobs"][0]


def check_all(conds):
    """Fail with every unmet condition of [(ok, message), ...] at once."""
    bad = [msg for ok, msg in conds if not ok]
    check(not bad, "; ".join(bad))


def check_pattern(r, name="verify"):
    """The guest's fault_pattern verify NAME (tests/lib/faults.sh) read
    the whole 16 MiB pattern back."""
    got = fio_job(r, name)["read"]["io_bytes"]
    check(got >= 16 << 20, "pattern check %s read only %d bytes" % (name, got))


def results(r):
    """The guest's vbp_result KEY VALUE lines (/out/results.txt) as a
    dict of strings."""
    out = {}
    for ln in (r.read("results.txt") or "").splitlines():
        k, _, v = ln.partition("=")
        out[k] = v
    return out


def host_steps(**steps):
    """VM.during hook: run steps[name](vm) when the guest asks for it with
    vbp_host_step NAME, then answer in /out/done-NAME."""
    def hook(v):
        out = os.path.join(v.outdir, "out")
        pending = dict(steps)
        deadline = time.time() + v.timeout
        while pending and time.time() < deadline:
            if v.proc.poll() is not None:
                return
            for name in list(pending):
                if os.path.exists(os.path.join(out, "step-" + name)):
                    try:
                        msg = pending.pop(name)(v) or "ok"
                    except vm.HarnessError as e:
                        msg = "FAILED: %s" % e
                        v.during_error = msg
                    with open(os.path.join(out, "done-" + name), "w") as f:
                        f.write(str(msg) + "\n")
            time.sleep(0.2)
    return hook


def unplug_steps(disk, **more):
    """host_steps() with "unplug" (device_del of the first disk) and
    "replug" (device_add of disk, retried until QEMU has let go of the
    old device, at most 90 s), plus any further steps."""
    def unplug(v):
        v.qmp.cmd("device_del", id="disk0-dev")
        return "device_del sent"

    def replug(v):
        deadline = time.time() + 90
        while True:
            out = v.qmp.hmp(vm.device_add_cmd(0, disk))
            if not out.strip():
                return "device_add ok"
            if time.time() > deadline:
                raise vm.HarnessError("device_add: %s" % out.strip())
            time.sleep(1)       # the old device may not be finalized yet
    return host_steps(unplug=unplug, replug=replug, **more)


def disk_iops(v, iops):
    """Limit the first virtio disk of VM v to iops requests a second
    through QMP (0: no limit)."""
    # The block backend hangs off the proxy's inner virtio device.
    v.qmp.cmd("block_set_io_throttle",
              id="/machine/peripheral/disk0-dev/virtio-backend",
              bps=0, bps_rd=0, bps_wr=0, iops=iops, iops_rd=0, iops_wr=0)


def run(cmd, **kw):
    """Run a host command; Fail with its output if it fails."""
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise Fail("%s exited %d:\n%s%s" % (" ".join(cmd), r.returncode,
                                           r.stdout[-3000:], r.stderr[-3000:]))
    return r


# Guest side of a QMP block_resize check (tests/lib/driver.sh): waits for
# /dev/vda to reach 96 MiB after telling the host it is ready.
with open(os.path.join(ROOT, "tests", "lib", "driver.sh")) as _f:
    RESIZE_SCRIPT = _f.read() + "resize_wait_96m\n"


def resize_when_ready(v):
    """VM.during hook: once the guest wrote /out/ready, grow disk0 to
    96 MiB through QMP."""
    import time
    ready = os.path.join(v.outdir, "out", "ready")
    deadline = time.time() + 120
    while not os.path.exists(ready) and time.time() < deadline:
        time.sleep(0.2)
    v.qmp.cmd("block_resize", **{"node-name": "disk0", "size": 96 << 20})
