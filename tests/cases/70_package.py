# SPDX-License-Identifier: GPL-2.0
"""The Debian package (make deb) installed on this machine and purged
again, with the installed modules loaded in a guest; the documentation
(reStructuredText and kernel-doc) checked for warnings."""

import glob
import os
import re
import shutil
import subprocess
import tarfile

from caselib import (ROOT, KERNELS, Fail, Skip, case, check, package_version,
                     results, run)
import vm

PKG = "virtio-blk-poll-dkms"
NAME = "virtio-blk-poll"
MODULES = ("virtio_blk", "vbp_hints", "cpuidle_haltpoll_io")
CONF = "/etc/modprobe.d/virtio-blk-poll.conf"
RULES = "/etc/udev/rules.d/60-virtio-blk-poll.rules"
HEADER_HOOK = "/etc/kernel/header_postinst.d/virtio-blk-poll"


def _apt(*args):
    # INITRD=No: the maintainer scripts skip update-initramfs for every
    # kernel (minutes each with MODULES=most); the test rebuilds one.
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive", INITRD="No")
    return subprocess.run(["apt-get", "-y", "-q", "-o", "Dpkg::Use-Pty=0"] +
                          list(args), capture_output=True, text=True, env=env)


def _installed():
    r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", PKG],
                       capture_output=True, text=True)
    return r.returncode == 0 and "ok installed" in r.stdout


def _known():
    """Installed, half-installed or with config files left."""
    r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", PKG],
                       capture_output=True, text=True)
    return r.returncode == 0 and "not-installed" not in r.stdout


def _modinfo(release, mod):
    return subprocess.run(["modinfo", "-k", release, "-n", mod],
                          capture_output=True, text=True).stdout.strip()


def _initramfs_module(release, mod):
    """Paths of mod's .ko files in the initramfs of release."""
    img = "/boot/initrd.img-" + release
    if not os.path.exists(img):
        return None
    out = run(["lsinitramfs", img]).stdout.split()
    return [p for p in out
            if re.search(r"/%s\.ko(\.(xz|zst|gz))?$" % mod, p)]


def _update_initramfs(ctx, k):
    """Rebuild k's initramfs as the maintainer scripts do; return the
    virtio_blk files in it (None: k has no initramfs to rebuild)."""
    if not os.path.exists("/boot/initrd.img-" + k.release):
        ctx.note("%s has no initramfs: not checked" % k.release)
        return None
    run(["update-initramfs", "-u", "-k", k.release])
    return _initramfs_module(k.release, "virtio_blk")


def _build_deb(ctx):
    out = os.path.join(ctx.dir, "dist")
    r = run(["make", "-s", "-C", ROOT, "deb", "DEB_OUT=" + out])
    deb = r.stdout.strip().splitlines()[-1]
    check(os.path.basename(deb) == "%s_%s_all.deb" % (PKG, package_version()),
          "make deb produced %r" % deb)
    check(os.path.isfile(deb), "%s does not exist" % deb)
    return deb


GUEST_LOAD = r'''
/usr/sbin/modprobe virtio_blk || fail "modprobe virtio_blk"
vbp_wait_dev /dev/vda
echo "virtio_blk file: $(/usr/sbin/modinfo -n virtio_blk)"
[ -e /sys/module/virtio_blk/parameters/io_timeout ] &&
	echo "driver: ours" || echo "driver: in-tree"
dd if=/dev/vda of=/dev/null bs=4k count=256 2>/dev/null || fail "read vda"
if [ "$CPUIDLE" = 1 ]; then
	/usr/sbin/modprobe cpuidle_haltpoll_io || fail "modprobe cpuidle_haltpoll_io"
	echo "cpuidle driver: $(cat /sys/devices/system/cpu/cpuidle/current_driver)"
	echo "vbp_hints file: $(/usr/sbin/modinfo -n vbp_hints)"
	echo "cpuidle file: $(/usr/sbin/modinfo -n cpuidle_haltpoll_io)"
	grep -q '^vbp_hints ' /proc/modules || fail "vbp_hints not loaded"
	sleep 1
	/usr/sbin/modprobe -r cpuidle_haltpoll_io || fail "modprobe -r cpuidle_haltpoll_io"
fi
'''


def _guest(ctx, kernel, cpuidle):
    r = ctx.vm_ok(kernel, GUEST_LOAD, disks=[vm.Disk(size="16M")],
                  env={"CPUIDLE": int(cpuidle)}, timeout=300)
    return r.read("guest.log", "")


