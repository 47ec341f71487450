#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench: our virtio_blk vs the in-tree one, our cpuidle module, and
emulated NVMe, side by side.

Every configuration boots the same kernel with the same QEMU command line
(the NVMe ones swap the virtio-blk device for -device nvme on the same
backend); only the guest side changes: which driver, which parameters,
which fio engine, whether cpuidle_haltpoll_io is loaded.  Runs alternate
between configurations (A B C ..., then rotated) so drift hits all alike;
each figure is the median of the runs, with the min-max range beside it.

The cpuidle configurations and their baselines also measure the host CPU
time of the QEMU process over a stretch of guest idle (--idle-secs).

The *-iothread and *-qsd configurations serve the same disk from a QEMU
IOThread with polling or from qemu-storage-daemon over vhost-user-blk
(Config.host); kick/IO is our driver's kicks counter per I/O.

Quick default: QD1 4k randread only, 3 runs of 3 s, configurations
stock/ours irq+poll, ours-irq+idle and nvme irq+poll.  --full: every
configuration and workload, 10 s per job.

    python3 tests/bench.py [--kernels "6.1 6.12"] [--full] [--runs N]
        [--runtime S] [--configs a,b] [--workloads a,b]
        [--backend null-co|file] [--packed] [--idle-secs S]
