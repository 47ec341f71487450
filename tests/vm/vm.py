# SPDX-License-Identifier: GPL-2.0
"""VM test harness for virtio-blk-poll.

Boots a Debian kernel under qemu-system-x86_64 (q35, KVM when /dev/kvm is
usable, TCG otherwise) with a tiny busybox initramfs.  The host's /usr is
shared read-only over virtio-9p so the guest runs the host's fio, kmod and
pciutils without copying their libraries; a per-run input directory (guest
script, modules under test) and output directory (fio JSON, counters,
dmesg) are shared the same way.

A run fails when the guest script exits non-zero, when the kernel log shows
a bad line (BUG, WARNING, Oops, KASAN, lockdep, hung task, panic), or when
the boot timeout expires.  The failing line is part of the result.
"""

import ctypes
import dataclasses
import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
GUEST_DIR = os.path.join(ROOT, "tests", "vm", "guest")

# Kernel log lines that fail a run, whatever the guest script said.
BAD_LOG = re.compile(
    r"BUG:|WARNING:|Oops|KASAN|UBSAN:|possible circular locking|"
    r"possible recursive locking|inconsistent lock state|"
    r"hung task|blocked for more than \d+ seconds|Kernel panic|"
    r"general protection fault|kernel BUG at|"
    r"sleeping function called from invalid context|"
    r"scheduling while atomic|refcount_t:|list_(add|del) corruption"
)

# Modules the initramfs needs to mount the 9p shares, by module name.  A
# kernel with them built in simply has no file for them.
BOOT_MODULES = ["virtio_pci", "9pnet_virtio", "9p"]


class HarnessError(Exception):
    """The harness itself could not do what was asked (bad input, no kernel)."""


# --------------------------------------------------------------- kernels

@dataclasses.dataclass
class Kernel:
    release: str
    vmlinuz: str
    moddir: str
    headers: str

    @property
    def series(self):
        m = re.match(r"(\d+\.\d+)", self.release)
        return m.group(1) if m else self.release


def _kernel_for(release, vmlinuz=None, moddir=None, headers=None):
    vmlinuz = vmlinuz or "/boot/vmlinuz-" + release
    moddir = moddir or "/lib/modules/" + release
    headers = headers or "/usr/src/linux-headers-" + release
    if not os.path.exists(headers):
        headers = os.path.join(moddir, "build")
    return Kernel(release, vmlinuz, moddir, headers)


def installed_kernels():
    """Debian 12 kernels with image, modules and headers installed."""
    out = []
    for vml in sorted(glob.glob("/boot/vmlinuz-*")):
        rel = vml[len("/boot/vmlinuz-"):]
        if not re.match(r"^(6\.1\.0-\d+-amd64|6\.12\.\d+\+deb12-amd64)$", rel):
            continue
        k = _kernel_for(rel)
        if os.path.isdir(k.moddir) and os.path.exists(k.headers):
            out.append(k)
    return out


def find_kernel(name):
    """Resolve "6.1", "6.12", a full release, or "debug" (issue 4's kernel)."""
    if name == "debug":
        import debugkernel      # tests/kernel/build.sh, cached, built once
        return debugkernel.kernel()
    ks = installed_kernels()
    exact = [k for k in ks if k.release == name]
    if exact:
        return exact[0]
    series = [k for k in ks if k.series == name]
    if series:
        def key(k):
            return [int(x) for x in re.findall(r"\d+", k.release)]
        return sorted(series, key=key)[-1]
    have = ", ".join(k.release for k in ks) or "none"
    raise HarnessError(
        "no installed kernel matches %r (installed: %s); run scripts/deps.sh"
        % (name, have))


# --------------------------------------------------------------- modules

def _modules_dep(moddir):
    deps = {}
    with open(os.path.join(moddir, "modules.dep")) as f:
        for line in f:
            path, _, rest = line.partition(":")
            deps[path] = rest.split()
    return deps


def _modname(path):
    base = os.path.basename(path)
    return re.sub(r"\.ko(\.(xz|zst|gz))?$", "", base).replace("-", "_")