@case("package/deb", group="package")
def deb_contents(ctx):
    """make deb: name, contents, conffile, maintainer scripts."""
    deb = _build_deb(ctx)
    ver = package_version()
    listing = run(["dpkg-deb", "-c", deb]).stdout
    files = {ln.split()[5].lstrip(".") for ln in listing.splitlines()}
    src = "/usr/src/%s-%s/" % (NAME, ver)
    for f in ("dkms.conf", "Makefile", "Kbuild", "compat/configure.sh",
              "virtio_blk/main.c", "cpuidle/main.c", "include/vbp_hints.h"):
        check(src + f in files, "%s%s missing from the package" % (src, f))
    force = "/usr/share/dkms/modules_to_force_install/" + NAME
    for f in ("/usr/sbin/vblkstat", "/usr/sbin/vblkstat.awk", CONF, RULES,
              force, "/usr/share/man/man8/vblkstat.8.gz", HEADER_HOOK):
        check(f in files, "%s missing from the package" % f)
    junk = [f for f in files if re.search(r"\.(o|ko|cmd)$|/generated/", f)]
    check(not junk, "build products in the package: %s" % junk)
    ctl = run(["dpkg-deb", "-I", deb, "conffiles"]).stdout
    for f in (CONF, RULES):
        check(f in ctl, "%s is not a conffile" % f)
    for script in ("postinst", "prerm"):
        text = run(["dpkg-deb", "-I", deb, script]).stdout
        check("dkms" in text and ver in text,
              "%s does not drive dkms for %s" % (script, ver))
    for script in ("postinst", "postrm"):
        text = run(["dpkg-deb", "-I", deb, script]).stdout
        check('update-initramfs -u -k "$k"' in text,
              "%s does not rebuild the initramfs" % script)
    tmp = os.path.join(ctx.dir, "x")
    run(["dpkg-deb", "-x", deb, tmp])
    with open(tmp + force) as f:
        check(f.read().split() == [NAME + "_version-override"],
              "%s does not let DKMS replace the in-tree virtio_blk" % force)
    with open(tmp + CONF) as f:
        conf = f.read()
    live = [ln for ln in conf.splitlines()
            if ln.strip() and not ln.lstrip().startswith("#")]
    check(not live, "%s sets options by default: %s" % (CONF, live))
    for p in ("poll_queues", "num_request_queues", "queue_depth",
              "io_timeout", "poll_max_ns", "io_aware", "force"):
        check(re.search(r"^#options \S+ .*\b%s=" % p, conf, re.M),
              "%s does not explain %s" % (CONF, p))
    with open(tmp + RULES) as f:
        rules = f.read()
    live = [ln for ln in rules.splitlines()
            if ln.strip() and not ln.lstrip().startswith("#")]
    check(not live, "%s sets something by default: %s" % (RULES, live))
    check(re.search(r'^#ACTION=="add".*ATTR\{serial\}==.*'
                    r'ATTR\{poll_queues\}="\d+"', rules, re.M),
          "%s has no commented-out poll_queues example" % RULES)
    ctx.note("%s: %d files, conffiles all commented"
             % (os.path.basename(deb), len(files)))