"""

import argparse
import dataclasses
import datetime
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "vm"))

import build  # noqa: E402
import vm  # noqa: E402

sys.path.insert(0, os.path.join(HERE, "profile"))
import costprofile  # noqa: E402

IRQ = "--ioengine=io_uring"
POLL = "--ioengine=io_uring --hipri=1"


@dataclasses.dataclass
class Config:
    """One guest configuration.

    driver: "stock" or "ours" (virtio_blk) or "nvme" (in-tree nvme on an
    emulated NVMe controller); params: the driver module's parameters;
    engine: fio engine options; cpuidle: cpuidle_haltpoll_io parameters,
    None when the module is not loaded; base: the configuration without
    the cpuidle module (for the idle host CPU ratio); host: what serves
    the virtio-blk disk (HOSTS): QEMU's main loop, an IOThread with
    adaptive polling, or qemu-storage-daemon over vhost-user-blk.
    """
    name: str
    driver: str
    params: str
    engine: str
    cpuidle: str = None
    base: str = None
    quick: bool = False
    host: str = "qemu"


# Host set-ups of the virtio-blk disk (Config.host).  The IOThread polls
# up to 2 ms and halves its window after a longer wait instead of
# dropping it: under TCG a guest takes longer than QEMU's default 32 us
# window between requests, and that window would never catch one
# (tests/driver/140-iothread-kicks measures the same set-up).
IOTHREAD_POLL_NS = 2000000
HOSTS = {
    "qemu": "QEMU main loop",
    "iothread": "IOThread, poll-max-ns=%d, poll-shrink=2" % IOTHREAD_POLL_NS,
    "qsd": "qemu-storage-daemon vhost-user-blk",
}


def host_disk(disk, host):
    """disk as served by host (a HOSTS key)."""
    if host == "iothread":
        # aio=io_uring: with the thread pool every completion ends the
        # polling phase (tests/vm/vm.py, Disk.aio)
        return dataclasses.replace(
            disk, iothread="io0", iothread_poll_max_ns=IOTHREAD_POLL_NS,
            iothread_poll_shrink=2,
            aio="io_uring" if disk.backend == "file" else disk.aio)
    if host == "qsd":
        return dataclasses.replace(disk, host="qsd")
    return disk


CONFIGS = [
    Config("stock-irq", "stock", "", IRQ, quick=True),
    Config("stock-poll", "stock", "poll_queues=1", POLL, quick=True),
    Config("ours-irq", "ours", "", IRQ, quick=True),
    Config("ours-poll", "ours", "poll_queues=1", POLL, quick=True),
    Config("ours-irq+idle", "ours", "", IRQ, cpuidle="",
           base="ours-irq", quick=True),
    Config("ours-irq+idle-classic", "ours", "", IRQ, cpuidle="io_aware=0",
           base="ours-irq"),
    # I/O-aware polling that waits for the interrupt (before issue 17)
    Config("ours-irq+idle-irqwait", "ours", "", IRQ,
           cpuidle="io_complete=0", base="ours-irq"),
    Config("stock-irq+idle", "stock", "", IRQ, cpuidle="",
           base="stock-irq"),
    Config("nvme-irq", "nvme", "", IRQ, quick=True),
    Config("nvme-poll", "nvme", "poll_queues=1", POLL, quick=True),
    # other hosts of the same disk: not in the quick set (four more boots
    # per run; run them with --full or --configs)
    Config("stock-irq-iothread", "stock", "", IRQ, host="iothread"),
    Config("ours-irq-iothread", "ours", "", IRQ, host="iothread"),
    Config("stock-irq-qsd", "stock", "", IRQ, host="qsd"),
    Config("ours-irq-qsd", "ours", "", IRQ, host="qsd"),
]

# Ratios printed for each pair present in a run: (numerator, denominator).
PAIRS = [
    ("ours-irq", "stock-irq"),
    ("ours-poll", "stock-poll"),
    ("ours-irq+idle", "ours-irq"),
    ("ours-irq+idle-classic", "ours-irq"),
    ("ours-irq+idle", "ours-irq+idle-classic"),
    ("ours-irq+idle", "ours-irq+idle-irqwait"),
    ("ours-irq+idle", "ours-poll"),
    ("stock-irq+idle", "stock-irq"),
    ("ours-irq+idle", "stock-irq"),
    ("ours-irq+idle", "stock-poll"),
    ("ours-poll", "nvme-poll"),
    ("ours-irq", "nvme-irq"),
    ("ours-irq-iothread", "stock-irq-iothread"),
    ("ours-irq-qsd", "stock-irq-qsd"),
    ("ours-irq-iothread", "ours-irq"),
    ("ours-irq-qsd", "ours-irq"),
    ("stock-irq-iothread", "stock-irq"),
    ("stock-irq-qsd", "stock-irq"),
]

# Workloads: name, fio options.  QD1 jobs carry the latency figures.
WORKLOADS = [
    ("qd1-randread-4k", "--rw=randread --bs=4k --iodepth=1 --numjobs=1"),
    ("qd1-randwrite-4k", "--rw=randwrite --bs=4k --iodepth=1 --numjobs=1"),
    ("qd16x2-randread-4k", "--rw=randread --bs=4k --iodepth=16 "
     "--numjobs=2 --group_reporting"),
    ("seqread-128k", "--rw=read --bs=128k --iodepth=4 --numjobs=1"),
]
QUICK_WORKLOADS = ("qd1-randread-4k",)
WL_TITLE = {"qd1-randread-4k": "QD1 4k randread",
            "qd1-randwrite-4k": "QD1 4k randwrite",
            "qd16x2-randread-4k": "2 jobs x QD16 4k randread",
            "seqread-128k": "QD4 128k sequential read"}

PCTS = [1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 99.5, 99.9, 99.99]

# cpuidle_haltpoll_io counters kept (summed over CPUs) per measured phase.
IDLE_STATS = ("entries", "polls", "poll_wakeups", "poll_timeouts",
              "io_polls", "io_wakeups", "halts", "poll_ns", "halt_ns")

GUEST = r'''
CUR=/sys/devices/system/cpu/cpuidle/current_driver
D=/sys/kernel/debug/cpuidle_haltpoll_io
echo "cpuidle_driver=$(cat $CUR 2>/dev/null || echo none)" >> $VBP_OUT/counters.txt
vbp_wait_dev $DEV 20
disk=${DEV#/dev/}
if [ "${DEV#/dev/vd}" != "$DEV" ]; then
	vdev=$(basename "$(readlink -f /sys/block/${DEV#/dev/}/device)")
	IRQPAT="$vdev-"
else
	IRQPAT="nvme0q"
fi
vbp_log "device $DEV, interrupts matching $IRQPAT"
grep "$IRQPAT" /proc/interrupts
idle_reset() {
	[ -d $D ] || return 0
	echo all > $D/reset || fail "reset $D"
}
idle_save() {
	[ -d $D ] || return 0
	cat $D/cpu* | awk '{ s[$1] += $2 } END { for (k in s) print k, s[k] }' \
		> $VBP_OUT/cpuidle-$1.txt
}
# Warm up outside the measured window (page tables, caches, queue state).
fio --name=warmup --filename=$DEV --direct=1 --time_based --runtime=1 \
	--size=256M $ENGINE --rw=randread --bs=4k --iodepth=1 >/dev/null ||
	fail "fio warmup"
for w in $WORKLOADS; do
	eval "opts=\$W_$(echo $w | tr - _)"
	idle_reset
	[ -d "$VBP_DBG/$disk" ] && vbp_stats_reset "$disk"
	i0=$(vbp_irqs "$IRQPAT"); c0=$(vbp_cpu_busy)
	vbp_mark $w-start
	fio --output-format=json --output=$VBP_OUT/fio-$w.json --name=$w \
		--filename=$DEV --direct=1 --time_based --runtime=$RUNTIME \
		--size=256M --randrepeat=0 \
		--lat_percentiles=1 --percentile_list=$PCTS $ENGINE $opts ||
		fail "fio $w"
	vbp_mark $w-end
	i1=$(vbp_irqs "$IRQPAT"); c1=$(vbp_cpu_busy)
	idle_save $w
	kicks=
	[ -d "$VBP_DBG/$disk" ] && kicks=" kicks=$(vbp_stat "$disk" kicks)"
	echo "$w irqs=$((i1 - i0)) busy_ticks=$((c1 - c0))$kicks" >> $VBP_OUT/counters.txt
done
if [ "$IDLE_SECS" -gt 0 ]; then
	# Guest idle: nothing but this shell sleeping; the host samples the
	# QEMU process's CPU time at both marks.
	sleep 1
	idle_reset
	i0=$(vbp_irqs "$IRQPAT"); c0=$(vbp_cpu_busy)
	vbp_mark idle-start
	sleep $IDLE_SECS
	vbp_mark idle-end
	i1=$(vbp_irqs "$IRQPAT"); c1=$(vbp_cpu_busy)
	idle_save idle
	echo "idle irqs=$((i1 - i0)) busy_ticks=$((c1 - c0))" >> $VBP_OUT/counters.txt
fi
'''


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def hms(s):
    s = int(s)
    return "%dm%02ds" % (s // 60, s % 60) if s >= 60 else "%ds" % s


class Marks:
    """Samples QEMU's CPU time (and the host clock) when the guest's mark
    files appear."""

    def __init__(self, names):
        self.names = names
        self.cpu = {}
        self.wall = {}

    def __call__(self, v):
        outdir = os.path.join(v.outdir, "out")
        want = ["%s-%s" % (n, e) for n in self.names for e in ("start", "end")]
        while v.proc.poll() is None and len(self.cpu) < len(want):
            for m in want:
                if m not in self.cpu and os.path.exists(
                        os.path.join(outdir, "mark-" + m)):
                    self.cpu[m] = vm.proc_cpu_seconds(v.proc.pid)
                    self.wall[m] = time.monotonic()
            time.sleep(0.02)

    def span(self, name):
        """(host CPU seconds, wall seconds) between name's marks."""
        s, e = name + "-start", name + "-end"
        if s in self.cpu and e in self.cpu:
            return self.cpu[e] - self.cpu[s], self.wall[e] - self.wall[s]
        return None, None