def module_closure(moddir, names):
    """Module files (relative to moddir) for names and their dependencies,
    in load order.  Built-in modules are skipped."""
    deps = _modules_dep(moddir)
    by_name = {_modname(p): p for p in deps}
    order = []

    def visit(path):
        if path in order:
            return
        for d in reversed(deps.get(path, [])):
            visit(d)
        order.append(path)

    for n in names:
        p = by_name.get(n.replace("-", "_"))
        if p:
            visit(p)
    return order


def _decompress(src, dst):
    if src.endswith(".xz"):
        cmd = ["xz", "-dc", src]
    elif src.endswith(".zst"):
        cmd = ["zstd", "-dcq", src]
    elif src.endswith(".gz"):
        cmd = ["gzip", "-dc", src]
    else:
        shutil.copyfile(src, dst)
        return
    with open(dst, "wb") as f:
        subprocess.run(cmd, stdout=f, check=True)


# ------------------------------------------------------------- initramfs

INIT_SCRIPT = r"""#!/bb/sh
export PATH=/bb
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /modules.list); do insmod /mods/$m || echo "vbp-init: insmod $m failed"; done
o=trans=virtio,version=9p2000.L,msize=262144
mount -t 9p -o $o,ro,cache=loose hostusr /usr || echo "vbp-init: no /usr share"
mount -t 9p -o $o,ro vbpin /in || echo "vbp-init: no /in share"
mount -t 9p -o $o vbpout /out || echo "vbp-init: no /out share"
ln -s usr/lib /lib; ln -s usr/lib64 /lib64; ln -s usr/sbin /sbin; ln -s usr/bin /bin
mkdir -p /tmp /run /var/tmp /etc
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug
echo 1 > /proc/sys/kernel/printk_ratelimit 2>/dev/null
[ -w /proc/sys/kernel/hung_task_timeout_secs ] && \
	echo $(cat /in/hung_task_secs) > /proc/sys/kernel/hung_task_timeout_secs
export PATH=/bb:/usr/sbin:/usr/bin HOME=/tmp VBP_IN=/in VBP_OUT=/out
cd /tmp
echo "vbp-init: running guest script"
/bb/sh -c '. /in/lib.sh; . /in/test.sh' > /out/guest.log 2>&1
rc=$?
cat /out/guest.log
dmesg > /out/dmesg.txt
echo $rc > /out/rc
sync
echo "VBP-GUEST-RC: $rc"
umount /out
poweroff -f
"""


def build_initramfs(kernel, dest):
    """Write a newc cpio initramfs for kernel to dest."""
    busybox = shutil.which("busybox")
    if not busybox:
        raise HarnessError("busybox not found: install busybox-static")
    with tempfile.TemporaryDirectory(prefix="vbp-initrd-") as root:
        for d in ("bb", "mods", "proc", "sys", "dev", "usr", "in", "out"):
            os.makedirs(os.path.join(root, d))
        shutil.copy(busybox, os.path.join(root, "bb", "busybox"))
        out = subprocess.run([busybox, "--list"], capture_output=True,
                             text=True, check=True).stdout.split()
        for applet in out:
            if applet != "busybox":
                os.symlink("busybox", os.path.join(root, "bb", applet))
        names = []
        for rel in module_closure(kernel.moddir, BOOT_MODULES):
            name = _modname(rel) + ".ko"
            _decompress(os.path.join(kernel.moddir, rel),
                        os.path.join(root, "mods", name))
            names.append(name)
        with open(os.path.join(root, "modules.list"), "w") as f:
            f.write("\n".join(names) + "\n")
        init = os.path.join(root, "init")
        with open(init, "w") as f:
            f.write(INIT_SCRIPT)
        os.chmod(init, 0o755)
        files = subprocess.run(["find", "."], cwd=root, capture_output=True,
                               text=True, check=True).stdout
        with open(dest, "wb") as f:
            subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], cwd=root,
                           input=files.encode(), stdout=f, check=True)


# ----------------------------------------------------------------- disks

