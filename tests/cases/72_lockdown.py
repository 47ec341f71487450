# SPDX-License-Identifier: GPL-2.0
"""Counters under kernel lockdown (issue 13, item 10).

At lockdown "integrity" (Debian's default under Secure Boot) debugfs
opens only files of mode 0444 without ioctl or mmap, and only for
reading.  The guest loads our modules, zeroes the counters with
vblkstat -z while it still may, raises lockdown at run time (our modules
are unsigned: with lockdown= on the command line they would not load),
then reads the counter files, runs vblkstat, and tries a reset, which must
be refused with a message that says what still works.

On 6.1, 6.12 and the debug kernel (built with the lockdown LSM for this
case).
"""

import json
import os

from caselib import MATRIX, Fail, ROOT, case, module_files
import vm

TOOL = os.path.join(ROOT, "tools", "vblkstat")

GUEST = r'''
cp /in/vblkstat /in/vblkstat.awk /tmp/ && chmod 755 /tmp/vblkstat || fail "copy vblkstat"
V="sh /tmp/vblkstat"
C=/sys/kernel/debug/cpuidle_haltpoll_io
L=/sys/kernel/security/lockdown
# r NAME command...: output to /out/NAME.out and .err, status to rc.txt
r() {
	n=$1; shift
	"$@" > /out/$n.out 2> /out/$n.err
	echo "$n=$?" >> /out/rc.txt
}
io() {
	vbp_fio $1 --name=$1 --filename=/dev/vda --rw=randread --bs=4k \
		--direct=1 --size=1M --ioengine=psync
}
vbp_load_ours
vbp_wait_dev /dev/vda
/usr/sbin/insmod /in/cpuidle_haltpoll_io.ko || fail "cpuidle_haltpoll_io"
ls -l $VBP_DBG/vda $VBP_DBG/vda/q0 $C > /out/modes.txt

io unlocked
vbp_ios vda > /out/before-reset.txt
r reset_unlocked $V -z
vbp_ios vda > /out/after-reset.txt

mount -t securityfs none /sys/kernel/security || fail "mount securityfs"
echo integrity > $L || fail "cannot raise lockdown ($(cat $L))"
cat $L > /out/lockdown.txt

io locked
r vbs_json $V -j
r vbs_text $V
r cat_device cat $VBP_DBG/vda/device
r cat_stats cat $VBP_DBG/vda/q0/stats
r cat_cpu cat $C/cpu0
r vbs_reset $V -z
r echo_reset sh -c "echo 1 > $VBP_DBG/vda/reset"
r vbs_after $V -j -D
dmesg | grep -i lockdown
'''


def _read(r, name):
    return (r.read(name) or "").strip()


def _guest(series):
    def fn(ctx):
        k = ctx.kernel(series)
        files = dict(module_files(k), vblkstat=TOOL)
        files["vblkstat.awk"] = TOOL + ".awk"
        r = ctx.vm_ok(k, GUEST, files=files, timeout=300,
                      disks=[vm.Disk(size="16M")])
        rc = dict(ln.split("=", 1) for ln in
                  _read(r, "rc.txt").splitlines())
        lk = _read(r, "lockdown.txt")
        if "[integrity]" not in lk:
            raise Fail("lockdown not raised: %r" % lk)
        errs = []

        def run(name):
            return (rc.get(name), _read(r, name + ".out"),
                    _read(r, name + ".err"))

        # vblkstat reads the counters
        code, out, err = run("vbs_json")
        try:
            rep = json.loads(out)
            disk = [d for d in rep["disks"] if d["disk"] == "vda"]
            cpus = rep["cpus"]
        except (ValueError, KeyError):
            rep, disk, cpus = None, [], []
        if code != "0" or not disk or disk[0]["ios"] < 256 or not cpus or \
                not any(c["entries"] > 0 for c in cpus):
            errs.append("vblkstat -j under lockdown: rc %s, stdout %r, "
                        "stderr %r" % (code, out[:300], err))
        code, out, err = run("vbs_text")
        if code != "0" or "vda" not in out or "cpu0" not in out:
            errs.append("vblkstat under lockdown: rc %s, %r, %r"
                        % (code, out[:300], err))
        # the files themselves
        for name in ("cat_device", "cat_stats", "cat_cpu"):
            code, out, err = run(name)
            if code != "0" or not out:
                errs.append("%s under lockdown: rc %s, %r" % (name, code,
                                                             err))
        # a reset is refused, with a message saying what still works
        code, out, err = run("vbs_reset")
        want = ("debugfs is locked down (lockdown=integrity)",
                "counters cannot be reset", "reading them works")
        if code != "1" or not all(w in err for w in want):
            errs.append("vblkstat -z under lockdown: rc %s, %r" % (code,
                                                                   err))
        if rc.get("echo_reset") == "0":
            errs.append("the kernel took a reset write under lockdown")
        code, out, err = run("vbs_after")
        try:
            ios = json.loads(out)["disks"][0]["ios"]
        except (ValueError, KeyError, IndexError):
            ios = None
        if code != "0" or ios is None or ios < 256:
            errs.append("vblkstat after the refused reset: rc %s, ios %s, "
                        "%r" % (code, ios, err))
        # before lockdown, vblkstat -z zeroed the counters
        before = int(_read(r, "before-reset.txt") or 0)
        after = int(_read(r, "after-reset.txt") or -1)
        code, out, err = run("reset_unlocked")
        if code != "0" or before < 256 or not 0 <= after < 8:
            errs.append("vblkstat -z without lockdown: rc %s, %r, "
                        "completions %d -> %d" % (code, err, before, after))
        # modes: counters read-only, resets write-only
        modes = {}
        for ln in _read(r, "modes.txt").splitlines():
            w = ln.split()
            if len(w) >= 9:
                modes[w[-1]] = w[0]
        for name, mode in (("device", "-r--r--r--"), ("stats", "-r--r--r--"),
                           ("cpu0", "-r--r--r--"), ("reset", "--w-------")):
            if modes.get(name) != mode:
                errs.append("%s is %s, not %s" % (name, modes.get(name),
                                                   mode))
        if errs:
            raise Fail("; ".join(errs))
        ctx.note("lockdown=integrity: counters read, vblkstat reports "
                 "%d I/Os, reset refused: %s" % (ios, run("vbs_reset")[2]))
    return fn


for _k in MATRIX:
    case("package/vblkstat/lockdown/" + _k, group="package",
         full=_k == "debug")(_guest(_k))