def measures_idle(cfg, configs):
    """Idle host CPU is measured for the cpuidle configurations and for
    the baselines of those in this run."""
    return cfg.cpuidle is not None or any(
        c.base == cfg.name for c in configs)


def guest_files(kernel, cfg):
    """(files for the guest's /in, shell lines that load the drivers)."""
    files = {}
    load = []
    if cfg.driver == "ours" or cfg.cpuidle is not None:
        # Our virtio_blk feeds I/O hints to vbp_hints.ko and needs it
        # loaded first; the cpuidle module needs it too.
        files["vbp_hints.ko"] = build.module(kernel, "vbp_hints",
                                             shipped=True)
        load.append('/usr/sbin/insmod /in/vbp_hints.ko || '
                    'fail "insmod vbp_hints"')
    if cfg.driver == "ours":
        files["virtio_blk.ko"] = build.module(kernel, "virtio_blk",
                                             shipped=True)
        load.append("vbp_load ours %s" % cfg.params)
    elif cfg.driver == "stock":
        load.append("vbp_load stock %s" % cfg.params)
    elif cfg.driver == "nvme":
        mods = vm.module_closure(kernel.moddir, ["nvme"])
        if not mods or vm._modname(mods[-1]) != "nvme":
            raise vm.HarnessError("no nvme module for %s" % kernel.release)
        for rel in mods:
            name = os.path.basename(rel)
            files[name] = os.path.join(kernel.moddir, rel)
            params = cfg.params if rel == mods[-1] else ""
            load.append('/usr/sbin/insmod /in/%s %s || fail "insmod %s"'
                        % (name, params, name))
    else:
        raise vm.HarnessError("unknown driver %r" % cfg.driver)
    if cfg.cpuidle is not None:
        files["cpuidle_haltpoll_io.ko"] = build.module(
            kernel, "cpuidle_haltpoll_io", shipped=True)
        load.append('/usr/sbin/insmod /in/cpuidle_haltpoll_io.ko %s || '
                    'fail "insmod cpuidle_haltpoll_io"' % cfg.cpuidle)
        load.append('[ "$(cat /sys/devices/system/cpu/cpuidle/'
                    'current_driver)" = haltpoll_io ] || fail "cpuidle '
                    'driver is $(cat /sys/devices/system/cpu/cpuidle/'
                    'current_driver)"')
    return files, "\n".join(load) + "\n"


def _stats(text):
    if text is None:
        return None
    d = {}
    for ln in text.splitlines():
        parts = ln.split()
        if len(parts) == 2 and parts[0] in IDLE_STATS:
            d[parts[0]] = int(parts[1])
    return d


def nvme_disk(disk):
    """disk as an emulated NVMe controller on the same backend."""
    return dataclasses.replace(disk, model="nvme", serial="vbp0",
                               packed=None, num_queues=None)