@dataclasses.dataclass
class Disk:
    """A virtio-blk (or NVMe) disk for the guest.

    backend: "file" (raw image, created if missing), "null-co" (no data,
    pure stack overhead) or "blkdebug" (fault injection over a raw file,
    rules from blkdebug_conf).  root_port puts the device behind its own
    pcie-root-port, where it can be hot-unplugged (device_del) and added
    back (see device_add_cmd); by default disks sit on pcie.0.  The other
    fields map to QEMU device properties; extra adds any more.
    """
    size: str = "256M"
    backend: str = "file"
    path: str = None
    num_queues: int = None
    packed: bool = None
    queue_size: int = None
    logical_block_size: int = None
    physical_block_size: int = None
    serial: str = None
    discard: bool = None
    write_zeroes: bool = None
    readonly: bool = False
    blkdebug_conf: str = None
    rerror: str = None
    werror: str = None
    model: str = "virtio-blk-pci"
    root_port: bool = False
    extra: dict = dataclasses.field(default_factory=dict)

    @classmethod
    def parse(cls, spec):
        """Parse "size=64M,num-queues=2,packed=on,..." (CLI form)."""
        d = cls()
        for item in filter(None, spec.split(",")):
            k, _, v = item.partition("=")
            key = k.replace("-", "_")
            if key in ("packed", "discard", "write_zeroes", "readonly",
                       "root_port"):
                setattr(d, key, v in ("on", "1", "true", "yes", ""))
            elif key in ("num_queues", "queue_size", "logical_block_size",
                         "physical_block_size"):
                setattr(d, key, int(v))
            elif key in ("size", "backend", "path", "serial", "model",
                         "blkdebug_conf", "rerror", "werror"):
                setattr(d, key, v)
            else:
                d.extra[k] = v
        if d.backend not in ("file", "null-co", "blkdebug"):
            raise HarnessError("unknown disk backend %r" % d.backend)
        return d


def _size_bytes(s):
    m = re.fullmatch(r"(\d+)([KMGT]?)", str(s))
    if not m:
        raise HarnessError("bad disk size %r" % s)
    mult = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    return int(m.group(1)) * mult[m.group(2)]


def _onoff(b):
    return "on" if b else "off"


def disk_args(i, d, workdir):
    """QEMU arguments for disk number i."""
    node = "disk%d" % i
    args = []
    ro = ",read-only=on" if d.readonly else ""
    if d.backend == "null-co":
        args += ["-blockdev", "driver=null-co,node-name=%s,size=%d,"
                 "read-zeroes=on%s" % (node, _size_bytes(d.size), ro)]
    else:
        path = d.path or os.path.join(workdir, "%s.img" % node)
        if not os.path.exists(path):
            with open(path, "wb") as f:
                f.truncate(_size_bytes(d.size))
        d.path = path
        unmap = ",discard=unmap" if d.discard else ""
        args += ["-blockdev", "driver=file,node-name=%s-file,filename=%s,"
                 "cache.direct=off%s%s" % (node, path, ro, unmap)]
        proto = "%s-file" % node
        if d.backend == "blkdebug":
            conf = os.path.join(workdir, "%s-blkdebug.conf" % node)
            with open(conf, "w") as f:
                f.write(d.blkdebug_conf or "")
            args += ["-blockdev", "driver=blkdebug,node-name=%s-dbg,"
                     "config=%s,image=%s%s" % (node, conf, proto, ro)]
            proto = "%s-dbg" % node
        args += ["-blockdev", "driver=raw,node-name=%s,file=%s%s%s"
                 % (node, proto, ro, unmap)]
    if d.root_port:
        args += ["-device", "pcie-root-port,id=rp%d,chassis=%d" % (i, i + 1)]
    args += ["-device", ",".join(device_props(i, d))]
    return args


