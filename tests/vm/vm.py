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
it times out.  The failing line is part of the result.

Timeouts are nominal seconds, as measured on the two-core machine the
suite was written on, multiplied by this host's speed factor
(speed_factor(): measured once per run, >= 1, VBP_SPEED_FACTOR overrides).
The scaled timeout applies to silence: a guest that still writes to its
console or its output share is making progress, not hung, and runs on up
to HARD_CAP times the scaled timeout.
"""

import atexit
import ctypes
import dataclasses
import glob
import hashlib
import json
import math
import os
import queue
import re
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import zlib

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

# A guest that keeps printing may run this many times its scaled timeout.
HARD_CAP = 3

# speed_factor()'s benchmark: seconds of _bench_once() on the reference
# machine (2 cores, TCG guests; the one the nominal timeouts come from).
SPEED_REF = 0.15

_speed = {}
_speed_lock = threading.Lock()


def _bench_data():
    """8 MiB of fixed, half-compressible bytes for _bench_once()."""
    h = hashlib.sha256(b"virtio-blk-poll")
    out = []
    for i in range(1 << 14):
        h.update(b"%d" % i)
        out.append(h.digest()[:16] * 2 + bytes(32))
    return b"".join(out) * 8


def _bench_once(data):
    """A fixed single-threaded CPU workload (zlib: C code, so it does not
    depend on the Python version); returns its wall seconds."""
    t0 = time.perf_counter()
    zlib.compress(data, 6)
    return time.perf_counter() - t0


def speed_factor():
    """How much slower than the reference machine this host runs guests:
    >= 1.0, measured once per process (about a second: the median of five
    runs of a fixed workload, wall time, so CPU contention from other
    guests counts), or VBP_SPEED_FACTOR."""
    with _speed_lock:
        if "factor" not in _speed:
            env = os.environ.get("VBP_SPEED_FACTOR")
            if env:
                try:
                    factor = float(env)
                except ValueError:
                    raise HarnessError("VBP_SPEED_FACTOR=%r is not a number"
                                       % env)
                how = "VBP_SPEED_FACTOR"
            else:
                data = _bench_data()
                runs = sorted(_bench_once(data) for _ in range(5))
                factor = runs[2] / SPEED_REF
                how = "benchmark %.3fs, reference %.3fs" % (runs[2],
                                                             SPEED_REF)
            _speed["factor"] = max(1.0, factor)
            _speed["how"] = how
        return _speed["factor"]


def speed_note():
    """One line for the start of a run: the factor and where it is from."""
    f = speed_factor()
    return ("speed factor %.2f (%s): VM timeouts are scaled by it and "
            "count silence, up to %dx when the guest still prints"
            % (f, _speed["how"], HARD_CAP))


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


# ------------------------------------------------------------ boot image

# Under TCG, decompressing a bzImage (xz on 6.1, zstd on 6.12) and its
# real-mode setup cost seconds per boot.  A kernel with CONFIG_PVH has an
# ELF entry point QEMU jumps to directly (-kernel vmlinux), so the harness
# boots the uncompressed ELF: for Debian's kernels unpacked from the
# bzImage once and cached, for the debug kernel its build/vmlinux.
# VBP_PVH=0 boots the bzImage as before.

XEN_ELFNOTE_PHYS32_ENTRY = 18
_COMPRESSORS = ((b"\xfd7zXZ\x00", ["xz", "-dc", "--single-stream"]),
                (b"\x28\xb5\x2f\xfd", ["zstd", "-dcq"]),
                (b"\x1f\x8b\x08", ["gzip", "-dc"]))
_image_lock = threading.Lock()
_images = {}


def has_pvh_entry(path):
    """True if path is an x86-64 ELF kernel with a PVH entry note."""
    try:
        with open(path, "rb") as f:
            hdr = f.read(64)
            if hdr[:5] != b"\x7fELF\x02":
                return False
            phoff = int.from_bytes(hdr[0x20:0x28], "little")
            phentsize = int.from_bytes(hdr[0x36:0x38], "little")
            phnum = int.from_bytes(hdr[0x38:0x3a], "little")
            f.seek(phoff)
            phdrs = f.read(phentsize * phnum)
            for i in range(phnum):
                ph = phdrs[i * phentsize:(i + 1) * phentsize]
                if int.from_bytes(ph[0:4], "little") != 4:     # PT_NOTE
                    continue
                f.seek(int.from_bytes(ph[8:16], "little"))
                notes = f.read(int.from_bytes(ph[32:40], "little"))
                pos = 0
                while pos + 12 <= len(notes):
                    namesz, descsz, ntype = (
                        int.from_bytes(notes[pos + 4 * j:pos + 4 * j + 4],
                                       "little") for j in range(3))
                    name = notes[pos + 12:pos + 12 + namesz]
                    if name == b"Xen\x00" and \
                            ntype == XEN_ELFNOTE_PHYS32_ENTRY:
                        return True
                    pos += 12 + (namesz + 3) // 4 * 4 + (descsz + 3) // 4 * 4
    except OSError:
        pass
    return False


def _unpack_bzimage(src, dest):
    """Write the ELF vmlinux inside bzImage src to dest; False if it
    cannot (no known payload, or the tool is missing)."""
    with open(src, "rb") as f:
        img = f.read()
    # boot protocol: setup sectors, then the protected-mode part, whose
    # payload_offset/payload_length (0x248/0x24c) locate the compressed
    # kernel
    if img[0x202:0x206] != b"HdrS" or len(img) < 0x250:
        return False
    setup_sects = img[0x1f1] or 4
    start = (setup_sects + 1) * 512 + int.from_bytes(img[0x248:0x24c],
                                                      "little")
    payload = img[start:start + int.from_bytes(img[0x24c:0x250], "little")]
    for magic, cmd in _COMPRESSORS:
        if payload.startswith(magic):
            break
    else:
        return False
    tmp = "%s.tmp.%d.%d" % (dest, os.getpid(), threading.get_ident())
    try:
        with open(tmp, "wb") as out:
            subprocess.run(cmd, input=payload, stdout=out,
                           stderr=subprocess.DEVNULL)
        if not has_pvh_entry(tmp):
            return False
        os.rename(tmp, dest)
        return True
    except OSError:
        return False
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _cache_root():
    return os.environ.get("VBP_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or
        os.path.join(os.path.expanduser("~"), ".cache"), "virtio-blk-poll")


def boot_image(kernel):
    """The file QEMU boots for kernel: an ELF vmlinux with a PVH entry if
    there is one (see above), else kernel.vmlinuz."""
    if os.environ.get("VBP_PVH") == "0":
        return kernel.vmlinuz
    with _image_lock:
        if kernel.vmlinuz in _images:
            return _images[kernel.vmlinuz]
        image = kernel.vmlinuz
        built = os.path.join(os.path.dirname(kernel.vmlinuz), "build",
                             "vmlinux")
        if has_pvh_entry(kernel.vmlinuz):
            pass
        elif os.path.exists(built) and has_pvh_entry(built):
            image = built          # the debug kernel's build tree
        elif kernel.vmlinuz.startswith("/boot/"):
            st = os.stat(kernel.vmlinuz)
            d = os.path.join(_cache_root(), "vmlinux")
            dest = os.path.join(d, "%s-%d-%d" % (
                os.path.basename(kernel.vmlinuz), st.st_size,
                st.st_mtime_ns))
            os.makedirs(d, exist_ok=True)
            if has_pvh_entry(dest) or _unpack_bzimage(kernel.vmlinuz, dest):
                image = dest
        _images[kernel.vmlinuz] = image
        return image


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

# /usr and /in are read-only and the host does not change them while the
# guest runs, so they are mounted cache=loose: what the guest read once
# (fio's libraries, a module insmod'ed in a loop) stays in its page cache.
INIT_SCRIPT = r"""#!/bb/sh
export PATH=/bb
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /modules.list); do insmod /mods/$m || echo "vbp-init: insmod $m failed"; done
o=trans=virtio,version=9p2000.L,msize=262144
mount -t 9p -o $o,ro,cache=loose hostusr /usr || echo "vbp-init: no /usr share"
mount -t 9p -o $o,ro,cache=loose vbpin /in || echo "vbp-init: no /in share"
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