@case("package/install", group="package")
def install_purge(ctx):
    """apt install the .deb: dkms status, modinfo and initramfs for both
    kernels, the installed modules load in guests; apt purge undoes it."""
    if os.geteuid() != 0:
        raise Skip("needs root to install a package")
    kernels = [ctx.kernel(k) for k in KERNELS]
    ver = package_version()
    if _known():
        ctx.note("%s was on the system before the test: purged first" % PKG)
        r = _apt("purge", PKG)
        if r.returncode:
            raise Fail("cannot purge the old %s:\n%s" % (PKG, r.stdout[-2000:]))
    deb = _build_deb(ctx)
    rebuilt = False
    try:
        r = _apt("install", "--no-install-recommends", deb)
        with open(os.path.join(ctx.dir, "install.log"), "w") as f:
            f.write(r.stdout + r.stderr)
        if r.returncode:
            raise Fail("apt-get install %s failed:\n%s%s" % (
                deb, r.stdout[-3000:], r.stderr[-2000:]))
        check(_installed(), "%s is not installed after apt-get install" % PKG)
        check(os.path.isfile(CONF), "%s was not installed" % CONF)
        status = run(["dkms", "status", "-m", NAME, "-v", ver]).stdout
        ctx.note("dkms status: " + "; ".join(status.strip().splitlines()))
        for k in kernels:
            check(re.search(r"^%s/%s, %s, [^:]+: installed" % (
                re.escape(NAME), re.escape(ver), re.escape(k.release)),
                status, re.M),
                "dkms status shows no installed build for %s:\n%s"
                % (k.release, status))
            upd = os.path.join(k.moddir, "updates", "dkms") + "/"
            for m in MODULES:
                got = _modinfo(k.release, m)
                check(got.startswith(upd),
                      "%s: modinfo finds %s at %r, not in %s"
                      % (k.release, m, got, upd))
        ird = _update_initramfs(ctx, kernels[-1])
        rebuilt = ird is not None
        if ird is not None:
            check(any("/updates/dkms/" in p for p in ird),
                  "%s: initramfs has no virtio_blk from updates/dkms "
                  "(has %s)" % (kernels[-1].release, ird))
            ctx.note("update-initramfs -k %s: %s" % (kernels[-1].release,
                                                     ", ".join(ird)))
        for k in kernels:
            log = _guest(ctx, k, cpuidle=True)
            check("driver: ours" in log,
                  "%s: modprobe virtio_blk did not load ours:\n%s"
                  % (k.release, log[-1500:]))
            check("cpuidle driver: haltpoll_io" in log,
                  "%s: modprobe cpuidle_haltpoll_io did not register it:\n%s"
                  % (k.release, log[-1500:]))
            for tag in ("virtio_blk file", "vbp_hints file", "cpuidle file"):
                m = re.search(r"^%s: (\S+)" % tag, log, re.M)
                check(m and "/updates/dkms/" in m.group(1),
                      "%s: guest %s is %s" % (k.release, tag,
                                              m and m.group(1)))
        ctx.note("installed: modprobe loads our 3 modules from updates/dkms "
                 "on %s" % ", ".join(k.release for k in kernels))
    finally:
        r = _apt("purge", PKG)
        with open(os.path.join(ctx.dir, "purge.log"), "w") as f:
            f.write(r.stdout + r.stderr)
        # give the kernel its in-tree initramfs back even after a failure
        ird = _update_initramfs(ctx, kernels[-1]) if rebuilt else None
    if r.returncode:
        raise Fail("apt-get purge failed:\n%s%s" % (r.stdout[-3000:],
                                                   r.stderr[-2000:]))
    check(not _known(), "%s still known to dpkg after purge" % PKG)
    for p in (CONF, RULES, "/usr/src/%s-%s" % (NAME, ver),
              "/var/lib/dkms/" + NAME,
              "/usr/sbin/vblkstat", "/usr/sbin/vblkstat.awk",
              "/usr/share/dkms/modules_to_force_install/" + NAME):
        check(not os.path.exists(p), "%s left behind by purge" % p)
    for k in kernels:
        left = [p for m in MODULES for p in
                glob.glob(os.path.join(k.moddir, "updates", "dkms",
                                       m + ".ko*"))]
        check(not left, "purge left %s" % left)
        got = _modinfo(k.release, "virtio_blk")
        check("/kernel/drivers/block/" in got,
              "%s: after purge modinfo finds %r" % (k.release, got))
    if ird is not None:
        check(ird and all("/kernel/drivers/block/" in p for p in ird),
              "%s: initramfs after purge has %s" % (kernels[-1].release,
                                                    ird))
        ctx.note("after purge, initramfs: %s" % ", ".join(ird))
    log = _guest(ctx, kernels[-1], cpuidle=False)
    check("driver: in-tree" in log,
          "after purge modprobe still loads ours:\n%s" % log[-1500:])
    ctx.note("purged: files, dkms tree and initramfs back to the in-tree "
             "driver; guest loads the in-tree virtio_blk")


# ------------------------------------------------------------------ docs

def _kernel_doc():
    """scripts/kernel-doc of the newest installed kernel source or
    headers; extracted once from linux-source-6.12 if need be."""
    cands = sorted(glob.glob("/usr/src/linux-headers-*/scripts/kernel-doc"))
    cands += sorted(glob.glob("/usr/src/linux-source-*/scripts/kernel-doc"))
    if cands:
        return cands[-1]
    cache = os.path.join(ROOT, ".build", "kernel-doc")
    script = os.path.join(cache, "kernel-doc")
    if os.path.exists(script):
        return script
    tars = sorted(glob.glob("/usr/src/linux-source-*.tar.xz"))
    if not tars:
        raise Skip("no scripts/kernel-doc: install linux-source-6.12")
    os.makedirs(cache, exist_ok=True)
    top = os.path.basename(tars[-1])[:-len(".tar.xz")]
    with tarfile.open(tars[-1]) as t:
        member = t.getmember(top + "/scripts/kernel-doc")
        with t.extractfile(member) as src, open(script + ".tmp", "wb") as dst:
            shutil.copyfileobj(src, dst)
    os.chmod(script + ".tmp", 0o755)
    os.rename(script + ".tmp", script)
    return script