def device_props(i, d):
    """The -device option of disk number i, as a list of "key=value"
    (the first item is the device model)."""
    node = "disk%d" % i
    props = ["%s" % d.model, "drive=%s" % node, "id=%s-dev" % node]
    if d.root_port:
        props.append("bus=rp%d" % i)
    if d.model.startswith("virtio-blk"):
        if d.num_queues is not None:
            props.append("num-queues=%d" % d.num_queues)
        if d.packed is not None:
            props.append("packed=%s" % _onoff(d.packed))
        if d.queue_size is not None:
            props.append("queue-size=%d" % d.queue_size)
        if d.discard is not None:
            props.append("discard=%s" % _onoff(d.discard))
        if d.write_zeroes is not None:
            props.append("write-zeroes=%s" % _onoff(d.write_zeroes))
    if d.logical_block_size is not None:
        props.append("logical_block_size=%d" % d.logical_block_size)
    if d.physical_block_size is not None:
        props.append("physical_block_size=%d" % d.physical_block_size)
    if d.serial is not None:
        props.append("serial=%s" % d.serial)
    if d.rerror:
        props.append("rerror=%s" % d.rerror)
    if d.werror:
        props.append("werror=%s" % d.werror)
    for k, v in d.extra.items():
        props.append("%s=%s" % (k, v))
    return props


def device_add_cmd(i, d):
    """HMP command line that adds disk number i back after a device_del
    (its block node stays: -blockdev nodes outlive their device)."""
    return "device_add " + ",".join(device_props(i, d))


# ------------------------------------------------------------------- QMP

