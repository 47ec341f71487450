#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Per-I/O cost profile of a guest block driver under TCG (issue 15).

Boots a guest under single-threaded TCG with -icount shift=0 (guest time
tied to instructions, so counts repeat across boots) and our TCG plugin
(tests/profile/vbp_profile.c), loads the driver, and runs fio twice
between two markers each: N and 5N QD1 4k random reads on a null-co disk.
Five windows run N, 5N, 2N, 4N and 3N I/Os; a figure per I/O is the
slope of its counts over the windows' I/O counts (least squares), which
cancels what fio's start and exit cost (the issue's (5N - N) / 4N with
more points).

Two more windows, of N/5 and N I/Os, see an instant device: the plugin
holds the vCPU for 2 ms of host time after each notify write, long
enough for QEMU to complete the request nearly always, so the guest
(whose clock is its instruction count) does not wait for it: no sleep in
interrupt mode, one poll in polled mode.  With them the work per I/O
comes out the same whatever the host's speed; the five ordinary windows
give the counts at the emulator's speed and the cost of one wait.

fio and its libraries run from a tmpfs copy (exec over 9p would flood the
counts with 9p work), the page cache is dropped before each job, and fio
is pinned to CPU 0.  Kernel symbols come from the guest's own
/proc/kallsyms (booted with nokaslr), read before the first marker.

Figures per I/O: kernel and user instructions, virtio notify writes,
LAPIC EOI writes, other MMIO accesses, HLTs, interrupts (/proc/interrupts
of the disk, and all), __schedule calls, and instructions by function.

    python3 tests/profile/costprofile.py [--kernel 6.12]
        [--driver stock|ours|nvme]
        [--params poll_queues=1] [--engine psync|io_uring|io_uring-hipri]
        [--cpuidle PARAMS] [--ios N] [--out DIR]
    python3 tests/profile/costprofile.py --compare A[/profile.json] B ...
    python3 tests/profile/costprofile.py --reanalyse DIR