def _sources():
    out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard",
                          "*.c", "*.h"], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout.split()
    return [f for f in out if not f.startswith(("results/", ".build/"))
            and os.path.exists(os.path.join(ROOT, f))]


@case("package/kernel-doc", group="package")
def kernel_doc(ctx):
    """Every kernel-doc comment in the tree parses without a warning."""
    kdoc = _kernel_doc()
    files = _sources()
    r = subprocess.run(["perl", kdoc, "-Wall", "-none"] + files, cwd=ROOT,
                       capture_output=True, text=True)
    msgs = [ln for ln in (r.stdout + r.stderr).splitlines() if ln.strip()]
    check(r.returncode == 0 and not msgs,
          "kernel-doc -Wall (%s) reports:\n%s" % (kdoc, "\n".join(msgs[:60])))
    r = subprocess.run(["perl", kdoc, "-rst"] + files, cwd=ROOT,
                       capture_output=True, text=True)
    n = len(re.findall(r"^\.\. c:function::|^\.\. c:(struct|enum)::",
                       r.stdout, re.M))
    check(n > 20, "kernel-doc rendered only %d items" % n)
    ctx.note("%s: %d files, %d documented items, no warnings"
             % (kdoc, len(files), n))


@case("package/docs", group="package")
def docs(ctx):
    """Documentation/*.rst render with docutils without a warning; the
    module parameters documented are exactly the ones in the code."""
    try:
        import docutils.core
        import docutils.utils
    except ImportError:
        raise Skip("python3-docutils is not installed (make deps)")
    rsts = sorted(glob.glob(os.path.join(ROOT, "Documentation", "*.rst")))
    check(rsts, "no Documentation/*.rst")
    problems = []
    for p in rsts:
        with open(p) as f:
            text = f.read()
        import io
        err = io.StringIO()
        try:
            docutils.core.publish_doctree(
                text, source_path=p,
                settings_overrides={"report_level": 2, "halt_level": 5,
                                    "warning_stream": err})
        except Exception as e:      # a severe error
            problems.append("%s: %s" % (p, e))
        if err.getvalue().strip():
            problems.append(err.getvalue().strip())
    check(not problems, "docutils:\n" + "\n".join(problems))
    guide = open(os.path.join(ROOT, "Documentation", "admin-guide.rst")).read()
    # The parameters the built modules declare (their definitions in the
    # code come from tables of macros, which a regex cannot read).
    import build
    k = vm.find_kernel("6.12")
    params = set()
    for m in ("virtio_blk", "cpuidle_haltpoll_io"):
        out = run(["modinfo", "-F", "parm", build.module(k, m)]).stdout
        params |= {ln.split(":", 1)[0] for ln in out.splitlines()
                   if ":" in ln}
    check(len(params) >= 10, "found only %s in the code" % sorted(params))
    missing = [p for p in sorted(params)
               if not re.search(r"^\d+\) %s:$" % p, guide, re.M)]
    check(not missing, "admin-guide.rst does not document %s" % missing)
    documented = set(re.findall(r"^\d+\) (\w+):$", guide, re.M))
    extra = sorted(documented - params)
    check(not extra, "admin-guide.rst documents parameters the code "
          "lacks: %s" % extra)
    readme = open(os.path.join(ROOT, "README.md")).read()
    for p in rsts:
        rel = os.path.relpath(p, ROOT)
        check("(%s)" % rel in readme, "README.md does not link %s" % rel)
    ctx.note("%d rst files clean; %d parameters documented"
             % (len(rsts), len(params)))


# ------------------------------------------------- shipped module contents

# What the test builds alone may contain (tests/vm/build.py: VBP_INJECT=1).
INJECT_WORDS = re.compile(rb"inject|config_override", re.I)