class QMP:
    """Minimal QMP client over the run's unix socket."""

    def __init__(self, path, timeout=30):
        deadline = time.time() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.time() > deadline:
                    raise HarnessError("QMP socket %s did not open" % path)
                time.sleep(0.05)
        self.sock.settimeout(timeout)
        self.buf = b""
        self.events = []
        self._read()                          # greeting
        self.cmd("qmp_capabilities")

    def _read(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise HarnessError("QMP connection closed")
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return json.loads(line)

    def cmd(self, name, **arguments):
        """Run a QMP command; return its result or raise on error."""
        msg = {"execute": name}
        if arguments:
            msg["arguments"] = arguments
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            r = self._read()
            if "event" in r:
                self.events.append(r)
                continue
            if "error" in r:
                raise HarnessError("QMP %s: %s" % (name, r["error"]["desc"]))
            return r.get("return")

    def hmp(self, command):
        """Run a human monitor command (e.g. "info pci")."""
        return self.cmd("human-monitor-command", **{"command-line": command})

    def close(self):
        self.sock.close()


# -------------------------------------------------------------------- VM

_kvm_state = {}


def kvm_usable():
    """True if /dev/kvm opens and really boots a kernel.

    Some hosts (nested virtualization) expose a /dev/kvm that QEMU cannot
    use; a short probe boot up to the kernel's banner tells, once per
    process.
    """
    if "ok" in _kvm_state:
        return _kvm_state["ok"]
    ok = False
    try:
        os.close(os.open("/dev/kvm", os.O_RDWR))
        kernels = installed_kernels()
        if kernels:
            probe = subprocess.run(
                ["timeout", "20", "qemu-system-x86_64", "-machine",
                 "q35,accel=kvm", "-cpu", "host", "-m", "256", "-nodefaults",
                 "-display", "none", "-no-reboot", "-serial", "stdio",
                 "-kernel", kernels[0].vmlinuz,
                 "-append", "console=ttyS0 panic=-1"],
                stdin=subprocess.DEVNULL, capture_output=True, text=True,
                errors="replace")
            ok = "Linux version" in probe.stdout
    except OSError:
        ok = False
    _kvm_state["ok"] = ok
    return ok


def accel_choice(want="auto"):
    want = os.environ.get("VBP_ACCEL", want)
    if want == "auto":
        return "kvm" if kvm_usable() else "tcg"
    if want == "kvm" and not kvm_usable():
        raise HarnessError("VBP_ACCEL=kvm but /dev/kvm is not usable")
    if want not in ("kvm", "tcg"):
        raise HarnessError("accel must be auto, kvm or tcg, not %r" % want)
    return want


@dataclasses.dataclass
class Result:
    ok: bool
    rc: int
    reason: str
    outdir: str
    console: str
    bad_lines: list
    elapsed: float

    def file(self, name):
        return os.path.join(self.outdir, "out", name)

    def read(self, name, default=None):
        try:
            with open(self.file(name)) as f:
                return f.read()
        except OSError:
            return default

    def json(self, name):
        with open(self.file(name)) as f:
            return json.load(f)

    def summary(self, tail=40):
        """A human-readable explanation of a failure."""
        parts = ["%s (rc=%s, %.1fs, %s)" % (self.reason, self.rc,
                                             self.elapsed, self.outdir)]
        if self.bad_lines:
            parts.append("kernel log:")
            parts += ["  " + ln for ln in self.bad_lines[:20]]
        glog = self.read("guest.log")
        if glog is not None and not self.ok:
            parts.append("guest log (tail):")
            parts += ["  " + ln for ln in glog.splitlines()[-tail:]]
        elif not self.ok:
            parts.append("console (tail):")
            parts += ["  " + ln for ln in self.console.splitlines()[-tail:]]
        return "\n".join(parts)


class VM:
    """One guest boot.

    kernel: a Kernel; disks: list of Disk; script: guest shell script text
    (sourced after tests/vm/guest/lib.sh, so it can use its helpers);
    files: {name: host path} copied into the guest's /in; env: shell
    variables for the script; during(vm): called in a thread while the
    guest runs, with vm.qmp connected, to drive the monitor.
    """

    def __init__(self, kernel, script, disks=(), outdir=None, smp=2,
                 mem="1G", timeout=300, files=None, env=None, append="",
                 accel="auto", during=None, extra_args=(), hung_task_secs=30,
                 allow_log=None):
        self.kernel = kernel
        self.script = script
        self.disks = list(disks)
        self.smp = smp
        self.mem = mem
        self.timeout = timeout
        self.files = dict(files or {})
        self.env = dict(env or {})
        self.append = append
        self.accel = accel_choice(accel)
        self.during = during
        self.extra_args = list(extra_args)
        self.hung_task_secs = hung_task_secs
        # Regex of bad kernel log lines this run expects (a known kernel
        # issue a test provokes on purpose); each use says why.
        self.allow_log = re.compile(allow_log) if allow_log else None
        self.outdir = outdir or tempfile.mkdtemp(prefix="vbp-vm-")
        self.qmp = None
        self.proc = None
        self.during_error = None

    def _prepare(self):
        for d in ("in", "out", "work"):
            p = os.path.join(self.outdir, d)
            shutil.rmtree(p, ignore_errors=True)
            os.makedirs(p)
        ind = os.path.join(self.outdir, "in")
        shutil.copy(os.path.join(GUEST_DIR, "lib.sh"), ind)
        with open(os.path.join(ind, "test.sh"), "w") as f:
            for k, v in sorted(self.env.items()):
                f.write("%s=%s\n" % (k, shlex_quote(str(v))))
            f.write(self.script)
        with open(os.path.join(ind, "hung_task_secs"), "w") as f:
            f.write("%d\n" % self.hung_task_secs)
        for name, src in self.files.items():
            if not os.path.exists(src):
                raise HarnessError("guest file %s missing: %s" % (name, src))
            shutil.copy(src, os.path.join(ind, name))
        self.initrd = os.path.join(self.outdir, "work", "initrd.cpio")
        build_initramfs(self.kernel, self.initrd)

    def command(self):
        work = os.path.join(self.outdir, "work")
        self.qmp_path = os.path.join(work, "qmp.sock")
        cpu = "host" if self.accel == "kvm" else "max"
        append = ("console=ttyS0 loglevel=7 panic=-1 rdinit=/init "
                  "printk.time=1 " + self.append).strip()
        # Multi-threaded TCG can run a stale translation of kernel text that
        # another vCPU just live-patched (text_poke), which shows up as a
        # spurious "Oops: int3" (seen during boot of Debian 6.12, about one
        # boot in 200).  One TCG thread keeps code writes coherent.
        # VBP_TCG_THREAD=multi trades that for speed.
        accel = self.accel
        if accel == "tcg":
            accel = "tcg,thread=" + os.environ.get("VBP_TCG_THREAD", "single")
        cmd = ["qemu-system-x86_64", "-machine", "q35",
               "-accel", accel,
               "-cpu", cpu, "-smp", str(self.smp), "-m", self.mem,
               "-nodefaults", "-no-user-config", "-display", "none",
               "-no-reboot", "-serial",
               "file:" + os.path.join(self.outdir, "console.log"),
               "-qmp", "unix:%s,server=on,wait=off" % self.qmp_path,
               "-kernel", self.kernel.vmlinuz, "-initrd", self.initrd,
               "-append", append]
        shares = [("hostusr", "/usr", True),
                  ("vbpin", os.path.join(self.outdir, "in"), True),
                  ("vbpout", os.path.join(self.outdir, "out"), False)]
        for tag, path, ro in shares:
            cmd += ["-virtfs", "local,path=%s,mount_tag=%s,"
                    "security_model=none%s" % (path, tag,
                                               ",readonly=on" if ro else "")]
        for i, d in enumerate(self.disks):
            cmd += disk_args(i, d, work)
        return cmd + self.extra_args

    def run(self):
        """Boot, run the script, power off.  Returns a Result."""
        self._prepare()
        cmd = self.command()
        with open(os.path.join(self.outdir, "qemu.cmd"), "w") as f:
            f.write(" ".join(shlex_quote(c) for c in cmd) + "\n")
        t0 = time.time()
        stderr = open(os.path.join(self.outdir, "qemu.stderr"), "w")
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                stdout=stderr, stderr=stderr,
                                preexec_fn=_die_with_parent)
        self.proc = proc
        thread = None
        timed_out = False
        try:
            try:
                self.qmp = QMP(self.qmp_path)
            except HarnessError:
                if proc.poll() is None:
                    raise
            if self.during and self.qmp:
                thread = threading.Thread(target=self._run_during,
                                          daemon=True)
                thread.start()
            try:
                proc.wait(timeout=self.timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
                proc.kill()
                proc.wait()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            if self.qmp:
                self.qmp.close()
            stderr.close()
        if thread:
            thread.join(5)
        return self._result(proc.returncode, timed_out, time.time() - t0)

    def _run_during(self):
        try:
            self.during(self)
        except Exception as e:      # reported in the result
            self.during_error = "%s: %s" % (type(e).__name__, e)

    def _result(self, qemu_rc, timed_out, elapsed):
        console = ""
        try:
            with open(os.path.join(self.outdir, "console.log"),
                      errors="replace") as f:
                console = f.read()
        except OSError:
            pass
        bad = [ln.strip() for ln in console.splitlines()
               if BAD_LOG.search(ln) and
               not (self.allow_log and self.allow_log.search(ln))]
        m = re.search(r"VBP-GUEST-RC: (\d+)", console)
        rc = int(m.group(1)) if m else None
        if timed_out:
            reason = "timeout after %ds" % self.timeout
        elif bad:
            reason = "kernel log reports a problem"
        elif rc is None:
            with open(os.path.join(self.outdir, "qemu.stderr")) as f:
                err = f.read().strip()
            reason = "guest did not finish (qemu rc=%s%s)" % (
                qemu_rc, ": " + err.splitlines()[-1] if err else "")
        elif rc != 0:
            reason = "guest script failed"
        elif self.during_error:
            reason = "monitor step failed: " + self.during_error
        else:
            reason = "ok"
        return Result(reason == "ok", rc, reason, self.outdir, console, bad,
                      elapsed)


def _die_with_parent():
    """In the QEMU child: get SIGKILL when the harness process dies, so an
    interrupted test run leaves no guest behind."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG,
                                            signal.SIGKILL)


def proc_cpu_seconds(pid):
    """User + system CPU seconds used so far by process pid (all threads)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def shlex_quote(s):
    if re.fullmatch(r"[\w@%+=:,./-]+", s):
        return s
    return "'" + s.replace("'", "'\"'\"'") + "'"
