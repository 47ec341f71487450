# SPDX-License-Identifier: GPL-2.0
"""A real Debian 12 guest, end to end: root on virtio-blk, our package
installed inside it the way the README says, booted under QEMU with
systemd and udev, on both kernels, then purged from inside the guest.

The guest tree comes from scripts/guest-image.sh (debootstrap, cached).
Each run copies it, runs the README's install lines in a chroot (there
the DKMS builds run natively), lets the headers of the 6.12 kernel
arrive afterwards, and boots the tree as an ext4 image.  Each boot runs
tests/vm/debian/vbp-e2e.sh, which reports on the serial console and
does one step (fio, a bad option, the purge) before powering off."""

import os
import re
import shutil
import subprocess
import time

from caselib import ROOT, Fail, Skip, case, check, package_version, run
import vm

PKG = "virtio-blk-poll-dkms"
DEBIAN = os.path.join(ROOT, "tests", "vm", "debian")
README = os.path.join(ROOT, "README.md")
MARK = "<!-- guest-install: tests/cases/75_guest.py runs these lines -->"
MARK_RM = "<!-- guest-remove: tests/cases/75_guest.py runs these lines -->"
K61 = "6.1.0-"
K612 = "6.12."


def readme_steps(mark=MARK):
    """The lines of the README's sh block after mark: (host lines,
    guest lines), as the reader types them (comments dropped)."""
    with open(README) as f:
        text = f.read()
    i = text.find(mark)
    if i < 0:
        raise Fail("README.md has no %r" % mark)
    m = re.search(r"```sh\n(.*?)```", text[i:], re.S)
    if not m:
        raise Fail("README.md: no sh block after %r" % mark)
    host, guest = [], []
    where = host
    for ln in m.group(1).splitlines():
        if ln.startswith("# in the guest"):
            where = guest
        cmd = ln.split("  #")[0].strip()
        if cmd and not cmd.startswith("#"):
            where.append(cmd)
    return host, guest


class Chroot:
    """The guest tree with /proc, /sys and /dev bound, for running the
    README's lines in it as root."""

    def __init__(self, root, log):
        self.root = root
        self.log = log
        self.mounts = []

    def __enter__(self):
        for m in ("proc", "sys", "dev", "dev/pts"):
            p = os.path.join(self.root, m)
            run(["mount", "--bind", "/" + m, p])
            self.mounts.insert(0, p)
        return self

    def __exit__(self, *exc):
        for p in self.mounts:
            subprocess.run(["umount", "-l", p])
        self.mounts = []

    def sh(self, line, cwd="/root"):
        """Run line with the guest's sh in cwd; its output goes to the
        log.  Returns the output; Fail if it exits non-zero."""
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root",
               "LC_ALL": "C.UTF-8", "TERM": "dumb",
               "DEBIAN_FRONTEND": "noninteractive"}
        t0 = time.time()
        r = subprocess.run(["chroot", self.root, "sh", "-c",
                            "cd %s && %s" % (cwd, line)],
                           stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, env=env)
        with open(self.log, "a") as f:
            f.write("# %s   (%.1f s, rc %d)\n%s%s\n" % (
                line, time.time() - t0, r.returncode, r.stdout, r.stderr))
        if r.returncode:
            raise Fail("in the guest tree: %r exited %d:\n%s%s" % (
                line, r.returncode, r.stdout[-3000:], r.stderr[-2000:]))
        return r.stdout + r.stderr


def _guest_line(line):
    """A README guest line as the chroot runs it: the test is root
    already, so sudo goes; reboot is the boot that follows."""
    return re.sub(r"(^|\|\s*)sudo\s+", r"\1", line)


def _release(root, prefix):
    rels = sorted(d for d in os.listdir(os.path.join(root, "lib", "modules"))
                  if d.startswith(prefix))
    check(rels, "the guest tree has no %s* kernel" % prefix)
    return rels[-1]