def run_one(kernel, cfg, workloads, runtime, idle_secs, outdir, disk):
    wl = [w for w in WORKLOADS if w[0] in workloads]
    env = {"WORKLOADS": " ".join(w[0] for w in wl), "RUNTIME": runtime,
           "ENGINE": cfg.engine, "PCTS": ":".join(str(p) for p in PCTS),
           "IDLE_SECS": idle_secs,
           "DEV": "/dev/nvme0n1" if cfg.driver == "nvme" else "/dev/vda"}
    for w, opts in wl:
        env["W_" + w.replace("-", "_")] = opts
    files, load = guest_files(kernel, cfg)
    disk = host_disk(disk, cfg.host)
    if cfg.driver == "nvme":
        disk = nvme_disk(disk)
    names = [w[0] for w in wl] + (["idle"] if idle_secs else [])
    marks = Marks(names)
    v = vm.VM(kernel, load + GUEST, disks=[disk], outdir=outdir,
              files=files, env=env, during=marks,
              timeout=300 + len(wl) * (runtime + 30) + idle_secs * 2)
    r = v.run()
    if not r.ok:
        raise vm.HarnessError("%s failed: %s" % (cfg.name, r.summary()))
    shutil.rmtree(os.path.join(outdir, "work"), ignore_errors=True)
    counters = {}
    driver = None
    for ln in (r.read("counters.txt") or "").splitlines():
        if ln.startswith("cpuidle_driver="):
            driver = ln.split("=", 1)[1]
            continue
        parts = ln.split()
        counters[parts[0]] = dict(p.split("=") for p in parts[1:])
    out = {"cpuidle_driver": driver, "workloads": {}, "idle": None}
    hz = os.sysconf("SC_CLK_TCK")
    for w, _ in wl:
        job = json.loads(r.read("fio-%s.json" % w))["jobs"][0]
        d = job["read"] if job["read"]["total_ios"] else job["write"]
        ios = d["total_ios"]
        # Total latency, submission to completion: under single-threaded
        # TCG a request often completes before the submitting system call
        # returns, which leaves fio's "completion latency" (clat) near
        # zero and puts the device time into slat.
        pct = d["lat_ns"].get("percentile", {})
        cpct = d["clat_ns"].get("percentile", {})
        c = counters.get(w, {})
        host, _ = marks.span(w)
        out["workloads"][w] = {
            "iops": d["iops"],
            "ios": ios,
            "p50_us": pct.get("50.000000", 0) / 1000,
            "p99_us": pct.get("99.000000", 0) / 1000,
            "p999_us": pct.get("99.900000", 0) / 1000,
            "lat_mean_us": d["lat_ns"]["mean"] / 1000,
            "clat_p50_us": cpct.get("50.000000", 0) / 1000,
            "clat_p99_us": cpct.get("99.000000", 0) / 1000,
            "cdf": {k: x / 1000 for k, x in pct.items()},
            "irq_per_io": int(c.get("irqs", 0)) / ios if ios else None,
            # our driver's kicks counter (debugfs); None for the others
            "kicks_per_io": int(c["kicks"]) / ios
            if ios and "kicks" in c else None,
            "guest_cpu_us_per_io": (int(c.get("busy_ticks", 0)) * 1e6 /
                                    hz / ios) if ios else None,
            "host_cpu_us_per_io": host * 1e6 / ios
            if ios and host is not None else None,
            "cpuidle": _stats(r.read("cpuidle-%s.txt" % w)),
        }
    if idle_secs:
        host, wall = marks.span("idle")
        if host is None:
            raise vm.HarnessError("%s: idle marks not seen" % cfg.name)
        c = counters.get("idle", {})
        out["idle"] = {
            "secs": idle_secs,
            "wall_s": wall,
            "host_cpu_s": host,
            # Normalised to exactly idle_secs of wall time, so a late
            # sample of a mark does not count as more CPU.
            "host_cpu_s_norm": host * idle_secs / wall if wall else None,
            "irqs": int(c.get("irqs", 0)),
            "guest_busy_s": int(c.get("busy_ticks", 0)) / hz,
            "cpuidle": _stats(r.read("cpuidle-idle.txt")),
        }
    return out


def med(vals):
    vals = [v for v in vals if v is not None]
    if not vals:
        return None, None, None
    return statistics.median(vals), min(vals), max(vals)


FIGS = [("p50_us", "p50 µs", 1), ("p99_us", "p99 µs", 1),
        ("p999_us", "p99.9 µs", 1), ("iops", "IOPS", 0),
        ("irq_per_io", "irq/IO", 2), ("kicks_per_io", "kick/IO", 2),
        ("guest_cpu_us_per_io", "guest CPU µs/IO", 1),
        ("host_cpu_us_per_io", "host CPU µs/IO", 1)]


def fmt(m, nd):
    v, lo, hi = m
    if v is None:
        return "n/a"
    f = "%%.%df" % nd
    return (f + " (" + f + "–" + f + ")") % (v, lo, hi)


def wl_med(runs, w, f):
    return med([r["workloads"][w].get(f) for r in runs])


def idle_med(runs, f="host_cpu_s_norm"):
    return med([r["idle"][f] for r in runs if r.get("idle")])


def ratio(a, b):
    return "%.3f" % (a / b) if a is not None and b else "n/a"


def describe_config(c):
    what = {"stock": "in-tree virtio_blk", "ours": "our virtio_blk",
            "nvme": "in-tree nvme"}[c.driver]
    if c.params:
        what += " " + c.params
    if c.driver == "nvme":
        what += " on -device nvme"
    elif c.host != "qemu":
        what += " on " + HOSTS[c.host]
    what += ", fio " + c.engine.replace("--ioengine=", "")
    if c.cpuidle is not None:
        what += ", cpuidle_haltpoll_io" + (" " + c.cpuidle if c.cpuidle
                                           else "")
    return what