_initrd_lock = threading.Lock()
_initrds = {}


def build_initramfs(kernel, dest):
    """Write a newc cpio initramfs for kernel to dest.  It depends on the
    kernel only, so it is made once per process and kernel, then copied."""
    key = (kernel.vmlinuz, kernel.moddir)
    with _initrd_lock:
        cached = _initrds.get(key)
        if cached is None or not os.path.exists(cached):
            fd, cached = tempfile.mkstemp(prefix="vbp-initrd-",
                                          suffix=".cpio")
            os.close(fd)
            atexit.register(_remove, cached)
            _make_initramfs(kernel, cached)
            _initrds[key] = cached
    shutil.copyfile(cached, dest)


def _make_initramfs(kernel, dest):
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
    back (see device_add_cmd); by default disks sit on pcie.0.  iothread
    names an IOThread that serves a virtio-blk-pci disk instead of the main
    loop (one -object iothread per distinct name, see iothread_args), with
    iothread_poll_max_ns its adaptive polling limit (QEMU's default when
    None, 0 turns polling off) and iothread_poll_shrink the divisor of
    its window after a wait longer than that (QEMU's default 0: back to
    no polling).  aio picks the file backend's I/O engine
    (aio=threads|native|io_uring; QEMU's default, threads, when None).
    The other fields map to QEMU device properties; extra adds any more.

    host="qsd": the block node lives in a qemu-storage-daemon of its own
    (StorageDaemon, vm.daemons[i]) that exports it as vhost-user-blk; the
    guest gets a vhost-user-blk-pci device on that socket (num_queues,
    packed, queue_size map to it; logical_block_size and readonly to the
    export; discard, write_zeroes, serial, rerror, werror have no
    vhost-user-blk equivalent and are refused).  reconnect=N (qsd only)
    makes QEMU's socket chardev reconnect N seconds after the daemon went
    away.  latency_ns (null-co only) makes every request take that long
    at least (QEMU's latency-ns; under TCG the main loop's timers make
    it about a millisecond or more).
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
    iothread: str = None
    iothread_poll_max_ns: int = None
    iothread_poll_shrink: int = None
    aio: str = None
    host: str = None
    reconnect: int = None
    latency_ns: int = None
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
                         "physical_block_size", "iothread_poll_max_ns",
                         "iothread_poll_shrink", "reconnect",
                         "latency_ns"):
                setattr(d, key, int(v))
            elif key in ("size", "backend", "path", "serial", "model",
                         "blkdebug_conf", "rerror", "werror", "iothread",
                         "aio", "host"):
                setattr(d, key, v)
            else:
                d.extra[k] = v
        d.check()
        return d

    def check(self):
        """Raise HarnessError for a combination the harness cannot build."""
        if self.backend not in ("file", "null-co", "blkdebug"):
            raise HarnessError("unknown disk backend %r" % self.backend)
        if self.host not in (None, "qemu", "qsd"):
            raise HarnessError("disk host must be qemu or qsd, not %r"
                               % self.host)
        if self.reconnect is not None and not self.qsd:
            raise HarnessError("reconnect= needs host=qsd")
        if self.latency_ns is not None and self.backend != "null-co":
            raise HarnessError("latency-ns= needs backend=null-co")
        if self.qsd:
            bad = [k for k in ("discard", "write_zeroes", "serial", "rerror",
                               "werror", "physical_block_size")
                   if getattr(self, k) is not None]
            bad += ["iothread"] if self.iothread else []
            if bad or self.root_port:
                raise HarnessError("a vhost-user-blk disk (host=qsd) has no "
                                   "%s" % ", ".join(bad or ["root_port"]))

    @property
    def qsd(self):
        """True if qemu-storage-daemon serves this disk (vhost-user-blk)."""
        return self.host == "qsd"