GUEST_NO_INJECT = r'''
vbp_load_ours
vbp_wait_dev /dev/vda
d=$VBP_DBG/vda
[ -f $d/device ] || fail "no debugfs $d/device: debugfs not mounted?"
[ -f $d/q0/stats ] || fail "no debugfs $d/q0/stats"
for f in $d/inject $VBP_DBG/config_override; do
	[ -e $f ] && vbp_result has_$(basename $f) 1
done
vbp_result dbg_files "$(ls $VBP_DBG $d | tr '\n' ' ')"
'''


def _ko_bytes(path):
    """The contents of a built module, decompressed if DKMS compressed it."""
    for ext, tool in ((".xz", "xz"), (".zst", "zstd"), (".gz", "gzip")):
        if path.endswith(ext):
            return subprocess.run([tool, "-dc", path], capture_output=True,
                                  check=True).stdout
    with open(path, "rb") as f:
        return f.read()


def _dkms_build_deb(ctx, deb, kernel):
    """dkms build, into a private tree, of the sources the package ships;
    return {module name: path of an uncompressed copy of its .ko}."""
    ver = package_version()
    work = os.path.join(ctx.dir, "dkms-" + kernel.release)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    run(["dpkg-deb", "-x", deb, os.path.join(work, "root")])
    src = os.path.join(work, "root", "usr", "src")
    tree = os.path.join(work, "dkms")
    os.makedirs(tree)
    common = ["--sourcetree", src, "--dkmstree", tree, "-m", NAME, "-v", ver]
    run(["dkms", "add"] + common)
    r = subprocess.run(["dkms", "build", "-k", kernel.release] + common,
                       capture_output=True, text=True)
    log = os.path.join(tree, NAME, ver, "build", "make.log")
    if os.path.exists(log):
        shutil.copy(log, os.path.join(ctx.dir, "make-%s.log"
                                      % kernel.release))
    if r.returncode:
        raise Fail("dkms build -k %s failed:\n%s%s" % (
            kernel.release, r.stdout[-2000:], r.stderr[-2000:]))
    kos = {}
    for dp, _, fs in os.walk(os.path.join(tree, NAME, ver, kernel.release)):
        for f in fs:
            m = re.match(r"(\w+)\.ko(\.\w+)?$", f)
            if m:
                out = os.path.join(work, m.group(1) + ".ko")
                with open(out, "wb") as o:
                    o.write(_ko_bytes(os.path.join(dp, f)))
                kos[m.group(1)] = out
    check("virtio_blk" in kos and "vbp_hints" in kos,
          "dkms build -k %s built %s" % (kernel.release, sorted(kos)))
    return kos


@case("package/shipped-ko", group="package")
def shipped_ko(ctx):
    """The virtio_blk.ko that make deb + DKMS build has no fault
    injection: no inject symbol (nm), no "inject" or "config_override"
    text in any section, and in a guest no debugfs inject or
    config_override file (while the statistics files are there)."""
    deb = _build_deb(ctx)
    seen = []
    for series in KERNELS:
        k = ctx.kernel(series)
        kos = _dkms_build_deb(ctx, deb, k)
        ko = kos["virtio_blk"]
        syms = [ln for ln in run(["nm", ko]).stdout.splitlines()
                if re.search(r"inject|cfg_override|config_override", ln,
                             re.I)]
        check(not syms, "%s: shipped virtio_blk.ko has injection symbols: "
              "%s" % (k.release, syms[:10]))
        # __FILE__ strings (WARN_ON) name the build directory, whatever
        # it is called; only the module's own text counts.
        data = _ko_bytes(ko).replace(ctx.dir.encode(), b"")
        words = sorted({w.decode().lower()
                        for w in INJECT_WORDS.findall(data)})
        check(not words, "%s: shipped virtio_blk.ko contains %s"
              % (k.release, words))
        seen.append(k.release)
        if series != KERNELS[-1]:
            continue
        r = ctx.vm_ok(k, GUEST_NO_INJECT, disks=[vm.Disk(size="16M")],
                      files={"virtio_blk.ko": ko,
                             "vbp_hints.ko": kos["vbp_hints"]})
        res = results(r)
        check("has_inject" not in res and "has_config_override" not in res,
              "%s: the shipped module created debugfs injection files: %s"
              % (k.release, res.get("dbg_files")))
        ctx.note("guest on %s: debugfs has %s" % (k.release,
                                                 res.get("dbg_files")))
    ctx.note("make deb + dkms build (%s): virtio_blk.ko without injection "
             "symbols or strings" % ", ".join(seen))