def summarize(results, kernels, workloads, configs, meta):
    names = [c.name for c in configs]
    lines = ["# virtio-blk-poll benchmark", "",
             "- date: %s, git %s" % (meta["date"], meta["git"]),
             "- machine: %s, %d host cores, %s, accel %s" % (
                 meta["host"], meta["cores"], meta["qemu"], meta["accel"]),
             "- command: `%s`" % meta["command"],
             "- kernels: %s" % ", ".join(
                 "%s (`%s`)" % kv for kv in meta["kernels"].items()),
             "- disk: %s backend, %s virtqueues (`%s`); %d runs per "
             "configuration, %ds per fio job, configurations alternated"
             % (meta["backend"], meta["ring"], meta["disk"], meta["runs"],
                meta["runtime"]),
             "- figures: median (min–max) over the runs; latency is fio's "
             "total latency (lat: submission to completion)",
             "- configurations:"]
    lines += ["  - %s: %s" % (c.name, describe_config(c)) for c in configs]
    for k in kernels:
        drv = sorted({r.get("cpuidle_driver") or "?"
                      for c in configs if c.cpuidle is None
                      for r in results.get(k, {}).get(c.name, [])})
        if drv:
            lines.append("- %s: guest cpuidle driver without our module: %s"
                         % (k, ", ".join(drv)))
    lines.append("")
    if meta["accel"] == "tcg":
        lines += ["Under TCG (no KVM) absolute times are inflated by "
                  "emulation; compare ratios measured in the same run.", ""]
    for k in kernels:
        res = results.get(k, {})
        for w in workloads:
            lines += ["## %s, %s" % (k, w), "",
                      "| configuration | " + " | ".join(f[1] for f in FIGS)
                      + " |", "|---" * (len(FIGS) + 1) + "|"]
            for cfg in names:
                runs = res.get(cfg, [])
                row = [fmt(wl_med(runs, w, f[0]), f[2]) for f in FIGS]
                lines.append("| %s | %s |" % (cfg, " | ".join(row)))
            lines.append("")
            rows = []
            for a, b in PAIRS:
                ra, rb = res.get(a), res.get(b)
                if not ra or not rb:
                    continue
                cells = [ratio(wl_med(ra, w, f)[0], wl_med(rb, w, f)[0])
                         for f in ("p50_us", "p99_us", "iops")]
                rows.append("| %s / %s | %s |" % (a, b, " | ".join(cells)))
            if rows:
                lines += ["| ratio | p50 | p99 | IOPS |",
                          "|---|---|---|---|"] + rows + [""]
        idle = [c for c in configs if res.get(c.name) and
                idle_med(res[c.name])[0] is not None]
        if idle:
            secs = meta["idle_secs"]
            lines += ["## %s, idle host CPU" % k, "",
                      "QEMU process CPU seconds over %d s of guest idle "
                      "(after the workloads), median (min–max)." % secs, "",
                      "| configuration | host CPU s / %d s idle | vs not "
                      "loaded | guest irqs | guest poll ms |" % secs,
                      "|---|---|---|---|---|"]
            for c in idle:
                runs = res[c.name]
                m = idle_med(runs)
                vs = "n/a"
                if c.base and res.get(c.base):
                    vs = "%s (vs %s)" % (ratio(m[0], idle_med(
                        res[c.base])[0]), c.base)
                elif c.base:
                    vs = "n/a (%s not run)" % c.base
                else:
                    vs = "(baseline)"
                irqs = idle_med(runs, "irqs")
                polls = med([r["idle"]["cpuidle"]["poll_ns"] / 1e6
                             for r in runs if r["idle"].get("cpuidle")])
                lines.append("| %s | %s | %s | %s | %s |" % (
                    c.name, fmt(m, 3), vs, fmt(irqs, 0), fmt(polls, 1)))
            lines.append("")
    return "\n".join(lines)


GP_HEAD = """
set terminal pngcairo size 1100,650 font ",11" noenhanced
set grid
set key outside right top box
"""


def _gp_str(s):
    return '"%s"' % s.replace('"', "'")


