# SPDX-License-Identifier: GPL-2.0
"""Self-tests of the VM harness: it boots, it runs scripts, and it fails
runs it must fail (guest error, kernel WARN/panic, timeout)."""

import build
from caselib import (KERNELS, RESIZE_SCRIPT, case, check,
                     resize_when_ready)
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
    check(r.reason != "timeout after 120s", "panic was only caught by timeout")
    check(any("Kernel panic" in ln or "Oops" in ln for ln in r.bad_lines),
          "panic line not shown: %s" % r.bad_lines)


@case("harness/selftest/timeout-fails-run", group="harness")
def selftest_timeout(ctx):
    r = ctx.vm("6.12", "sleep 600\n", timeout=40)
    check(not r.ok and r.reason.startswith("timeout"),
          "a hung guest was not stopped by the timeout: %s" % r.reason)


@case("harness/qmp-block-resize", quick=True, group="harness")
def qmp_resize(ctx):
    ctx.vm_ok("6.12", RESIZE_SCRIPT, driver="stock",
              disks=[Disk(size="64M")], during=resize_when_ready)