def _size_bytes(s):
    m = re.fullmatch(r"(\d+)([KMGT]?)", str(s))
    if not m:
        raise HarnessError("bad disk size %r" % s)
    mult = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    return int(m.group(1)) * mult[m.group(2)]


def _onoff(b):
    return "on" if b else "off"


def iothread_args(disks):
    """-object iothread options for the IOThreads the disks name, once
    each; disks naming the same IOThread must agree on its polling."""
    args = []
    seen = {}
    for d in disks:
        if not d.iothread:
            continue
        poll = (d.iothread_poll_max_ns, d.iothread_poll_shrink)
        if d.iothread in seen:
            if seen[d.iothread] != poll:
                raise HarnessError("iothread %s: polling %s and %s"
                                   % (d.iothread, seen[d.iothread], poll))
            continue
        seen[d.iothread] = poll
        obj = "iothread,id=%s" % d.iothread
        if d.iothread_poll_max_ns is not None:
            obj += ",poll-max-ns=%d" % d.iothread_poll_max_ns
        if d.iothread_poll_shrink is not None:
            obj += ",poll-shrink=%d" % d.iothread_poll_shrink
        args += ["-object", obj]
    return args


def blockdevs(i, d, workdir):
    """The -blockdev values (QEMU's or qemu-storage-daemon's) of disk
    number i, bottom node first; the top one is named "disk<i>".  Creates
    a missing image file (and sets d.path)."""
    node = "disk%d" % i
    args = []
    ro = ",read-only=on" if d.readonly else ""
    if d.backend == "null-co":
        lat = (",latency-ns=%d" % d.latency_ns
               if d.latency_ns is not None else "")
        args.append("driver=null-co,node-name=%s,size=%d,read-zeroes=on%s%s"
                    % (node, _size_bytes(d.size), ro, lat))
    else:
        path = d.path or os.path.join(workdir, "%s.img" % node)
        if not os.path.exists(path):
            with open(path, "wb") as f:
                f.truncate(_size_bytes(d.size))
        d.path = path
        unmap = ",discard=unmap" if d.discard else ""
        aio = ",aio=%s" % d.aio if d.aio else ""
        args.append("driver=file,node-name=%s-file,filename=%s,"
                    "cache.direct=off%s%s%s" % (node, path, ro, unmap, aio))
        proto = "%s-file" % node
        if d.backend == "blkdebug":
            conf = os.path.join(workdir, "%s-blkdebug.conf" % node)
            with open(conf, "w") as f:
                f.write(d.blkdebug_conf or "")
            args.append("driver=blkdebug,node-name=%s-dbg,"
                        "config=%s,image=%s%s" % (node, conf, proto, ro))
            proto = "%s-dbg" % node
        args.append("driver=raw,node-name=%s,file=%s%s%s"
                    % (node, proto, ro, unmap))
    return args


