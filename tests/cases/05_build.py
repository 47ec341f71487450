# SPDX-License-Identifier: GPL-2.0
"""Build checks: the kernel matrix (W=1, sparse, checkpatch) and DKMS."""

import glob
import os
import re
import shutil
import subprocess
import tempfile

from caselib import KERNELS, ROOT, Fail, case, check, package_version, run
import vm


@case("build/matrix", group="build")
def matrix(ctx):
    r = subprocess.run(["bash", os.path.join(ROOT, "scripts", "matrix.sh")],
                       capture_output=True, text=True)
    with open(os.path.join(ctx.dir, "matrix.log"), "w") as f:
        f.write(r.stdout + r.stderr)
    if r.returncode != 0:
        raise Fail("make matrix failed:\n" + (r.stdout + r.stderr)[-4000:])
    for ln in r.stderr.splitlines():
        if "clean" in ln or "CHECKPATCH" in ln:
            ctx.note(ln.strip())


def _dkms_build(ctx, kernel):
    """dkms add + build into a private tree; returns the built .ko list."""
    ver = package_version()
    work = tempfile.mkdtemp(prefix="vbp-dkms-", dir=ctx.dir)
    src = os.path.join(work, "src", "virtio-blk-poll-" + ver)
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"],
                           cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    for f in files:
        if f.startswith(("results/", ".build/")):
            continue
        os.makedirs(os.path.dirname(os.path.join(src, f)), exist_ok=True)
        shutil.copy2(os.path.join(ROOT, f), os.path.join(src, f))
    tree = os.path.join(work, "dkms")
    os.makedirs(tree)
    common = ["--sourcetree", os.path.join(work, "src"), "--dkmstree", tree,
              "-m", "virtio-blk-poll", "-v", ver]
    run(["dkms", "add"] + common)
    r = subprocess.run(["dkms", "build", "-k", kernel.release] + common,
                       capture_output=True, text=True)
    if r.returncode != 0:
        log = os.path.join(tree, "virtio-blk-poll", ver, "build", "make.log")
        tail = open(log).read()[-3000:] if os.path.exists(log) else ""
        raise Fail("dkms build -k %s failed:\n%s%s\n%s" % (
            kernel.release, r.stdout[-2000:], r.stderr[-2000:], tail))
    kos = []
    for dp, _, fs in os.walk(os.path.join(tree, "virtio-blk-poll", ver,
                                          kernel.release)):
        kos += [os.path.join(dp, f) for f in fs if ".ko" in f]
    return kos


# modprobe in the guest resolves virtio_blk through the host's
# /lib/modules (shared over 9p), so it loads whatever DKMS installed.
MODPROBE = r'''
/usr/sbin/modprobe virtio_blk || fail "modprobe virtio_blk"
vbp_wait_dev /dev/vda
if [ -e /sys/module/virtio_blk/parameters/io_timeout ]; then
	echo "driver: ours"
else
	echo "driver: in-tree"
fi
'''


def _dkms(series):
    def fn(ctx):
        k = ctx.kernel(series)
        ver = package_version()
        kos = _dkms_build(ctx, k)
        names = sorted(os.path.basename(p) for p in kos)
        check(any(n.startswith("virtio_blk.ko") for n in names),
              "dkms built no virtio_blk.ko (got %s)" % names)
        ctx.note("dkms build -k %s: %s" % (k.release, ", ".join(names)))
        tree = glob.glob(os.path.join(ctx.dir, "vbp-dkms-*", "dkms"))[0]
        common = ["--sourcetree", os.path.join(os.path.dirname(tree), "src"),
                  "--dkmstree", tree, "-m", "virtio-blk-poll", "-v", ver,
                  "-k", k.release]
        updates = os.path.join(k.moddir, "updates", "dkms")
        try:
            # No --force: our modules declare a version and the in-tree
            # one does not, which is what lets DKMS replace it.
            run(["dkms", "install"] + common)
            got = subprocess.run(["modinfo", "-k", k.release, "-n",
                                  "virtio_blk"], capture_output=True,
                                 text=True).stdout.strip()
            check(got.startswith(updates + "/"),
                  "after dkms install, modinfo finds %r, not updates/dkms"
                  % got)
            r = ctx.vm_ok(k, MODPROBE, disks=[vm.Disk(size="16M")])
            check("driver: ours" in r.read("guest.log", ""),
                  "modprobe virtio_blk did not load ours")
        finally:
            subprocess.run(["dkms", "remove"] + common,
                           capture_output=True, text=True)
        got = subprocess.run(["modinfo", "-k", k.release, "-n", "virtio_blk"],
                             capture_output=True, text=True).stdout.strip()
        check("/kernel/drivers/block/" in got,
              "after dkms remove, modinfo finds %r" % got)
        r = ctx.vm_ok(k, MODPROBE, disks=[vm.Disk(size="16M")])
        check("driver: in-tree" in r.read("guest.log", ""),
              "after dkms remove, modprobe still loads ours")
        ctx.note("dkms install -> modprobe loads ours from %s; "
                 "dkms remove -> in-tree again" % updates)
    return fn


for _k in KERNELS:
    case("build/dkms/" + _k, group="build")(_dkms(_k))


@case("build/version", quick=True, group="build")
def version(ctx):
    """Every module declares the package version of dkms.conf."""
    with open(os.path.join(ROOT, "include", "vbp_version.h")) as f:
        hv = re.search(r'#define VBP_VERSION "([^"]+)"', f.read()).group(1)
    ver = package_version()
    check(hv == ver, "include/vbp_version.h says %s, dkms.conf %s"
          % (hv, ver))
    k = vm.find_kernel("6.12")
    import build
    for m in ("virtio_blk", "vbp_hints", "cpuidle_haltpoll_io"):
        got = run(["modinfo", "-F", "version", build.module(k, m)]).stdout
        check(got.strip() == hv, "%s.ko declares version %r, want %s"
              % (m, got.strip(), hv))
    ctx.note("version %s in dkms.conf, the header and all modules" % hv)