"""

import argparse
import bisect
import concurrent.futures
import hashlib
import json
import os
import re
import subprocess
import tempfile
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "vm"))

import build  # noqa: E402
import vm  # noqa: E402

PLUGIN_SRC = os.path.join(HERE, "vbp_profile.c")
MARK_SRC = os.path.join(vm.ROOT, "tests", "progs", "vbp_mark.c")

ENGINES = {
    "psync": "--ioengine=psync",
    "io_uring": "--ioengine=io_uring",
    "io_uring-hipri": "--ioengine=io_uring --hipri=1",
}

# LAPIC MMIO page and its EOI register.
LAPIC_BASE = 0xfee00000
LAPIC_EOI = 0xb0
# Functions whose entry count is reported per I/O.
CALLS = ("__schedule", "schedule", "do_idle", "default_idle",
         "bio_poll", "blk_mq_poll", "virtblk_poll", "io_do_iopoll",
         "iocb_bio_iopoll", "__do_sys_io_uring_enter",
         "vring_interrupt", "blk_mq_complete_request")

GUEST = r'''
vbp_wait_dev /dev/$BLK 20
P=/tmp/prof
mkdir -p $P
vbp_log "$(cut -d' ' -f1 /proc/uptime)s: copying fio"
# fio, its libraries and the marker from memory, not over 9p
for f in $FIO_FILES; do cp "$f" $P/ || fail "copy $f"; done
cp /in/vbp_mark $P/ || fail "copy vbp_mark"
FIO="$P/$FIO_LOADER --library-path $P $P/fio"
# the disk's PCI function (virtio: vda -> virtio0 -> PCI; NVMe: nvme0n1
# -> nvme0 -> nvme -> PCI) and its interrupts' names in /proc/interrupts
dev=$(readlink -f /sys/block/$BLK/device)
pci=$dev
while [ ! -e "$pci/resource" ] && [ "$pci" != / ]; do pci=${pci%/*}; done
[ -e "$pci/resource" ] || fail "no PCI function above $dev"
cat "$pci/resource" > $VBP_OUT/resource.txt
case $BLK in
nvme*) echo "$(basename "$dev")q" ;;
*) echo "$(basename "$dev")-" ;;
esac > $VBP_OUT/virtio-dev.txt
awk '$2 ~ /^[tT]$/' /proc/kallsyms > $VBP_OUT/kallsyms.txt
[ "$(head -n 1 $VBP_OUT/kallsyms.txt | cut -c1-8)" != 00000000 ] ||
	fail "kallsyms shows no addresses"
job() {	# $1 = tag, $2 = number of I/Os
	$FIO --name=p --filename=/dev/$BLK --direct=1 --rw=randread --bs=4k \
		--iodepth=1 --numjobs=1 --size=1G --number_ios=$2 \
		--norandommap --randrepeat=1 --cpus_allowed=0 $ENGINE \
		--output-format=json --output=$P/fio-$1.json
}
# the same address space and page sizes for fio in every window: with
# address randomisation, transparent huge pages came and went from
# window to window (up to 0.8M instructions of page clearing)
echo 0 > /proc/sys/kernel/randomize_va_space || fail "randomize_va_space"
thp=/sys/kernel/mm/transparent_hugepage/enabled
[ ! -e $thp ] || echo never > $thp || fail "cannot turn off THP"
vbp_log "$(cut -d' ' -f1 /proc/uptime)s: warm-up"
job warmup $N || fail "fio warmup"
i=0
for w in $KS; do
	k=${w%i}
	m=
	n=$((N * k))
	[ "$k" = "$w" ] || { m=instant; n=$((N * k / INSTANT_DIV)); }
	vbp_log "$(cut -d' ' -f1 /proc/uptime)s: window $i, $n I/Os $m"
	# the disk's own page cache (drop_caches leaves the block device's)
	blockdev --flushbufs /dev/$BLK || fail "blockdev --flushbufs"
	echo 3 > /proc/sys/vm/drop_caches
	cat /proc/interrupts > $P/irq-$i-0
	$P/vbp_mark $m
	job $i $n
	rc=$?
	$P/vbp_mark
	cat /proc/interrupts > $P/irq-$i-1
	[ $rc = 0 ] || fail "fio window $i"
	i=$((i + 1))
done
vbp_log "$(cut -d' ' -f1 /proc/uptime)s: done"
cp $P/irq-* $P/fio-*.json $VBP_OUT/
'''


def _cache_dir():
    d = os.path.join(vm._cache_root(), "profile")
    os.makedirs(d, exist_ok=True)
    return d


def plugin_header():
    """Directory holding qemu-plugin.h of the installed QEMU's source
    package, as scripts/deps.sh caches it."""
    ver = subprocess.run(
        ["dpkg-query", "-W", "-f=${source:Version}", "qemu-system-x86"],
        capture_output=True, text=True).stdout.strip()
    d = os.path.join(vm._cache_root(), "qemu-plugin-" + ver.split(":")[-1])
    if not os.path.exists(os.path.join(d, "qemu-plugin.h")):
        raise vm.HarnessError("no qemu-plugin.h in %s: run scripts/deps.sh"
                              % d)
    return d


def _build(src, out_name, cmd):
    """Build src with cmd (a list ending before -o) into the cache, keyed
    by the hash of the source and the command; return the path."""
    with open(src, "rb") as f:
        key = hashlib.sha256(f.read() + " ".join(cmd).encode()).hexdigest()
    out = os.path.join(_cache_dir(), "%s-%s" % (out_name, key[:16]))
    if not os.path.exists(out):
        tmp = out + ".tmp%d" % os.getpid()
        r = subprocess.run(cmd + ["-o", tmp, src], capture_output=True,
                           text=True)
        if r.returncode:
            raise vm.HarnessError("building %s failed:\n%s"
                                  % (os.path.basename(src), r.stderr))
        os.rename(tmp, out)
    return out


def plugin():
    """Path of vbp_profile.so, built once per source and header."""
    inc = plugin_header()
    return _build(PLUGIN_SRC, "vbp_profile.so",
                  ["gcc", "-O2", "-g", "-Wall", "-Wextra",
                   "-Wno-unused-parameter", "-Werror", "-shared", "-fPIC",
                   "-I", inc])


def mark_prog():
    return _build(MARK_SRC, "vbp_mark", ["gcc", "-O2", "-static", "-Wall",
                                         "-Wextra", "-Werror"])


def fio_files():
    """(host paths of fio and every library it loads, loader file name)."""
    out = subprocess.run(["ldd", "/usr/bin/fio"], capture_output=True,
                         text=True, check=True).stdout
    files = ["/usr/bin/fio"]
    loader = None
    for ln in out.splitlines():
        m = re.search(r"=> (/\S+)", ln) or re.match(r"\s*(/\S+)", ln)
        if not m:
            continue
        files.append(m.group(1))
        if "ld-linux" in m.group(1):
            loader = os.path.basename(m.group(1))
    if not loader:
        raise vm.HarnessError("no dynamic loader in ldd /usr/bin/fio")
    return files, loader


# ------------------------------------------------------------ parsing

def read_window(path):
    """One window file of the plugin, as a dict."""
    w = {"insns": {}, "hlt": 0, "mmio": [], "tb": [], "stalls": None}
    with open(path) as f:
        for ln in f:
            p = ln.split()
            if p[0] == "insns":
                w["insns"][p[1]] = int(p[2])
            elif p[0] == "hlt":
                w["hlt"] = int(p[1])
            elif p[0] == "stalls":
                w["stalls"] = int(p[1])
            elif p[0] == "mmio":
                w["mmio"].append((p[1], p[2], int(p[3], 16), int(p[4])))
            elif p[0] == "tb":
                w["tb"].append((int(p[1], 16), int(p[2]), int(p[3])))
    return w


class Symbols:
    """Text symbols of /proc/kallsyms, for address lookups."""

    def __init__(self, text):
        syms = []
        for ln in text.splitlines():
            p = ln.split()
            if len(p) < 3:
                continue
            name = p[2] + (" " + p[3] if len(p) > 3 else "")
            syms.append((int(p[0], 16), name))
        syms.sort()
        self.addrs = [a for a, _ in syms]
        self.names = [n for _, n in syms]
        self.entry = {}
        for a, n in syms:
            self.entry.setdefault(n.split()[0], a)

    def name(self, addr):
        i = bisect.bisect_right(self.addrs, addr) - 1
        return self.names[i] if i >= 0 else "?"


def bars(resource):
    """(start, end) of each memory BAR in a PCI sysfs resource file."""
    out = []
    for ln in resource.splitlines()[:6]:
        s, e, flags = (int(x, 16) for x in ln.split())
        if s and flags & 0x200:
            out.append((s, e))
    return out


def classify(window, disk_bars):
    """MMIO counts of a window: notify (writes to the disk's virtio notify
    region, or an NVMe controller's doorbells), eoi, lapic (other LAPIC
    accesses), other_w, other_r."""
    c = {"notify": 0, "eoi": 0, "lapic": 0, "other_w": 0, "other_r": 0}
    for rw, name, addr, n in window["mmio"]:
        in_disk = any(s <= addr <= e for s, e in disk_bars)
        # QEMU's NVMe register region is "nvme"; inside the windows the
        # driver writes only doorbells there (submission and completion)
        if rw == "w" and in_disk and ("notify" in name or name == "nvme"):
            c["notify"] += n
        elif LAPIC_BASE <= addr < LAPIC_BASE + 0x1000:
            if rw == "w" and addr - LAPIC_BASE == LAPIC_EOI:
                c["eoi"] += n
            else:
                c["lapic"] += n
        else:
            c["other_" + rw] += n
    return c


def by_function(window, syms):
    """({function: instructions}, {function: entries}) of a window."""
    insns = {}
    calls = {}
    for addr, length, execs in window["tb"]:
        fn = syms.name(addr)
        insns[fn] = insns.get(fn, 0) + length * execs
        if syms.addrs and addr == syms.addrs[
                bisect.bisect_right(syms.addrs, addr) - 1]:
            calls[fn] = calls.get(fn, 0) + execs
    return insns, calls


def irq_counts(before, after, devname):
    """(interrupts of the disk, all interrupts) between two
    /proc/interrupts snapshots; devname starts the names of the disk's
    lines ("virtio0-", "nvme0q")."""
    def parse(text):
        lines = text.splitlines()
        ncpu = len(lines[0].split())
        out = {}
        for ln in lines[1:]:
            p = ln.split()
            if not p:
                continue
            vals = []
            for x in p[1:1 + ncpu]:
                if not x.isdigit():
                    break
                vals.append(int(x))
            out[p[0]] = (sum(vals), ln)
        return out
    b, a = parse(before), parse(after)
    dev = total = 0
    for k, (n, ln) in a.items():
        d = n - b.get(k, (0, ""))[0]
        if k == "ERR:" or k == "MIS:":
            continue
        total += d
        if devname in ln:
            dev += d
    return dev, total


def window_figures(outdir, i, syms, disk_bars, devname):
    """Counts of window i: ios, instructions, events, calls, functions."""
    out = os.path.join(outdir, "out")
    w = read_window(os.path.join(outdir, "prof", "win.%d" % i))
    with open(os.path.join(out, "fio-%d.json" % i)) as f:
        job = json.load(f)["jobs"][0]
    with open(os.path.join(out, "irq-%d-0" % i)) as f:
        before = f.read()
    with open(os.path.join(out, "irq-%d-1" % i)) as f:
        after = f.read()
    fig = {"ios": job["read"]["total_ios"],
           "kernel_insns": w["insns"].get("kernel", 0),
           "user_insns": w["insns"].get("user", 0), "hlt": w["hlt"],
           "stalls": w["stalls"]}
    fig.update(classify(w, disk_bars))
    fig["disk_irqs"], fig["all_irqs"] = irq_counts(before, after, devname)
    fig["funcs"], fig["calls"] = by_function(w, syms)
    return fig


def solve(rows, ys):
    """Least squares: coefficients c minimising |rows . c - ys|."""
    n = len(rows[0])
    a = [[sum(r[i] * r[j] for r in rows) for j in range(n)] +
         [sum(r[i] * y for r, y in zip(rows, ys))] for i in range(n)]
    for i in range(n):
        p = max(range(i, n), key=lambda k: abs(a[k][i]))
        a[i], a[p] = a[p], a[i]
        if abs(a[i][i]) < 1e-12:
            raise ValueError("singular")
        for k in range(n):
            if k != i:
                f = a[k][i] / a[i][i]
                a[k] = [x - f * y for x, y in zip(a[k], a[i])]
    return [a[i][n] / a[i][i] for i in range(n)]


def slope(xs, ys):
    """Per-unit cost: slope of the least-squares line of ys over xs."""
    return solve([[1.0, x] for x in xs], ys)[1]


# What a waiter repeats, by mode, and how often an instant device needs
# it per I/O (None: as often as the instant windows show, rounded).
# Interrupt mode: the submitter sleeps (__schedule, out and back in) or
# not, depending on host timing.  Polled mode: one bio_poll per poll-loop
# iteration, as many as the emulator's speed makes, and io_uring_enter
# again whenever fio's call returned before the completion.
WAIT_CALLS = {
    "irq": (("__schedule", 0), ("__do_sys_io_uring_enter", None)),
    "poll": (("bio_poll", 1), ("__do_sys_io_uring_enter", None)),
}


def _window_kinds(ks, n):
    """[(I/Os, instant device?)] of the window list ks, for N = n."""
    out = []
    for w in ks:
        w = str(w)
        if w.endswith("i"):
            out.append((n * int(w[:-1]) // INSTANT_DIV, True))
        else:
            out.append((n * int(w), False))
    return out


def _slopes(wins, names, key):
    """{name: slope over wins' I/Os of w[key][name]}."""
    ios = [w["ios"] for w in wins]
    return {nm: slope(ios, [w[key].get(nm, 0) for w in wins])
            for nm in names}


def _varies(wins, xs):
    """Do the counts xs of wins vary apart from the windows' I/Os (more
    than by a count or so)?  A call made a fixed number of times per I/O
    would make the fit singular."""
    rows = [[1.0, w["ios"]] for w in wins]
    try:
        a, b = solve(rows, xs)
    except ValueError:
        return False
    return max(abs(x - a - b * w["ios"]) for x, w in zip(xs, wins)) > 2.0


def analyse(outdir, n, ks):
    """Per-I/O figures of a profile run (guest output in outdir/out,
    plugin windows in outdir/prof): every count's slope over the windows'
    I/O counts, so start-up cost drops out.  Event counts are the ordinary
    windows'; work per I/O comes from the instant-device windows."""
    out = os.path.join(outdir, "out")
    with open(os.path.join(out, "kallsyms.txt")) as f:
        syms = Symbols(f.read())
    with open(os.path.join(out, "resource.txt")) as f:
        disk_bars = bars(f.read())
    with open(os.path.join(out, "virtio-dev.txt")) as f:
        devname = f.read().strip()
    if devname.startswith("virtio") and not devname.endswith("-"):
        devname += "-"      # written without it before NVMe was profiled
    kinds = _window_kinds(ks, n)
    allw = [window_figures(outdir, i, syms, disk_bars, devname)
            for i in range(len(kinds))]
    got = [w["ios"] for w in allw]
    if got != [k for k, _ in kinds]:
        raise vm.HarnessError("fio did %s I/Os, not %s"
                              % (got, [k for k, _ in kinds]))
    for w, (_, inst) in zip(allw, kinds):
        w["instant"] = inst
    wins = [w for w in allw if not w["instant"]]
    fast = [w for w in allw if w["instant"]]
    ios = [w["ios"] for w in wins]
    fig = {"ios": ios, "instant_ios": [w["ios"] for w in fast]}
    for k in ("kernel_insns", "user_insns", "hlt", "notify", "eoi", "lapic",
              "other_w", "other_r", "disk_irqs", "all_irqs"):
        fig[k] = slope(ios, [w[k] for w in wins])
    names = set()
    for w in allw:
        names |= set(w["funcs"])
    funcs = _slopes(wins, names, "funcs")
    calls = _slopes(wins, CALLS, "calls")
    fig["calls"] = calls
    fig["schedule_calls"] = calls["__schedule"]
    fig["funcs"] = {k: round(v, 1) for k, v in funcs.items()
                    if abs(v) >= 0.5}
    # Work versus wait.  How often a waiter sleeps (interrupt mode) or
    # polls (polled mode) follows the host's speed; in the instant-device
    # windows it cannot wait: no sleep in interrupt mode, one poll and one
    # io_uring_enter in polled mode.  Work per I/O is the instant
    # windows' slope.  A wait they still show (a hold too short for the
    # host) is taken out at its cost: fit kernel = a + b * ios + sum of
    # c_j * calls_j over all windows, for each wait call that varies
    # apart from the I/Os; c_j is the cost of one more call j.  (b plus
    # what an instant device needs of each call would be work too, but
    # the ordinary windows also carry what passes with time, such as
    # timer ticks while a CPU halts, and b takes some of it.)
    mode = "poll" if calls["bio_poll"] >= 0.5 else "irq"
    fig["mode"] = mode
    if not fast:
        raise vm.HarnessError("no instant-device window")
    fig["instant_insns"] = slope(fig["instant_ios"],
                                 [w["kernel_insns"] for w in fast])
    fig["stalls"] = slope(fig["instant_ios"], [w["stalls"] or 0
                                               for w in fast])
    regs = []
    for nm, need in WAIT_CALLS[mode]:
        xs = [w["calls"].get(nm, 0) for w in allw]
        fast_rate = slope(fig["instant_ios"], [w["calls"].get(nm, 0)
                                               for w in fast])
        if need is None:
            need = round(fast_rate)
        if _varies(allw, xs):
            regs.append((nm, need, xs))
        fig.setdefault("wait_calls", {})[nm] = {
            "per_io": slope(ios, [w["calls"].get(nm, 0) for w in wins]),
            "instant_per_io": fast_rate, "instant_need": need}
    main = WAIT_CALLS[mode][0][0]
    for w in allw:
        w["waits"] = w["calls"].get(main, 0)
    fig["waits"] = fig["wait_calls"][main]["per_io"]
    fig["instant_waits"] = fig["wait_calls"][main]["instant_per_io"]
    while True:
        try:
            co = solve([[1.0, w["ios"]] + [r[2][i] for r in regs]
                        for i, w in enumerate(allw)],
                       [w["kernel_insns"] for w in allw])
        except ValueError:
            co = [0.0, fig["instant_insns"]] + [0.0] * len(regs)
            regs = []
            break
        # A call that costs less than nothing is not what the waiting
        # costs: with the cpuidle module the idle CPU polls for as long
        # as the emulator takes, whatever the calls.  Fit without it.
        neg = [j for j, c in enumerate(co[2:]) if c < 0]
        if not neg:
            break
        regs.pop(min(neg, key=lambda j: co[2 + j]))
    work = fig["instant_insns"]
    fig["fit_work"] = co[1]
    for (nm, need, _), c in zip(regs, co[2:]):
        wc = fig["wait_calls"][nm]
        wc["cost"] = c
        work -= (wc["instant_per_io"] - need) * c
        fig["fit_work"] += need * c
    fig["wait_cost"] = fig["wait_calls"][main].get("cost", 0.0)
    fig["work"] = work
    fig["wait"] = fig["kernel_insns"] - fig["work"]
    work_funcs = _slopes(fast, names, "funcs")
    fig["funcs_work"] = {k: round(v, 1) for k, v in work_funcs.items()
                         if abs(v) >= 0.5}
    fig["top"] = [[k, round(v, 1)] for k, v in
                  sorted(work_funcs.items(), key=lambda kv: -kv[1])[:25]]
    fig["windows"] = [{k: w[k] for k in ("ios", "instant", "kernel_insns",
                                         "user_insns", "eoi", "notify",
                                         "disk_irqs", "waits", "stalls")}
                      for w in allw]
    return fig


# ------------------------------------------------------------ running

# Windows, in multiples of N I/Os; "i": an instant-device window, in
# multiples of N / INSTANT_DIV (each of its I/Os holds the host 2 ms).
KS = ("1", "5", "2", "4", "3", "1i", "5i")
INSTANT_DIV = 5

# Guest shell: online the CPUs that maxcpus=1 left offline (%d: the last).
ONLINE_CPUS = r'''for c in /sys/devices/system/cpu/cpu[0-9]*/online; do
	echo 1 > "$c" || fail "cannot online ${c%%/online}"
done
[ "$(cat /sys/devices/system/cpu/online)" = "0-%d" ] ||
	fail "CPUs online: $(cat /sys/devices/system/cpu/online)"
'''


def run(kernel, driver="stock", params="", engine="psync", n=20000,
        outdir=None, smp=2, icount=True, timeout=600, disk=None,
        stall_us=2000, cpuidle=None):
    """Boot kernel with the plugin, profile driver; return the figures.

    driver: "stock", "ours" (virtio_blk) or "nvme" (the in-tree driver of
    an emulated NVMe controller on the same backend); params: its module
    parameters; cpuidle: cpuidle_haltpoll_io's parameters, None to leave
    the module out.  The guest loads them as make bench does
    (tests/bench.py guest_files()).
    disk: the vm.Disk profiled (default: 1 GiB null-co on QEMU's main
    loop; an IOThread or qemu-storage-daemon disk profiles that host).
    icount=False drops -icount (only for showing what it is for).
    stall_us: how long the instant-device windows hold the vCPU after a
    notify write (host microseconds; long enough for QEMU to complete a
    null-co request)."""
    if isinstance(kernel, str):
        kernel = vm.find_kernel(kernel)
    outdir = outdir or tempfile.mkdtemp(prefix="vbp-prof-")
    prof = os.path.join(outdir, "prof")
    os.makedirs(prof, exist_ok=True)
    for f in os.listdir(prof):
        os.unlink(os.path.join(prof, f))
    files, loader = fio_files()
    # make bench's own loading of the drivers (imported here: bench
    # imports this module)
    if os.path.dirname(HERE) not in sys.path:
        sys.path.insert(0, os.path.dirname(HERE))
    import bench  # pylint: disable=import-outside-toplevel
    cfg = bench.Config("profile", driver, params, ENGINES[engine],
                       cpuidle=cpuidle)
    guest_files, load = bench.guest_files(kernel, cfg)
    guest_files["vbp_mark"] = mark_prog()
    disk = disk or vm.Disk(backend="null-co", size="1G")
    blk = "vda"
    if driver == "nvme":
        disk = bench.nvme_disk(disk)
        blk = "nvme0n1"
    append = "nokaslr"
    if icount and smp > 1:
        # Under -icount, 6.1 never finishes bringing up its secondary
        # CPUs at boot (it stops after "x86: Booting SMP configuration",
        # also with sleep=off, shift=7, lpj=, tsc=reliable,
        # cpu_init_udelay=0 or idle=poll), but onlines them from sysfs.
        # Every kernel gets the same: one CPU at boot, the others online
        # before the driver loads, so its queues cover them all.
        append += " maxcpus=1"
        load = (ONLINE_CPUS % (smp - 1)) + load
    extra = ["-plugin", "%s,out=%s,stall_us=%d" % (
        plugin(), os.path.join(prof, "win"), stall_us)]
    if icount:
        # 6.1 under -icount marks the TSC unstable ("TSCs
        # unsynchronized": QEMU's TCG CPU has no constant-TSC flag) and
        # falls back to the HPET, whose MMIO reads then cost 450
        # instructions of each I/O; a KVM guest has a stable clock.
        append += " tsc=reliable"
        # cx16=off: with -icount, a guest's SLUB fast path (cmpxchg16b)
        # was followed by a spurious kernel #DB (EFLAGS garbled, TF set)
        # in about one boot of three, with or without memory callbacks
        # on that instruction; SLUB without cmpxchg16b never showed it.
        # Both drivers pay the same slower allocator.
        extra += ["-icount", "shift=0", "-cpu", "max,cx16=off"]
    env = {"N": n, "KS": " ".join(KS), "INSTANT_DIV": INSTANT_DIV,
           "ENGINE": ENGINES[engine], "BLK": blk,
           "FIO_FILES": " ".join(files), "FIO_LOADER": loader}
    v = vm.VM(kernel, load + GUEST, disks=[disk],
              outdir=outdir, smp=smp, files=guest_files, env=env,
              append=append, accel="tcg", extra_args=extra,
              timeout=timeout)
    r = v.run()
    if not r.ok:
        raise vm.HarnessError("profile run failed: %s" % r.summary())
    fig = analyse(outdir, n, KS)
    fig.update({"kernel": kernel.release, "driver": driver,
                "params": params, "cpuidle": cpuidle, "engine": engine,
                "n": n, "ks": KS,
                "stall_us": stall_us, "elapsed_s": round(r.elapsed, 1)})
    with open(os.path.join(outdir, "profile.json"), "w") as f:
        json.dump(fig, f, indent=1)
    return fig


def reanalyse(outdir):
    """Figures of an earlier run's outdir again, from its window files
    (after a change to the analysis); rewrites its profile.json."""
    path = os.path.join(outdir, "profile.json")
    with open(path) as f:
        old = json.load(f)
    fig = analyse(outdir, old["n"], old.get("ks", KS))
    for k in ("kernel", "driver", "params", "cpuidle", "engine", "n", "ks",
              "stall_us", "elapsed_s"):
        if k in old:
            fig[k] = old[k]
    with open(path, "w") as f:
        json.dump(fig, f, indent=1)
    return fig


def report(fig):
    """Human-readable lines of one profile."""
    lines = ["%s %s %s %s: windows of %s I/Os, instant device %s, %.0fs" % (
        fig["kernel"], fig["driver"], fig["params"] or "-", fig["engine"],
        "/".join(str(x) for x in fig["ios"]),
        "/".join(str(x) for x in fig["instant_ios"]), fig["elapsed_s"])]
    for k, label in (("kernel_insns", "kernel instructions"),
                     ("work", "  work"), ("wait", "  wait"),
                     ("instant_insns", "  instant device, raw"),
                     ("fit_work", "  work by the fit"),
                     ("stalls", "  held kicks (instant)"),
                     ("user_insns", "user instructions"),
                     ("notify", "notify writes"), ("eoi", "LAPIC EOIs"),
                     ("lapic", "other LAPIC accesses"),
                     ("other_w", "other MMIO writes"),
                     ("other_r", "MMIO reads"), ("hlt", "HLTs"),
                     ("disk_irqs", "disk interrupts"),
                     ("all_irqs", "all interrupts"),
                     ("schedule_calls", "__schedule calls")):
        lines.append("  %-22s %10.2f per I/O" % (label, fig[k]))
        if k == "wait":
            for nm, wc in fig["wait_calls"].items():
                if max(abs(wc["per_io"]), abs(wc["instant_per_io"])) < 0.005:
                    continue
                lines.append("    %-20s %10.2f per I/O, %.2f instant "
                             "(%d needed), %s" % (
                                 nm[:20], wc["per_io"], wc["instant_per_io"],
                                 wc["instant_need"],
                                 "%.0f each" % wc["cost"] if "cost" in wc
                                 else "no cost fitted"))
    lines.append("  top functions (kernel instructions per I/O, instant "
                 "device):")
    for name, v in fig["top"]:
        lines.append("    %8.1f  %s" % (v, name))
    return lines


# ------------------------------------------------------------ make bench

# fio engine options of tests/bench.py's configurations, by profile engine.
BENCH_ENGINES = {"--ioengine=io_uring": "io_uring",
                 "--ioengine=io_uring --hipri=1": "io_uring-hipri"}


def bench_pass(kernels, configs, outdir, log, disk_for=None, jobs=None):
    """make bench's cost pass: one profile per kernel and configuration
    of the run (stock/ours, irq/poll, with the cpuidle module, NVMe, on
    the configuration's host).  disk_for(config): the vm.Disk to profile that configuration
    on (default: run()'s).  jobs: profiles run at once (default: one per
    host core, at most 2; the counts do not depend on load).  Returns
    {series: {config: figures}}; a failed profile is logged and left
    out."""
    todo = []
    for k in kernels:
        for c in configs:
            if c.engine not in BENCH_ENGINES:
                continue
            todo.append((k, c))
    # built once, before the profiles run side by side
    plugin()
    mark_prog()

    def one(kc):
        k, c = kc
        d = os.path.join(outdir, "raw", k.series, "%s-cost" % c.name)
        log("cost profile %s %s" % (k.series, c.name))
        try:
            fig = run(k, c.driver, c.params, BENCH_ENGINES[c.engine],
                      outdir=d, disk=disk_for(c) if disk_for else None,
                      cpuidle=c.cpuidle)
        except (vm.HarnessError, build.BuildError) as e:
            log("cost profile %s %s failed: %s" % (k.series, c.name, e))
            return None
        log("cost profile %s %s: work %.0f per I/O" % (k.series, c.name,
                                                        fig["work"]))
        return fig

    jobs = jobs or max(1, min(2, os.cpu_count() or 1))
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as ex:
        figs = list(ex.map(one, todo))
    out = {k.series: {} for k in kernels}
    for (k, c), fig in zip(todo, figs):
        if fig is not None:
            out[k.series][c.name] = fig
    return out


COLUMNS = (("kernel_insns", "kernel insns", 0), ("work", "work", 0),
           ("wait", "wait", 0), ("user_insns", "user insns", 0),
           ("notify", "notify", 2), ("eoi", "EOI", 2),
           ("other_w", "other MMIO w", 2), ("other_r", "MMIO r", 2),
           ("hlt", "HLT", 2), ("all_irqs", "interrupts", 2),
           ("schedule_calls", "__schedule", 2), ("waits", "waits", 2))


# Work ratios the summary prints, where both configurations ran.
WORK_PAIRS = (("ours-irq", "stock-irq"), ("ours-poll", "stock-poll"),
              ("ours-irq+idle", "ours-irq"), ("ours-irq", "nvme-irq"),
              ("ours-poll", "nvme-poll"))


def summary_md(cost):
    """summary.md section of a cost pass (per I/O figures)."""
    if not cost:
        return ""
    lines = ["", "## Cost per I/O (TCG plugin, -icount shift=0, QD1 4k "
             "randread, null-co)", ""]
    for series, figs in cost.items():
        if not figs:
            continue
        lines += ["Kernel %s:" % series, "",
                  "| config | " + " | ".join(c[1] for c in COLUMNS) + " |",
                  "|---" * (len(COLUMNS) + 1) + "|"]
        for name, f in figs.items():
            # a slope of about zero prints as 0, not -0
            lines.append("| %s | " % name + " | ".join(
                ("%%.%df" % nd) % (f[k] if abs(f[k]) >= 0.5 * 10 ** -nd
                                   else 0) for k, _, nd in COLUMNS) + " |")
        ratios = ["- work %s/%s: %.3f" % (a, b, figs[a]["work"] /
                                           figs[b]["work"])
                  for a, b in WORK_PAIRS
                  if a in figs and b in figs and figs[b]["work"]]
        if ratios:
            lines += [""] + ratios
        names = list(figs)
        lines += ["", "Top functions, kernel instructions per I/O:", "",
                  "| # | " + " | ".join(names) + " |",
                  "|---" * (len(names) + 1) + "|"]
        for i in range(25):
            row = []
            for nm in names:
                top = figs[nm]["top"]
                row.append("%s %.0f" % (top[i][0], top[i][1])
                           if i < len(top) else "")
            lines.append("| %d | " % (i + 1) + " | ".join(row) + " |")
        lines.append("")
    return "\n".join(lines)


def compare(paths, limit=40):
    """Lines comparing profile.json files: the headline figures, then the
    functions whose instructions per I/O differ most (first file against
    each other one)."""
    figs = []
    for p in paths:
        if os.path.isdir(p):
            p = os.path.join(p, "profile.json")
        with open(p) as f:
            figs.append(json.load(f))
    lines = ["%-22s" % "" + "".join("%12s" % ("#%d" % i)
                                     for i in range(len(figs)))]
    for i, f in enumerate(figs):
        lines.insert(i, "#%d %s %s %s %s" % (i, f["kernel"], f["driver"],
                                            f["params"] or "-", f["engine"]))
    for k in ("kernel_insns", "work", "wait", "waits", "wait_cost",
              "instant_insns", "instant_waits", "fit_work", "notify", "eoi",
              "hlt",
              "all_irqs", "schedule_calls"):
        lines.append("%-22s" % k + "".join(
            "%12.2f" % f[k] if k in f else "%12s" % "-" for f in figs))

    def work_funcs(f):
        return f.get("funcs_work") or f.get("funcs") or dict(f["top"])
    ref = work_funcs(figs[0])
    others = [work_funcs(f) for f in figs[1:]]
    names = set(ref)
    for o in others:
        names |= set(o)
    def spread(nm):
        vals = [ref.get(nm, 0)] + [o.get(nm, 0) for o in others]
        return max(vals) - min(vals)
    lines.append("functions (kernel instructions per I/O of the work), "
                 "largest differences first:")
    for nm in sorted(names, key=spread, reverse=True)[:limit]:
        lines.append("  %-40s" % nm[:40] + "".join(
            "%10.1f" % d.get(nm, 0) for d in [ref] + others))
    return lines


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--compare":
        print("\n".join(compare(sys.argv[2:])))
        return
    if len(sys.argv) == 3 and sys.argv[1] == "--reanalyse":
        print("\n".join(report(reanalyse(sys.argv[2]))))
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kernel", default="6.12")
    ap.add_argument("--driver", default="stock",
                    choices=("stock", "ours", "nvme"))
    ap.add_argument("--params", default="")
    ap.add_argument("--cpuidle", metavar="PARAMS",
                    help="load cpuidle_haltpoll_io with these parameters "
                    "('' for none)")
    ap.add_argument("--engine", default="psync", choices=sorted(ENGINES))
    ap.add_argument("--ios", type=int, default=20000)
    ap.add_argument("--no-icount", action="store_true")
    ap.add_argument("--smp", type=int, default=2,
                    help="vCPUs (default 2; under -icount all but the "
                    "first are onlined from the guest, since 6.1 never "
                    "finishes bringing them up at boot)")
    ap.add_argument("--disk", help="the disk profiled, in tests/vm/vm.py's "
                    "Disk form (default: backend=null-co,size=1G), e.g. "
                    "backend=file,size=1G,packed=on,iothread=io0,"
                    "iothread-poll-max-ns=2000000,aio=io_uring or "
                    "backend=null-co,size=1G,host=qsd")
    ap.add_argument("--out")
    a = ap.parse_args()
    try:
        disk = vm.Disk.parse(a.disk) if a.disk else None
    except vm.HarnessError as e:
        ap.error(str(e))
    fig = run(a.kernel, a.driver, a.params, a.engine, a.ios, a.out,
              icount=not a.no_icount, disk=disk, smp=a.smp,
              cpuidle=a.cpuidle)
    print("\n".join(report(fig)))


if __name__ == "__main__":
    main()
