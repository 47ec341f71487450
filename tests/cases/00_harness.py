# SPDX-License-Identifier: GPL-2.0
"""Self-tests of the VM harness: it boots, it runs scripts, and it fails
runs it must fail (guest error, kernel WARN/panic, timeout)."""

import os
import re
import time

import build
from caselib import (KERNELS, RESIZE_SCRIPT, case, check,
                     resize_when_ready)
import vm
from vm import Disk


def _boot(kernel):
    def fn(ctx):
        k = ctx.kernel(kernel)
        r = ctx.vm_ok(k, 'test "$(uname -r)" = "%s" || fail "wrong kernel"\n'
                      'fio --version\n'
                      'test "$(grep -c ^processor /proc/cpuinfo)" = 2 || '
                      'fail "expected 2 vCPUs"\n' % k.release)
        check("fio-" in r.read("guest.log", ""), "fio did not run in guest")
        ctx.note("%s booted in %.1fs" % (k.release, r.elapsed))
    return fn


for _k in KERNELS:
    case("harness/boot/" + _k, quick=True, group="harness")(_boot(_k))


def _selftest_vm(ctx, action):
    k = ctx.kernel("6.12")
    tdir = build.test_modules(k)
    return ctx.vm(k, "/usr/sbin/insmod /in/vbp_selftest.ko action=%s\n"
                  "echo loaded\n" % action,
                  files={"vbp_selftest.ko": tdir + "/vbp_selftest.ko"})


@case("harness/selftest/clean-module-passes", quick=True, group="harness")
def selftest_clean(ctx):
    r = _selftest_vm(ctx, "none")
    check(r.ok, "a clean run must pass:\n" + r.summary())


@case("harness/selftest/warn-fails-run", quick=True, group="harness")
def selftest_warn(ctx):
    r = _selftest_vm(ctx, "warn")
    check(not r.ok, "a WARN in the guest did not fail the run")
    check(r.rc == 0, "guest script should have passed (rc=%s)" % r.rc)
    check(any("WARNING:" in ln for ln in r.bad_lines),
          "WARNING line not shown: %s" % r.bad_lines)
    check("WARNING:" in r.summary(), "summary does not show the log line")
    ctx.note("caught: " + [ln for ln in r.bad_lines if "WARNING:" in ln][0])


@case("harness/selftest/guest-failure-fails-run", quick=True,
      group="harness")
def selftest_guest_fail(ctx):
    r = ctx.vm("6.12", 'fail "planted failure"\n')
    check(not r.ok and r.rc == 1, "guest failure not reported: %s" % r.reason)
    check("planted failure" in r.summary(), "guest log not in the summary")


@case("harness/selftest/panic-fails-run", group="harness")
def selftest_panic(ctx):
    r = ctx.vm("6.12", "echo c > /proc/sysrq-trigger\nsleep 30\n",
               timeout=120)
    check(not r.ok, "a kernel panic did not fail the run")
    check(not r.reason.startswith("timeout"),
          "panic was only caught by the timeout: %s" % r.reason)
    check(any("Kernel panic" in ln or "Oops" in ln for ln in r.bad_lines),
          "panic line not shown: %s" % r.bad_lines)


@case("harness/selftest/timeout-fails-run", group="harness")
def selftest_timeout(ctx):
    r = ctx.vm("6.12", "sleep 600\n", timeout=20)
    check(not r.ok and r.reason.startswith("timeout: no guest output"),
          "a hung guest was not stopped by the timeout: %s" % r.reason)
    check(r.elapsed < 600, "the guest was not stopped early: %.0fs"
          % r.elapsed)


# The timeout counts silence: a slow guest that still prints is not hung.
# This one prints every 3 s for twice its (scaled) timeout and must pass.
@case("harness/selftest/progress-is-not-a-hang", group="harness")
def selftest_progress(ctx):
    limit = 15 * vm.speed_factor()
    steps = int(2 * limit / 3) + 1
    r = ctx.vm_ok("6.12", "for i in $(seq %d); do echo step $i; sleep 3; "
                  "done\n" % steps, timeout=15)
    check(r.elapsed > limit, "the guest ran only %.0fs, not past its %.0fs "
          "timeout" % (r.elapsed, limit))


# ... up to a hard cap: a guest that prints for ever is stopped.  The
# silence timeout must outlast the quietest stretch of a boot on a loaded
# host (here the case runs while the debug kernel builds; CI once saw
# more than 5 s of silence at boot, and once failed this case with a
# 30 s timeout), so it is long and the cap is two of them; the guest
# then prints every second, so only the cap can stop it.
@case("harness/selftest/hard-cap-stops-chatty-guest", group="harness")
def selftest_hard_cap(ctx):
    r = ctx.vm("6.12", "while :; do echo still here; sleep 1; done\n",
               timeout=60, hard_cap=2)
    check(not r.ok and r.reason.startswith("timeout: still running after "
                                           "the hard cap"),
          "a chatty endless guest was not stopped by the hard cap: %s"
          % r.reason)
    lines = r.read("guest.log", "").count("still here")
    check(lines >= 5, "the guest printed %d lines before the cap stopped "
          "it: %s" % (lines, r.reason))
    ctx.note("%d lines, then %s" % (lines, r.reason))