class Guest:
    """Boots of the guest image: root on virtio-blk, direct kernel boot of
    the image's own kernel and initramfs."""

    def __init__(self, ctx, image):
        self.ctx = ctx
        self.image = image
        self.n = 0

    def _boot_files(self, release):
        d = os.path.join(self.ctx.dir, "boot")
        os.makedirs(d, exist_ok=True)
        files = {}
        for name in ("vmlinuz", "initrd.img"):
            dest = os.path.join(d, "%s-%s" % (name, release))
            if os.path.exists(dest):
                os.unlink(dest)
            # the image as the last boot left it (the initramfs changes)
            run(["debugfs", "-R", "dump /boot/%s-%s %s" % (name, release,
                                                           dest),
                 self.image])
            check(os.path.getsize(dest) > 0,
                  "no /boot/%s-%s in the image" % (name, release))
            files[name] = dest
        pvh = files["vmlinuz"] + ".pvh"
        if vm._unpack_bzimage(files["vmlinuz"], pvh):
            files["vmlinuz"] = pvh
        return files

    def boot(self, release, step, packed, timeout=600):
        """Boot release with vbp_e2e=step; return the reported values
        and the console log."""
        self.n += 1
        files = self._boot_files(release)
        console = os.path.join(self.ctx.dir, "boot%d-%s-%s.log"
                               % (self.n, step, release))
        append = ("root=/dev/vda rw console=ttyS0 loglevel=4 panic=-1 "
                  "no_timer_check vbp_e2e=%s" % step)
        accel = vm.accel_choice()
        if accel == "tcg":
            accel = "tcg,thread=single"
        cmd = ["qemu-system-x86_64", "-machine", "q35", "-accel", accel,
               "-cpu", "host" if accel == "kvm" else "max", "-smp", "2",
               "-m", "1G", "-nodefaults", "-no-user-config",
               "-display", "none", "-no-reboot",
               "-serial", "file:" + console,
               "-kernel", files["vmlinuz"], "-initrd", files["initrd.img"],
               "-append", append,
               "-blockdev", "driver=file,filename=%s,node-name=f0,"
               "cache.direct=off" % self.image,
               "-blockdev", "driver=raw,file=f0,node-name=root",
               "-device", "virtio-blk-pci,drive=root,num-queues=2,"
               "packed=%s,serial=root" % ("on" if packed else "off")]
        with open(console + ".cmd", "w") as f:
            f.write(" ".join(cmd) + "\n")
        limit = timeout * vm.speed_factor()
        t0 = time.time()
        print("  guest: boot %d: %s, %s ring, step %s" % (
            self.n, release, "packed" if packed else "split", step),
            flush=True)
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True)
        try:
            qout, _ = p.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            p.kill()
            qout, _ = p.communicate()
            raise Fail("boot %d (%s, %s) did not power off in %d s:\n%s"
                       % (self.n, release, step, limit,
                          _tail(console)))
        took = time.time() - t0
        with open(console, errors="replace") as f:
            log = f.read()
        vals = {}
        # a getty's prompt may come first on the line
        for m in re.finditer(r"VBP-E2E (\w+)=(.*?)\r?$", log, re.M):
            vals[m.group(1)] = m.group(2)
        vals["_log"] = log
        vals["_seconds"] = took
        check(p.returncode == 0, "qemu exited %d:\n%s" % (p.returncode,
                                                         qout[-2000:]))
        check(vals.get("finished") == "1",
              "boot %d (%s, %s): the step did not finish; console:\n%s"
              % (self.n, release, step, _tail(console)))
        self.ctx.note("boot %d: %s %s ring, step %s: %.0f s" % (
            self.n, release, "packed" if packed else "split", step, took))
        return vals


def _tail(path, n=60):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return "(no console log)"


def _check_ours(v, release, ver, packed, want_poll=True):
    """The booted system runs our driver from DKMS with the options of
    modprobe.d, our cpuidle driver, and polls a file on its root."""
    what = "%s (%s ring)" % (release, "packed" if packed else "split")
    check(v.get("kernel") == release, "%s: booted %s" % (what,
                                                        v.get("kernel")))
    check(v.get("root") == "/dev/vda", "%s: root is on %r" % (what,
                                                             v.get("root")))
    check(v.get("target") == "active",
          "%s: multi-user.target is %r" % (what, v.get("target")))
    check(not v.get("failed_units"),
          "%s: failed units: %s" % (what, v.get("failed_units")))
    check("/updates/dkms/" in v.get("module_file", ""),
          "%s: modinfo virtio_blk is %r, not from updates/dkms"
          % (what, v.get("module_file")))
    check(v.get("module_version") == ver,
          "%s: the bound virtio_blk has version %r, want ours (%s)"
          % (what, v.get("module_version"), ver))
    check(v.get("vda_driver") == "virtio_blk",
          "%s: vda's driver is %r" % (what, v.get("vda_driver")))
    check(v.get("packed") == ("1" if packed else "0"),
          "%s: packed-ring feature bit is %r" % (what, v.get("packed")))
    check(v.get("cpuidle_driver") == "haltpoll_io",
          "%s: cpuidle current_driver is %r" % (what,
                                                v.get("cpuidle_driver")))
    check("/updates/dkms/" in v.get("cpuidle_file", ""),
          "%s: cpuidle_haltpoll_io is %r" % (what, v.get("cpuidle_file")))
    check(v.get("vblkstat") == "/usr/sbin/vblkstat",
          "%s: vblkstat is at %r" % (what, v.get("vblkstat")))
    check(v.get("man"), "%s: no vblkstat man page" % what)
    if not want_poll:
        return
    check(v.get("poll_queues_param") == "1" and v.get("vda_poll_queues") == "1",
          "%s: poll_queues parameter %r, vda has %r, want 1 from modprobe.d"
          % (what, v.get("poll_queues_param"), v.get("vda_poll_queues")))
    check("fio_error" not in v, "%s: fio: %s" % (what, v.get("fio_error")))
    check(v.get("fio_reads") == "2000",
          "%s: fio read %r of 2000" % (what, v.get("fio_reads")))
    check(v.get("poll_vectors") == "1",
          "%s: %r poll-queue vectors in /proc/interrupts"
          % (what, v.get("poll_vectors")))
    check(v.get("poll_irqs") == "0",
          "%s: %s interrupts on the poll queue during polled fio"
          % (what, v.get("poll_irqs")))
    stat = re.findall(r"^VBP-E2E-VBLKSTAT (.*)$", v["_log"], re.M)
    done = [int(x) for s in stat for x in
            re.findall(r'"type":"poll"[^}]*?"poll_completions":(\d+)', s)]
    check(done and max(done) >= 2000,
          "%s: vblkstat shows %s polled completions on the poll queue, "
          "want 2000: %s" % (what, done, stat[-3:]))


