#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Boot a test guest by hand: python3 tests/vm/vmrun.py --help"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import build  # noqa: E402
import vm  # noqa: E402


def main():
    p = argparse.ArgumentParser(
        description="Boot a Debian kernel in QEMU with virtio-blk disks and "
        "run a guest script (busybox sh; helpers from tests/vm/guest/lib.sh)."
        " Exit status is the verdict: 0 only if the script passed and the "
        "kernel log is clean.")
    p.add_argument("--kernel", default="6.12",
                   help="6.1, 6.12 or a full release (default 6.12)")
    p.add_argument("--driver", choices=("stock", "ours", "none"),
                   default="none",
                   help="load this virtio_blk before the script "
                   "(ours: built for the kernel first)")
    p.add_argument("--params", default="",
                   help="module parameters for --driver, space separated")
    p.add_argument("--disk", action="append", default=[],
                   help="disk spec, repeatable: size=256M,backend=file|"
                   "null-co|blkdebug,num-queues=N,packed=on,queue-size=N,"
                   "logical_block_size=N,serial=S,discard=on,readonly=on")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--script", help="guest script file")
    g.add_argument("-c", dest="command", help="guest script text")
    p.add_argument("--smp", type=int, default=2)
    p.add_argument("--mem", default="1G")
    p.add_argument("--timeout", type=int, default=300,
                   help="seconds before the guest is killed (default 300)")
    p.add_argument("--accel", default="auto", choices=("auto", "kvm", "tcg"))
    p.add_argument("--out", help="run directory (default: a new temp dir)")
    a = p.parse_args()

    try:
        kernel = vm.find_kernel(a.kernel)
        script = a.command if a.command is not None else open(a.script).read()
        files = {}
        if a.driver == "ours":
            files["virtio_blk.ko"] = build.module(kernel, "virtio_blk")
            files["vbp_hints.ko"] = build.module(kernel, "vbp_hints")
        if a.driver != "none":
            script = "vbp_load %s %s\n%s" % (a.driver, a.params, script)
        disks = [vm.Disk.parse(s) for s in a.disk]
        v = vm.VM(kernel, script, disks=disks, outdir=a.out, smp=a.smp,
                  mem=a.mem, timeout=a.timeout, files=files, accel=a.accel)
        print("vmrun: %s on %s, %s, run dir %s" % (
            a.driver, kernel.release, v.accel, v.outdir), file=sys.stderr)
        r = v.run()
    except (vm.HarnessError, build.BuildError, OSError) as e:
        print("vmrun: error: %s" % e, file=sys.stderr)
        return 2
    glog = r.read("guest.log")
    if glog:
        sys.stdout.write(glog)
    print("vmrun: %s" % (r.summary() if not r.ok else
                         "PASS (%.1fs)" % r.elapsed), file=sys.stderr)
    return 0 if r.ok else 1


if __name__ == "__main__":
    sys.exit(main())