def socket_path(workdir, name):
    """A unix socket path for file name in workdir when that fits a unix
    socket address (108 bytes with the NUL; QEMU refuses longer ones),
    else a fixed name in the temporary directory derived from workdir, so
    a deep results directory (CI's is) still gets a usable socket."""
    path = os.path.join(workdir, name)
    if len(path.encode()) < 100:
        return path
    tag = hashlib.sha1(os.path.abspath(workdir).encode()).hexdigest()[:12]
    return os.path.join(tempfile.gettempdir(), "vbp-%s-%s" % (tag, name))


def _remove(path):
    """Remove a file if it is there."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def vhost_socket(i, workdir):
    """The vhost-user socket path of disk number i (see socket_path)."""
    return socket_path(workdir, "disk%d.vhost.sock" % i)


def disk_args(i, d, workdir):
    """QEMU arguments for disk number i."""
    node = "disk%d" % i
    args = []
    if d.qsd:
        # the daemon (StorageDaemon) holds the block nodes and listens on
        # the socket; QEMU is the vhost-user front end, a socket client
        chardev = "socket,id=%s-vu,path=%s" % (node, vhost_socket(i, workdir))
        if d.reconnect is not None:
            chardev += ",reconnect=%d" % d.reconnect
        return ["-chardev", chardev,
                "-device", ",".join(device_props(i, d))]
    for b in blockdevs(i, d, workdir):
        args += ["-blockdev", b]
    if d.root_port:
        args += ["-device", "pcie-root-port,id=rp%d,chassis=%d" % (i, i + 1)]
    args += ["-device", ",".join(device_props(i, d))]
    return args


def device_props(i, d):
    """The -device option of disk number i, as a list of "key=value"
    (the first item is the device model)."""
    node = "disk%d" % i
    if d.qsd:
        # queues, ring layout and size are the front end's; block size,
        # read-only and the rest are the export's (StorageDaemon)
        props = ["vhost-user-blk-pci", "chardev=%s-vu" % node,
                 "id=%s-dev" % node, "num-queues=%d" % (d.num_queues or 1)]
        if d.packed is not None:
            props.append("packed=%s" % _onoff(d.packed))
        if d.queue_size is not None:
            props.append("queue-size=%d" % d.queue_size)
        for k, v in d.extra.items():
            props.append("%s=%s" % (k, v))
        return props
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
        if d.iothread:
            props.append("iothread=%s" % d.iothread)
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


# ---------------------------------------------------------- storage daemon

_spawner = {}
_spawner_lock = threading.Lock()


def _spawn_lasting(cmd, **kw):
    """subprocess.Popen(cmd, **kw) with _die_with_parent, forked by a
    thread that lives as long as this process.  PR_SET_PDEATHSIG fires
    when the forking *thread* ends: a daemon restarted from a VM's
    during hook (a thread of its own) would be killed the moment the
    hook returns."""
    with _spawner_lock:
        if "q" not in _spawner:
            q = queue.Queue()

            def loop():
                while True:
                    args, kwargs, box, done = q.get()
                    try:
                        box["p"] = subprocess.Popen(
                            args, preexec_fn=_die_with_parent, **kwargs)
                    except Exception as e:      # handed to the caller
                        box["e"] = e
                    done.set()
            threading.Thread(target=loop, name="vbp-spawner",
                             daemon=True).start()
            _spawner["q"] = q
    box, done = {}, threading.Event()
    _spawner["q"].put((cmd, kw, box, done))
    done.wait()
    if "e" in box:
        raise box["e"]
    return box["p"]


class StorageDaemon:
    """The qemu-storage-daemon that serves disk number i (a Disk with
    host="qsd") as a vhost-user-blk export on vhost_socket(i, workdir).

    start() runs it (again: same block nodes, image, export and socket)
    and returns once the socket listens; stop(sig) signals it and reaps
    it (SIGKILL by default: a crash; SIGTERM: a clean exit).  running
    says whether it is alive; log is the path of its output (stdout and
    stderr of every start, appended), cmd the path of its command line.
    The VM starts its daemons before QEMU and stops them after QEMU has
    exited.  Not thread-safe: one thread drives a daemon at a time (the
    VM's, or its during hook's while the guest runs).
    """

    def __init__(self, i, disk, workdir, outdir, start_timeout=30):
        self.index = i
        self.disk = disk
        self.workdir = workdir
        self.socket = vhost_socket(i, workdir)
        self.log = os.path.join(outdir, "qsd-disk%d.log" % i)
        self.cmd = os.path.join(outdir, "qsd-disk%d.cmd" % i)
        self.start_timeout = start_timeout * speed_factor()
        self.proc = None
        self.starts = 0

    def command(self):
        d = self.disk
        node = "disk%d" % self.index
        args = ["qemu-storage-daemon"]
        for b in blockdevs(self.index, d, self.workdir):
            args += ["--blockdev", b]
        export = ("type=vhost-user-blk,id=%s-exp,node-name=%s,"
                  "addr.type=unix,addr.path=%s,writable=%s,num-queues=%d"
                  % (node, node, self.socket, _onoff(not d.readonly),
                     d.num_queues or 1))
        if d.logical_block_size is not None:
            export += ",logical-block-size=%d" % d.logical_block_size
        return args + ["--export", export]

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self):
        """Start the daemon; return once its socket exists.  Raises
        HarnessError if it exits or does not listen in time."""
        if self.running:
            raise HarnessError("qsd of disk%d already runs" % self.index)
        cmd = self.command()
        with open(self.cmd, "a") as f:
            f.write(" ".join(shlex_quote(c) for c in cmd) + "\n")
        _remove(self.socket)      # a killed daemon leaves it behind
        with open(self.log, "a") as log:
            log.write("--- start %d at %.3f\n" % (self.starts, time.time()))
            log.flush()
            self.proc = _spawn_lasting(cmd, stdin=subprocess.DEVNULL,
                                       stdout=log, stderr=log)
        self.starts += 1
        deadline = time.time() + self.start_timeout
        while not os.path.exists(self.socket):
            if self.proc.poll() is not None:
                raise HarnessError("qemu-storage-daemon of disk%d exited "
                                   "(rc=%d) before listening; see %s"
                                   % (self.index, self.proc.returncode,
                                      self.log))
            if time.time() > deadline:
                self.stop()
                raise HarnessError("qemu-storage-daemon of disk%d did not "
                                   "listen on %s in %ds" % (
                                       self.index, self.socket,
                                       self.start_timeout))
            time.sleep(0.02)

    def stop(self, sig=signal.SIGKILL, timeout=10):
        """Send sig and wait for the exit (SIGKILL after timeout seconds
        if it does not go).  Returns its exit status, None if it was not
        running."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        rc = self.proc.returncode
        with open(self.log, "a") as log:
            log.write("--- exit %s at %.3f\n" % (rc, time.time()))
        return rc

    def cleanup(self):
        """Stop it (SIGTERM) and remove the socket."""
        self.stop(signal.SIGTERM)
        try:
            os.unlink(self.socket)
        except OSError:
            pass


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
            ok = _kvm_verdict(kernels[-1].vmlinuz)
    except OSError:
        ok = False
    _kvm_state["ok"] = ok
    return ok