@case("guest/debian-e2e", group="guest")
def debian_e2e(ctx):
    """A Debian 12 guest with systemd, root on virtio-blk: the README's
    install lines in a chroot, a later kernel's headers, a bad option;
    boots of 6.1 (split ring) and 6.12 (packed ring) on ours, the
    README's removal lines in the guest, and a boot on the in-tree
    driver after them."""
    if os.geteuid() != 0:
        raise Skip("needs root (debootstrap, chroot)")
    t_all = time.time()
    ver = package_version()
    print("  guest: image (scripts/guest-image.sh)", flush=True)
    t0 = time.time()
    base = run(["bash", os.path.join(ROOT, "scripts", "guest-image.sh")]
               ).stdout.strip().splitlines()[-1]
    ctx.note("image %s: %.0f s here (cold build took %s s)" % (
        os.path.basename(base), time.time() - t0,
        open(os.path.join(base, "build-seconds")).read().strip()))
    tree = os.path.join(ctx.dir, "rootfs")
    if os.path.exists(tree):
        run(["rm", "-rf", "--one-file-system", tree])
    t0 = time.time()
    run(["cp", "-a", "--reflink=auto", os.path.join(base, "rootfs"), tree])
    ctx.note("copy of the tree: %.0f s" % (time.time() - t0))
    k61 = _release(tree, K61)
    k612 = _release(tree, K612)
    check(not os.path.exists(os.path.join(tree, "lib", "modules", k612,
                                          "build")),
          "the image has %s's headers already" % k612)

    host, guest = readme_steps()
    check(host and host[0].startswith("make deb"),
          "README: the install block does not start with make deb: %s" % host)
    check(guest and guest[-1] == "sudo reboot",
          "README: the guest lines do not end with a reboot: %s" % guest)
    dist = os.path.join(ctx.dir, "dist")
    r = run(["make", "-s", "-C", ROOT, "deb", "DEB_OUT=" + dist])
    deb = r.stdout.strip().splitlines()[-1]
    check(os.path.basename(deb) == "%s_%s_all.deb" % (PKG, ver),
          "make deb produced %r" % deb)
    shutil.copy(deb, os.path.join(tree, "root"))
    log = os.path.join(ctx.dir, "chroot.log")
    t0 = time.time()
    with Chroot(tree, log) as c:
        for line in guest[:-1]:
            print("  guest: %s" % line, flush=True)
            c.sh(_guest_line(line))
        st = c.sh("dkms status")
        check(re.search(r"%s, [^:]+: installed" % re.escape(k61), st),
              "dkms status after the install has no build for %s:\n%s"
              % (k61, st))
        # a kernel's headers arrive after the package: DKMS builds for it
        print("  guest: the headers of %s arrive" % k612, flush=True)
        c.sh("apt install ./new-kernel/*.deb")
        st = c.sh("dkms status")
        check(re.search(r"%s, [^:]+: installed" % re.escape(k612), st),
              "DKMS did not build ours for %s when its headers came:\n%s"
              % (k612, st))
        for k in (k61, k612):
            ird = c.sh("lsinitramfs /boot/initrd.img-%s | grep "
                       "'/virtio_blk.ko' || true" % k)
            check("updates/dkms" in ird,
                  "%s: the initramfs has no virtio_blk from updates/dkms "
                  "(%s)" % (k, ird.strip() or "none"))
        # a bad option, which the 6.12 boot reads from its initramfs
        with open(os.path.join(tree, "etc", "modprobe.d",
                               "vbp-e2e-bad.conf"), "w") as f:
            f.write("options virtio_blk queue_depth=1000000\n")
        c.sh("update-initramfs -u -k %s" % k612)
        # the test's own reporter, not part of the install
        shutil.copy(os.path.join(DEBIAN, "vbp-e2e.sh"),
                    os.path.join(tree, "usr", "local", "sbin", "vbp-e2e"))
        os.chmod(os.path.join(tree, "usr", "local", "sbin", "vbp-e2e"),
                 0o755)
        shutil.copy(os.path.join(DEBIAN, "vbp-e2e.service"),
                    os.path.join(tree, "etc", "systemd", "system"))
        c.sh("systemctl enable vbp-e2e.service")
        # the README's removal lines, run by the guest at its purge step;
        # apt's question is answered by the test's apt.conf.d file
        _, rm_lines = readme_steps(MARK_RM)
        check(rm_lines and rm_lines[-1] == "sudo reboot",
              "README: the removal lines do not end with a reboot: %s"
              % rm_lines)
        share = os.path.join(tree, "usr", "local", "share", "vbp-e2e")
        os.makedirs(share, exist_ok=True)
        with open(os.path.join(share, "uninstall"), "w") as f:
            f.write("".join(_guest_line(ln) + "\n" for ln in rm_lines[:-1]))
        with open(os.path.join(tree, "etc", "apt", "apt.conf.d",
                               "99vbp-e2e-yes"), "w") as f:
            f.write('APT::Get::Assume-Yes "true";\n')
    ctx.note("install in the chroot (README lines, then %s's headers): "
             "%.0f s" % (k612, time.time() - t0))

    image = os.path.join(ctx.dir, "root.img")
    t0 = time.time()
    run(["mkfs.ext4", "-q", "-F", "-L", "root", "-d", tree, image, "4G"])
    run(["rm", "-rf", "--one-file-system", tree])
    ctx.note("ext4 image: %.0f s" % (time.time() - t0))

    g = Guest(ctx, image)
    v = g.boot(k61, "check", packed=False)
    _check_ours(v, k61, ver, packed=False)
    v = g.boot(k612, "purge", packed=True)
    _check_ours(v, k612, ver, packed=True)
    check(v.get("queue_depth_param") == "10240",
          "with queue_depth=1000000 in modprobe.d the parameter reads %r, "
          "want 10240" % v.get("queue_depth_param"))
    check(re.search(r"queue_depth=1000000 exceeds the block layer maximum, "
                    r"using 10240", v["_log"]),
          "no kernel message about the clamped queue_depth")
    check(re.search(r"queue_depth=10240 capped at the virtqueue size",
                    v["_log"]),
          "no kernel message about queue_depth capped at the ring")
    check(v.get("purge_rc") == "0", "apt purge in the guest exited %s:\n%s"
          % (v.get("purge_rc"), "\n".join(re.findall(
              r"^VBP-E2E-PURGE (.*)$", v["_log"], re.M)[-30:])))
    v = g.boot(k612, "report", packed=False)
    check(v.get("target") == "active" and not v.get("failed_units"),
          "after purge: multi-user.target %r, failed units %r"
          % (v.get("target"), v.get("failed_units")))
    check(v.get("root") == "/dev/vda", "after purge root is %r"
          % v.get("root"))
    check("/kernel/drivers/block/" in v.get("module_file", "") and
          not v.get("module_version"),
          "after purge virtio_blk is %r version %r, want the in-tree one"
          % (v.get("module_file"), v.get("module_version")))
    check(not v.get("vda_poll_queues") and not v.get("modprobe_conf"),
          "after purge: poll_queues attribute %r, modprobe.d %r"
          % (v.get("vda_poll_queues"), v.get("modprobe_conf")))
    # the in-tree driver has the parameter too: the purged modprobe.d
    # file must not live on in the initramfs
    check(v.get("poll_queues_param") == "0",
          "after purge the in-tree virtio_blk has poll_queues=%r, want 0 "
          "(options of the purged modprobe.d file still in the initramfs?)"
          % v.get("poll_queues_param"))
    check(not v.get("vblkstat") and not v.get("man") and not v.get("dkms"),
          "after purge: vblkstat %r, man page %r, dkms %r"
          % (v.get("vblkstat"), v.get("man"), v.get("dkms")))
    check(v.get("cpuidle_driver") != "haltpoll_io",
          "after purge cpuidle driver is still haltpoll_io")
    ctx.note("whole case: %.0f s" % (time.time() - t_all))