def plots(results, kernels, releases, workloads, configs, meta, outdir):
    """gnuplot PNGs per kernel: latency CDF and p50/p99 bars for each QD1
    workload run, idle host CPU when measured, and the cost pass's
    instructions per I/O (kernel work, kernel wait, user; stacked)."""
    made = []
    disk = "%s, %s ring" % (meta["backend"], meta["ring"])
    for k in kernels:
        res = results.get(k, {})
        present = [c.name for c in configs if res.get(c.name)]
        gp = [GP_HEAD]
        pngs = []
        for w in [w for w in workloads if w.startswith("qd1-")]:
            title = "%s (%s), kernel %s" % (WL_TITLE[w], disk, releases[k])
            dat = os.path.join(outdir, "cdf-%s-%s.dat" % (k, w))
            with open(dat, "w") as f:
                for cfg in present:
                    f.write('"%s"\n' % cfg)
                    for p in PCTS:
                        key = "%.6f" % p
                        m = med([r["workloads"][w]["cdf"].get(key)
                                 for r in res[cfg]])[0]
                        if m:
                            f.write("%f %f\n" % (m, p / 100))
                    f.write("\n\n")
            bars = os.path.join(outdir, "bars-%s-%s.dat" % (k, w))
            with open(bars, "w") as f:
                for cfg in present:
                    f.write('"%s" %f %f\n' % (
                        cfg, wl_med(res[cfg], w, "p50_us")[0],
                        wl_med(res[cfg], w, "p99_us")[0]))
            cdf_png = "latency-cdf-%s-%s.png" % (k, w)
            bar_png = "latency-bars-%s-%s.png" % (k, w)
            gp.append("""
set output "%(out)s/%(cdf)s"
set title %(title)s
set xlabel "I/O latency, submission to completion (µs, log scale)"
set ylabel "fraction of I/Os completed within"
set logscale x
set yrange [0:1]
set autoscale x
set xtics auto rotate by 0
set style data linespoints
plot for [i=0:%(last)d] "%(dat)s" index i using 1:2 lw 2 pt 1+i%%7 \\
    dt 1+int(i/8) title columnheader(1)
unset logscale x
set output "%(out)s/%(bar)s"
set multiplot layout 1,2 title %(btitle)s
unset title
set xlabel "configuration"
set yrange [0:*]
set xtics rotate by -30 left
set style fill solid 0.8 border -1
set boxwidth 0.6
set key off
set offsets 0.5, 0.5, graph 0.08, 0
set ylabel "p50 latency, submission to completion (µs)"
plot "%(bars)s" using 0:2:xtic(1) with boxes lc 1, \\
     "" using 0:2:(sprintf("%%.1f", $2)) with labels offset 0,0.7 font ",9"
set ylabel "p99 latency, submission to completion (µs)"
plot "%(bars)s" using 0:3:xtic(1) with boxes lc 2, \\
     "" using 0:3:(sprintf("%%.0f", $3)) with labels offset 0,0.7 font ",9"
unset multiplot
set offsets 0, 0, 0, 0
set xtics norotate
set key outside right top box
""" % {"out": outdir, "cdf": cdf_png, "bar": bar_png, "dat": dat,
                "bars": bars, "last": max(len(present) - 1, 0),
                "title": _gp_str("Latency CDF, " + title),
                "btitle": _gp_str("p50 / p99 latency (median of %d run(s)), "
                                  % meta["runs"] + title)})
            pngs += [cdf_png, bar_png]
        idle = [c for c in configs if res.get(c.name) and
                idle_med(res[c.name])[0] is not None]
        if idle:
            dat = os.path.join(outdir, "idle-%s.dat" % k)
            with open(dat, "w") as f:
                for c in idle:
                    m = idle_med(res[c.name])
                    f.write('"%s" %f %f %f\n' % (c.name, m[0], m[1], m[2]))
            png = "idle-cpu-%s.png" % k
            gp.append("""
set output "%(out)s/%(png)s"
set title %(title)s
set xlabel "configuration"
set ylabel "QEMU host CPU seconds per %(secs)d s of guest idle"
unset logscale x
set yrange [0:*]
set xtics rotate by -30 left
set style fill solid 0.8 border -1
set boxwidth 0.6
set key off
set offsets 0.5, 0.5, graph 0.08, 0
plot "%(dat)s" using 0:2:xtic(1) with boxes title "median", \\
     "" using 0:2:3:4 with yerrorbars lc black pt 0 title "min-max", \\
     "" using 0:4:(sprintf("%%.3f", $2)) with labels offset 0,0.8 font ",9"
set offsets 0, 0, 0, 0
set key outside right top box
""" % {"out": outdir, "png": png, "dat": dat, "secs": meta["idle_secs"],
                "title": _gp_str("Idle host CPU (median, error bars min-max "
                                 "of %d run(s)), %s, kernel %s" % (
                                     meta["runs"], disk, releases[k]))})
            pngs.append(png)
        cost = (meta.get("cost") or {}).get(k)
        if cost:
            dat = os.path.join(outdir, "cost-%s.dat" % k)
            with open(dat, "w") as f:
                f.write("# config work wait user\n")
                for name, fg in cost.items():
                    f.write('"%s" %.0f %.0f %.0f\n' % (
                        name, fg["work"], max(fg["wait"], 0),
                        fg["user_insns"]))
            png = "cost-%s.png" % k
            gp.append("""
set output "%(out)s/%(png)s"
set title %(title)s
set xlabel "configuration"
set ylabel "instructions per I/O"
unset logscale x
set yrange [0:*]
set xtics rotate by -30 left
set style data histograms
set style histogram rowstacked
set style fill solid 0.8 border -1
set boxwidth 0.6
plot "%(dat)s" using 2:xtic(1) title "kernel work", \\
     "" using 3 title "kernel wait", "" using 4 title "user (fio)"
set style data lines
set xtics norotate
""" % {"out": outdir, "png": png, "dat": dat,
                "title": _gp_str("Guest instructions per I/O (cost pass: QD1 "
                                 "4k randread, null-co, TCG -icount), "
                                 "kernel %s" % releases[k])})
            pngs.append(png)
        if not pngs:
            continue
        gpf = os.path.join(outdir, "plot-%s.gp" % k)
        with open(gpf, "w") as f:
            f.write("".join(gp))
        r = subprocess.run(["gnuplot", gpf], capture_output=True, text=True)
        if r.returncode != 0:
            log("gnuplot failed: %s" % r.stderr.strip())
            continue
        made += pngs
    return made


def make_image(path, size):
    """A raw image for --backend file, filled with data (not holes) so
    reads go through the host's file system."""
    chunk = os.urandom(1 << 20)
    with open(path, "wb") as f:
        for _ in range(vm._size_bytes(size) >> 20):
            f.write(chunk)