def _kvm_verdict(vmlinuz):
    """_kvm_probe(vmlinuz), remembered for the host's boot (the answer
    does not change until a reboot or another QEMU)."""
    try:
        with open("/proc/sys/kernel/random/boot_id") as f:
            boot = f.read().strip()
        qemu = shutil.which("qemu-system-x86_64") or "qemu"
        path = os.path.join(_cache_root(), "kvm-probe-%s-%d" % (
            boot, os.stat(qemu).st_mtime_ns))
    except OSError:
        return _kvm_probe(vmlinuz)
    try:
        with open(path) as f:
            return f.read().strip() == "1"
    except OSError:
        pass
    ok = _kvm_probe(vmlinuz)
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path + ".tmp%d" % os.getpid(), "w") as f:
            f.write("1\n" if ok else "0\n")
        os.rename(path + ".tmp%d" % os.getpid(), path)
    except OSError:
        pass
    return ok


def _kvm_probe(vmlinuz, limit=20):
    """Boot vmlinuz under KVM until its banner (True) or a KVM error, an
    exit or limit seconds (False).  Stops at the first answer: a broken
    /dev/kvm reports "KVM internal error" at once, then QEMU would sit
    paused until the limit."""
    proc = subprocess.Popen(
        ["qemu-system-x86_64", "-machine", "q35,accel=kvm", "-cpu", "host",
         "-m", "256", "-nodefaults", "-display", "none", "-no-reboot",
         "-serial", "stdio", "-kernel", vmlinuz,
         "-append", "console=ttyS0 panic=-1"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
    out = b""
    deadline = time.time() + limit
    try:
        while time.time() < deadline:
            if b"Linux version" in out:
                return True
            if b"KVM internal error" in out or b"failed to initialize" in out:
                return False
            ready, _, _ = select.select([proc.stdout], [], [],
                                        max(0.1, deadline - time.time()))
            if not ready:
                break
            data = os.read(proc.stdout.fileno(), 65536)
            if not data:
                break
            out += data
        return b"Linux version" in out
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()


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
                 allow_log=None, hard_cap=HARD_CAP):
        self.kernel = kernel
        self.script = script
        self.disks = list(disks)
        self.smp = smp
        self.mem = mem
        # timeout: nominal seconds of silence; self.timeout is scaled to
        # this host (host steps use it as their deadline too)
        self.nominal_timeout = timeout
        self.timeout = timeout * speed_factor()
        # hard_cap: the most a guest that keeps printing may run, in
        # timeouts
        self.hard_cap = hard_cap
        self.hard_timeout = self.timeout * hard_cap
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
        for d in self.disks:
            d.check()
        work = os.path.join(self.outdir, "work")
        self.daemons = [StorageDaemon(i, d, work, self.outdir)
                        if d.qsd else None
                        for i, d in enumerate(self.disks)]

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
            # 0 (detector off) stays 0; a slow host gets more time
            f.write("%d\n" % math.ceil(self.hung_task_secs *
                                        speed_factor()))
        for name, src in self.files.items():
            if not os.path.exists(src):
                raise HarnessError("guest file %s missing: %s" % (name, src))
            shutil.copy(src, os.path.join(ind, name))
        self.initrd = os.path.join(self.outdir, "work", "initrd.cpio")
        build_initramfs(self.kernel, self.initrd)

    def command(self):
        work = os.path.join(self.outdir, "work")
        self.qmp_path = socket_path(work, "qmp.sock")
        cpu = "host" if self.accel == "kvm" else "max"
        # no_timer_check: on a loaded host a TCG guest can miss the few
        # timer ticks the kernel waits for at boot and panics with
        # "IO-APIC + timer doesn't work!" (seen here at speed factor 5);
        # the check tests QEMU's IO-APIC, which is not under test.
        append = ("console=ttyS0 loglevel=7 panic=-1 rdinit=/init "
                  "printk.time=1 no_timer_check " + self.append).strip()
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
               "-kernel", boot_image(self.kernel), "-initrd", self.initrd,
               "-append", append]
        if any(self.daemons):
            # a vhost-user back end maps guest RAM: it must be shareable
            cmd += ["-object", "memory-backend-memfd,id=mem,size=%s,"
                    "share=on" % self.mem, "-numa", "node,memdev=mem"]
        shares = [("hostusr", "/usr", True),
                  ("vbpin", os.path.join(self.outdir, "in"), True),
                  ("vbpout", os.path.join(self.outdir, "out"), False)]
        for tag, path, ro in shares:
            cmd += ["-virtfs", "local,path=%s,mount_tag=%s,"
                    "security_model=none%s" % (path, tag,
                                               ",readonly=on" if ro else "")]
        cmd += iothread_args(self.disks)
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
        thread = None
        timed_out = False
        daemons = [dmn for dmn in self.daemons if dmn]
        try:
            for dmn in daemons:
                dmn.start()
            with open(os.path.join(self.outdir, "qemu.stderr"),
                      "w") as stderr:
                proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                        stdout=stderr, stderr=stderr,
                                        preexec_fn=_die_with_parent)
                self.proc = proc
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
                    timed_out = self._wait(proc, t0)
                    if timed_out:
                        proc.kill()
                        proc.wait()
                finally:
                    if proc.poll() is None:
                        proc.kill()
                        proc.wait()
                    if self.qmp:
                        self.qmp.close()
                    if thread:
                        thread.join(5)
        finally:
            # the daemons outlive QEMU (it is their client), and go even
            # when a start or QEMU's own start failed
            for dmn in daemons:
                dmn.cleanup()
            _remove(self.qmp_path)    # may be in the temporary directory
        return self._result(proc.returncode, timed_out, time.time() - t0)

    def _output_size(self):
        """Bytes the guest has written so far: console, and the files of
        its output share (guest.log, results, marks)."""
        n = 0
        paths = [os.path.join(self.outdir, "console.log")]
        try:
            with os.scandir(os.path.join(self.outdir, "out")) as it:
                paths += [e.path for e in it]
        except OSError:
            pass
        for p in paths:
            try:
                n += os.stat(p).st_size + 1
            except OSError:
                pass
        return n

    def _wait(self, proc, t0, poll=1.0):
        """Wait for QEMU to exit.  Returns None when it did, else why it
        was stopped: self.timeout seconds without any guest output, or
        self.hard_timeout seconds in all."""
        last_size = -1
        last_change = t0
        while True:
            try:
                proc.wait(timeout=poll)
                return None
            except subprocess.TimeoutExpired:
                pass
            now = time.time()
            size = self._output_size()
            if size != last_size:
                last_size = size
                last_change = now
            if now - last_change >= self.timeout:
                return ("timeout: no guest output for %ds (hung?), %ds "
                        "after boot; %s" % (now - last_change, now - t0,
                                            self._timeout_basis()))
            if now - t0 >= self.hard_timeout:
                return ("timeout: still running after the hard cap of %ds "
                        "(%dx the timeout), although the guest prints; %s"
                        % (self.hard_timeout, self.hard_cap,
                           self._timeout_basis()))

    def _timeout_basis(self):
        return "timeout %ds = nominal %ds x speed factor %.2f" % (
            self.timeout, self.nominal_timeout, speed_factor())

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
            reason = timed_out
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
