# SPDX-License-Identifier: GPL-2.0
"""The debug test kernel (issue 4): its config, that it boots with its
debug features live, that our modules build against it, and that the
harness catches a KASAN report on it.

The first of these cases to run builds the kernel if it is not cached
(tests/kernel/build.sh; tens of minutes on two cores, progress on
stderr).
"""

import os
import subprocess
import sys

import build
import debugkernel
import vm
from caselib import Fail, case, check


@case("debug/config-verified", group="debug")
def config_verified(ctx):
    k = ctx.kernel("debug")
    dotconfig = os.path.join(k.headers, ".config")
    r = subprocess.run([sys.executable, debugkernel.VERIFY,
                        debugkernel.FRAGMENT, dotconfig],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise Fail(r.stderr)
    with open(dotconfig) as f:
        cfg = f.read()
    for opt in ("CONFIG_KASAN=y", "CONFIG_PROVE_LOCKING=y", "CONFIG_KUNIT=m",
                "# CONFIG_VIRTIO_BLK is not set"):
        check(opt in cfg, "%s not in %s" % (opt, dotconfig))
    ctx.note(r.stderr.strip().replace(dotconfig, "the .config of "
                                      + k.release))


GUEST_CHECKS = r'''
test "$(uname -r)" = "$REL" || fail "wrong kernel $(uname -r)"
test "$(grep -c ^processor /proc/cpuinfo)" = 2 || fail "expected 2 vCPUs"
fio --version
grep -Eq "debug_locks: +1$" /proc/lockdep_stats || fail "lockdep is off"
for f in failslab fail_make_request fail_io_timeout; do
	test -d /sys/kernel/debug/$f || fail "no fault injection: $f"
done
test -e /proc/sys/kernel/hung_task_timeout_secs || fail "no hung task detector"
grep -qw freeze /sys/power/state || fail "no s2idle: $(cat /sys/power/state)"
test -e /sys/power/pm_test || fail "no pm_test"
test -d /sys/devices/system/cpu/cpuidle || fail "no cpuidle"
echo "cpuidle governors: $(cat /sys/devices/system/cpu/cpuidle/available_governors)"
# CPU hotplug round trip, as the driver's hotplug tests will do
echo 0 > /sys/devices/system/cpu/cpu1/online || fail "cpu1 offline"
test "$(cat /sys/devices/system/cpu/online)" = 0 || fail "cpu1 still online"
echo 1 > /sys/devices/system/cpu/cpu1/online || fail "cpu1 online"
test "$(cat /sys/devices/system/cpu/online)" = 0-1 || fail "cpu1 not back"
# module load and unload with the kernel's own modules
/usr/sbin/insmod /in/kunit.ko || fail "insmod kunit"
test -d /sys/kernel/debug/kunit || fail "no KUnit debugfs"
/usr/sbin/rmmod kunit || fail "rmmod kunit"
test ! -e /sys/module/virtio_blk || fail "a virtio_blk is built in"
grep -Eq "debug_locks: +1$" /proc/lockdep_stats || fail "lockdep turned off"
echo debug-boot-ok
'''


@case("debug/boot", group="debug")
def debug_boot(ctx):
    k = ctx.kernel("debug")
    kunit = [os.path.join(k.moddir, rel)
             for rel in vm.module_closure(k.moddir, ["kunit"])]
    check(len(kunit) == 1, "kunit.ko not found in %s" % k.moddir)
    r = ctx.vm_ok(k, GUEST_CHECKS, env={"REL": k.release},
                  files={"kunit.ko": kunit[0]}, timeout=600)
    log = r.read("guest.log", "")
    check("debug-boot-ok" in log, "guest checks did not finish")
    check("KernelAddressSanitizer initialized" in r.console,
          "KASAN did not initialize (no banner on the console)")
    govs = [ln for ln in log.splitlines() if ln.startswith("cpuidle")]
    ctx.note("%s booted in %.1fs; %s" % (k.release, r.elapsed,
                                         govs[0] if govs else ""))


@case("debug/build-ours", group="debug")
def debug_build_ours(ctx):
    k = ctx.kernel("debug")
    path = build.module(k, "virtio_blk")
    check(os.path.getsize(path) > 0, "empty %s" % path)
    mods = build.kunit_modules(k)
    check(mods, "no KUnit modules built for %s" % k.release)
    ctx.note("built virtio_blk.ko and %s against %s"
             % (", ".join(sorted(mods)), k.headers))


def _selftest_vm(ctx, action):
    k = ctx.kernel("debug")
    tdir = build.test_modules(k)
    return ctx.vm(k, "/usr/sbin/insmod /in/vbp_selftest.ko action=%s\n"
                  "echo loaded\n" % action,
                  files={"vbp_selftest.ko": tdir + "/vbp_selftest.ko"},
                  timeout=600)


@case("debug/selftest/clean-module-passes", group="debug")
def debug_selftest_clean(ctx):
    r = _selftest_vm(ctx, "none")
    check(r.ok, "a clean run on the debug kernel must pass:\n" + r.summary())


@case("debug/selftest/kasan-uaf-fails-run", group="debug")
def debug_selftest_kasan(ctx):
    r = _selftest_vm(ctx, "uaf")
    check(not r.ok, "a use-after-free did not fail the run on the debug "
          "kernel (KASAN not live?)")
    check(r.rc == 0, "the guest script should have passed (rc=%s): %s"
          % (r.rc, r.reason))
    kasan = [ln for ln in r.bad_lines if "KASAN" in ln]
    check(kasan, "no KASAN line among the reported lines: %s" % r.bad_lines)
    check("use-after-free" in kasan[0], "not a use-after-free report: %s"
          % kasan[0])
    check("KASAN" in r.summary(), "summary does not show the KASAN line")
    ctx.note("caught: " + kasan[0])


# ------------------------------------------- host-side, no kernel needed

@case("debug/verify-config-names-dropped", quick=True, group="debug")
def verify_config_names_dropped(ctx):
    frag = os.path.join(ctx.dir, "frag.config")
    dotconfig = os.path.join(ctx.dir, "dot.config")
    with open(frag, "w") as f:
        f.write("CONFIG_KEPT=y\nCONFIG_MOD=m\n# CONFIG_OFF is not set\n"
                "CONFIG_STR=\"abc\"\nCONFIG_GONE=y\n# CONFIG_ABSENT is not set\n")
    with open(dotconfig, "w") as f:
        f.write("CONFIG_KEPT=y\nCONFIG_MOD=y\nCONFIG_OFF=y\n"
                "CONFIG_STR=\"abd\"\n# CONFIG_GONE is not set\n")
    r = subprocess.run([sys.executable, debugkernel.VERIFY, frag, dotconfig],
                       capture_output=True, text=True)
    check(r.returncode == 1, "verify-config exited %d, expected 1"
          % r.returncode)
    for name in ("CONFIG_MOD", "CONFIG_OFF", "CONFIG_STR", "CONFIG_GONE"):
        check(name + ":" in r.stderr, "%s not named:\n%s" % (name, r.stderr))
    for name in ("CONFIG_KEPT", "CONFIG_ABSENT"):
        check(name + ":" not in r.stderr, "%s wrongly named:\n%s"
              % (name, r.stderr))
    check("4 of 6" in r.stderr, "count wrong:\n" + r.stderr)
    with open(dotconfig, "w") as f:
        f.write("CONFIG_KEPT=y\nCONFIG_MOD=m\nCONFIG_STR=\"abc\"\n"
                "CONFIG_GONE=y\n# CONFIG_OFF is not set\n")
    r = subprocess.run([sys.executable, debugkernel.VERIFY, frag, dotconfig],
                       capture_output=True, text=True)
    check(r.returncode == 0, "a matching .config failed:\n" + r.stderr)


@case("debug/cache-key", quick=True, group="debug")
def cache_key(ctx):
    """The cache dir changes with the fragment and the build script, and
    only with them (not with where the checkout is)."""
    import shutil

    def key(tree):
        r = subprocess.run([os.path.join(tree, "build.sh"), "--print-dir"],
                           capture_output=True, text=True)
        check(r.returncode == 0, "--print-dir failed: " + r.stderr)
        return os.path.basename(r.stdout.strip())

    src = os.path.dirname(debugkernel.BUILD_SH)
    base = key(src)
    check(base.startswith("kernel-") and len(base.rsplit("-", 1)[1]) == 12,
          "unexpected cache dir name %s" % base)
    copy = os.path.join(ctx.dir, "kernel")
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(src, copy)
    check(key(copy) == base, "a copy elsewhere gives another key")
    with open(os.path.join(copy, "debug.config"), "a") as f:
        f.write("CONFIG_EXTRA=y\n")
    k1 = key(copy)
    check(k1 != base, "the key ignores the fragment")
    with open(os.path.join(copy, "build.sh"), "a") as f:
        f.write("# changed\n")
    check(key(copy) not in (base, k1), "the key ignores the build script")
    ctx.note("current key: " + base)