def git_rev():
    try:
        rev = subprocess.run(["git", "-C", vm.ROOT, "rev-parse", "--short",
                              "HEAD"], capture_output=True, text=True,
                             check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", vm.ROOT, "status",
                                "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout
        return rev + ("-dirty" if dirty.strip() else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def summary_rst(summary):
    """The sections of summary.md ("## ..." on) as reStructuredText, for
    Documentation/benchmarks.rst to include: headings become subsections,
    pipe tables list-tables, other lines paragraphs."""
    out = []
    rows = []

    def flush():
        if not rows:
            return
        out.extend(["", ".. list-table::", "   :header-rows: 1", ""])
        for r in rows:
            for i, cell in enumerate(r):
                out.append(("   * - " if i == 0 else "     - ") +
                           (cell.replace("`", "``") or "\\"))
        out.append("")
        rows.clear()

    started = False
    for ln in summary.splitlines():
        if ln.startswith("## "):
            flush()
            started = True
            title = ln[3:].strip()
            out.extend(["", title, "-" * len(title), ""])
        elif not started:
            continue
        elif ln.startswith("|"):
            cells = [c.strip() for c in ln.strip().strip("|").split("|")]
            if not all(set(c) <= set("-:") for c in cells):
                rows.append(cells)
        else:
            flush()
            if ln.startswith("Plots: "):
                continue
            out.append(ln.replace("`", "``"))
    flush()
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(out))
    return text.strip() + "\n"


def report(results, meta, configs, outdir):
    """Write summary.md, results.json and the plots; return the summary."""
    series = list(meta["kernels"])
    summary = summarize(results, series, meta["workloads"], configs, meta)
    pngs = plots(results, series, meta["kernels"], meta["workloads"],
                 configs, meta, outdir)
    if pngs:
        summary += "\nPlots: " + ", ".join(pngs) + "\n"
    summary += costprofile.summary_md(meta.get("cost"))
    if meta["failures"]:
        summary += ("\nFailed runs (left out): " +
                    ", ".join(meta["failures"]) + "\n")
    with open(os.path.join(outdir, "summary.md"), "w") as f:
        f.write(summary + "\n")
    with open(os.path.join(outdir, "summary.rst"), "w") as f:
        f.write(".. SPDX-License-Identifier: GPL-2.0\n\n" +
                summary_rst(summary))
    with open(os.path.join(outdir, "results.json"), "w") as f:
        json.dump({"meta": meta, "results": results}, f, indent=1)
    return summary


def replot(outdir):
    with open(os.path.join(outdir, "results.json")) as f:
        data = json.load(f)
    meta = data["meta"]
    configs = [Config(**c) for c in meta["configs"].values()]
    print(report(data["results"], meta, configs, outdir))
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--kernels", default="6.12",
                   help='kernels to measure, e.g. "6.1 6.12" (default 6.12)')
    p.add_argument("--runs", type=int, default=3,
                   help="runs per configuration (default 3)")
    p.add_argument("--runtime", type=int, default=None,
                   help="seconds per fio job (default 3, --full 10)")
    p.add_argument("--full", action="store_true",
                   help="every configuration and workload, longer runs")
    p.add_argument("--backend", choices=("null-co", "file"),
                   default="null-co",
                   help="QEMU block backend: null-co (no data, pure stack "
                   "overhead; default) or file (a raw image file)")
    p.add_argument("--packed", action="store_true",
                   help="packed virtqueues (default split); NVMe has none")
    p.add_argument("--disk", default="size=1G,num-queues=2",
                   help="more disk properties (tests/vm/vmrun.py --help), "
                   "default %(default)s")
    p.add_argument("--idle-secs", type=int, default=10,
                   help="guest idle seconds for the idle host CPU figure "
                   "(default 10, 0: skip)")
    p.add_argument("--configs", help="comma-separated subset of: " +
                   ", ".join(c.name for c in CONFIGS) +
                   "\n(default: all with --full, else " +
                   ", ".join(c.name for c in CONFIGS if c.quick) + ")")
    p.add_argument("--workloads", help="comma-separated subset of: " +
                   ", ".join(w[0] for w in WORKLOADS) +
                   "\n(default: all with --full, else " +
                   ", ".join(QUICK_WORKLOADS) + ")")
    p.add_argument("--out", help="results directory")
    p.add_argument("--no-cost", action="store_true",
                   help="skip the cost profile pass (tests/profile)")
    p.add_argument("--replot", metavar="DIR",
                   help="only rewrite DIR's summary.md and plots from its "
                   "results.json")
    a = p.parse_args()
    if a.replot:
        return replot(a.replot)
    allc = [c.name for c in CONFIGS]
    if a.configs:
        want = a.configs.split(",")
        bad = [w for w in want if w not in allc]
        if bad:
            p.error("unknown configuration(s): %s" % ", ".join(bad))
        configs = [c for c in CONFIGS if c.name in want]
    else:
        configs = [c for c in CONFIGS if a.full or c.quick]
    allw = [w[0] for w in WORKLOADS]
    if a.workloads:
        workloads = a.workloads.split(",")
        bad = [w for w in workloads if w not in allw]
        if bad:
            p.error("unknown workload(s): %s" % ", ".join(bad))
        workloads = [w for w in allw if w in workloads]
    else:
        workloads = allw if a.full else list(QUICK_WORKLOADS)
    if a.runs < 1:
        p.error("--runs must be at least 1")
    if a.idle_secs < 0:
        p.error("--idle-secs must not be negative")
    runtime = a.runtime or (10 if a.full else 3)
    spec = "backend=%s,%s" % (a.backend, a.disk)
    if a.packed:
        spec += ",packed=on"
    # The modules are built from the tree as it is now, once: record its
    # revision now too, not after a run the tree may have moved under.
    rev = git_rev()
    started = datetime.datetime.now().isoformat(timespec="seconds")
    try:
        disk0 = vm.Disk.parse(spec)
        kernels = [vm.find_kernel(k) for k in a.kernels.split()]
        accel = vm.accel_choice()
        if any(c.driver == "ours" or c.cpuidle is not None for c in configs):
            for k in kernels:
                build.modules(k, shipped=True)
    except (vm.HarnessError, build.BuildError) as e:
        log("error: %s" % e)
        return 2
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    outdir = os.path.abspath(a.out or os.path.join(vm.ROOT, "results",
                                                   "bench-" + stamp))
    os.makedirs(outdir, exist_ok=True)
    image = None
    if disk0.backend == "file" and not disk0.path:
        image = disk0.path = os.path.join(outdir, "disk.img")
        log("writing %s raw image %s" % (disk0.size, image))
        make_image(image, disk0.size)
    total = len(kernels) * a.runs * len(configs)
    log("%d guest boots (%d kernel(s) x %d runs x %d configurations: %s), "
        "workloads %s, %ds per job, %s; results in %s" % (
            total, len(kernels), a.runs, len(configs),
            ", ".join(c.name for c in configs), ", ".join(workloads),
            runtime, accel, outdir))
    results = {}
    failures = []
    n = 0
    t0 = time.time()
    for k in kernels:
        results[k.series] = {c.name: [] for c in configs}
        for i in range(a.runs):
            order = configs[i % len(configs):] + configs[:i % len(configs)]
            for cfg in order:
                n += 1
                idle = a.idle_secs if measures_idle(cfg, configs) else 0
                el = time.time() - t0
                eta = "ETA ~%s" % hms(el / (n - 1) * (total - n + 1)) \
                    if n > 1 else "ETA after the first boot"
                log("[%d/%d] %s %s run %d/%d: booting (%s elapsed, %s)" % (
                    n, total, k.series, cfg.name, i + 1, a.runs, hms(el),
                    eta))
                rd = os.path.join(outdir, "raw", k.series,
                                  "%s-run%d" % (cfg.name, i + 1))
                os.makedirs(rd, exist_ok=True)
                t1 = time.time()
                res = None
                for attempt in (1, 2):
                    try:
                        res = run_one(k, cfg, workloads, runtime, idle, rd,
                                      dataclasses.replace(disk0))
                        break
                    except (vm.HarnessError, build.BuildError) as e:
                        log("error (attempt %d): %s" % (attempt, e))
                if res is None:
                    failures.append("%s %s run %d" % (k.series, cfg.name,
                                                      i + 1))
                    continue
                results[k.series][cfg.name].append(res)
                q = res["workloads"][workloads[0]]
                msg = "%s p50 %.1f µs, %.0f IOPS" % (
                    workloads[0], q["p50_us"], q["iops"])
                if res["idle"]:
                    msg += ", idle host CPU %.2f s" % (
                        res["idle"]["host_cpu_s_norm"])
                log("[%d/%d] %s %s run %d/%d: %s (%.0fs)" % (
                    n, total, k.series, cfg.name, i + 1, a.runs, msg,
                    time.time() - t1))
    if image:
        os.unlink(image)
    argv = sys.argv[1:]
    cmd = "python3 tests/bench.py" + "".join(
        " " + vm.shlex_quote(x) for x in argv)
    rest = [x for x in argv if x != "--full"]
    if rest in ([], ["--kernels", a.kernels]) or \
            rest == ["--kernels=" + a.kernels]:
        cmd = "make bench%s%s (%s)" % (
            ' KERNELS="%s"' % a.kernels if rest else "",
            " FULL=1" if a.full else "", cmd)
    meta = {"date": started,
            "finished": datetime.datetime.now().isoformat(timespec="seconds"),
            "git": rev,
            "host": os.uname().nodename, "cores": os.cpu_count(),
            "qemu": subprocess.run(
                ["qemu-system-x86_64", "--version"], capture_output=True,
                text=True).stdout.split("\n")[0].replace(
                    "QEMU emulator version", "QEMU").strip(),
            "accel": accel, "runs": a.runs, "runtime": runtime,
            "idle_secs": a.idle_secs, "backend": disk0.backend,
            "ring": "packed" if disk0.packed else "split", "disk": spec,
            "command": cmd,
            "configs": {c.name: dataclasses.asdict(c) for c in configs},
            "workloads": workloads, "failures": failures,
            "kernels": {k.series: k.release for k in kernels}}
    if not a.no_cost:
        # the profile's disk: 1 GiB of the run's backend and ring, on
        # each configuration's host
        meta["cost"] = costprofile.bench_pass(
            kernels, configs, outdir, log,
            disk_for=lambda c: host_disk(vm.Disk(
                backend=disk0.backend, size="1G", packed=disk0.packed),
                c.host))
    summary = report(results, meta, configs, outdir)
    print(summary)
    log("summary: %s/summary.md (%s)" % (outdir, hms(time.time() - t0)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