# A unix socket address holds 107 bytes; CI's results directory is deep
# enough that a case with a long name once got "Path must be less than
# 108 bytes" from QEMU for its QMP socket.
@case("harness/deep-results-dir", quick=True, group="harness")
def deep_results_dir(ctx):
    outdir = os.path.join(ctx.dir, "d" * 60, "e" * 60)
    os.makedirs(outdir, exist_ok=True)
    r = vm.VM(ctx.kernel("6.12"), "echo deep ok\n", outdir=outdir).run()
    check(r.ok, "a VM in a %d-byte directory failed:\n%s"
          % (len(outdir), r.summary()))
    check("deep ok" in r.read("guest.log", ""), "the script did not run")
    qmp = vm.socket_path(os.path.join(outdir, "work"), "qmp.sock")
    check(len(qmp.encode()) < 108, "socket path too long: %s" % qmp)
    check(not os.path.exists(qmp), "the QMP socket %s was left behind"
          % qmp)
    ctx.note("QMP socket at %s" % qmp)


@case("harness/qmp-block-resize", quick=True, group="harness")
def qmp_resize(ctx):
    ctx.vm_ok("6.12", RESIZE_SCRIPT, driver="stock",
              disks=[Disk(size="64M")], during=resize_when_ready)


QSD_SCRIPT = r'''
vbp_wait_dev /dev/vda
test "$(cat /sys/block/vda/size)" = 65536 || fail "vda is not 32M"
dd if=/dev/zero of=/dev/vda bs=64k count=16 oflag=direct 2>/dev/null ||
	fail "write to the vhost-user-blk disk"
dd if=/dev/vda of=/dev/null bs=64k count=16 iflag=direct 2>/dev/null ||
	fail "read from the vhost-user-blk disk"
echo qsd-disk-ok
: > /out/step-restart
sync
# the host restarts the daemon and its hook returns; the new daemon
# must outlive the hook's thread
sleep 4
'''


@case("harness/qsd-daemon", quick=True, group="harness")
def qsd_daemon(ctx):
    """Disk(host="qsd"): a qemu-storage-daemon per disk, running while
    the guest does, gone after; the guest sees a working disk."""
    seen = {}

    def during(v):
        d = v.daemons[1]
        seen["running"] = d.running
        seen["socket"] = d.socket
        seen["none"] = v.daemons[0] is None
        step = os.path.join(v.outdir, "out", "step-restart")
        deadline = time.time() + v.timeout
        while not os.path.exists(step) and time.time() < deadline:
            time.sleep(0.1)
        seen["stop_rc"] = d.stop()
        d.start()

    try:
        Disk.parse("host=qsd,serial=x")
        check(False, "a qsd disk with a serial was accepted")
    except vm.HarnessError:
        pass
    k = ctx.kernel("6.12")
    v = vm.VM(k, "vbp_load_stock\n" + QSD_SCRIPT.replace("vda", "vdb"),
              disks=[Disk(size="16M"),
                     Disk(size="32M", host="qsd", reconnect=1)],
              outdir=ctx.dir + "/vm", timeout=120, during=during)
    r = v.run()
    check(r.ok, r.summary())
    check("qsd-disk-ok" in r.read("guest.log", ""), "guest check missing")
    check(seen.get("running") and seen.get("none"),
          "daemons during the run: %s" % seen)
    d = v.daemons[1]
    check(not d.running, "the daemon outlived QEMU")
    cmd = open(r.outdir + "/qemu.cmd").read()
    check("memory-backend-memfd" in cmd and "share=on" in cmd and
          "vhost-user-blk-pci" in cmd, "QEMU command line: %s" % cmd)
    log = open(d.log).read()
    exits = re.findall(r"^--- exit (\S+)", log, re.M)
    check(log.count("--- start") == 2 and exits == ["-9", "0"],
          "daemon killed (SIGKILL), restarted from the hook's thread, "
          "then stopped with SIGTERM: log says %s" % log)
    ctx.note("qsd served %s; killed, restarted from the during hook, "
             "alive until the end; log %s" % (seen["socket"], d.log))


# The end of a run repeats each failure's first and last lines: CI shows
# only a log's tail, and a name alone does not say why a case failed.
@case("harness/failure-summary", quick=True, group="harness")
def failure_summary(ctx):
    import run      # tests/run.py: imported, its main() does not run
    err = "\n".join("line %d" % i for i in range(1, 21))
    out = run.failure_lines([("a/one", err), ("b/two", "short reason"),
                             ("c/three", None)])
    text = "\n".join(out)
    for want in ("  a/one", "    | line 1", "    | line 4", "    | ...",
                 "    | line 17", "    | line 20", "  b/two",
                 "    | short reason", "  c/three", "    | (no error text)"):
        check(want in out, "%r missing from the failure summary:\n%s"
              % (want, text))
    check("    | line 5" not in out and "    | line 16" not in out,
          "the middle of a long error was not left out:\n%s" % text)
    check(max(len(ln) for ln in run.failure_lines(
        [("d/long", "x" * 1000)])) < 320, "a long line was not cut")
