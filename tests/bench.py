#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench: our virtio_blk vs the in-tree one, side by side.

Every configuration boots the same kernel with the same QEMU command line;
only the guest side changes (which driver, which parameters, which fio
engine).  Runs alternate between configurations (A B C D, then rotated)
so drift hits all alike; each figure is the median of the runs, with the
min-max range beside it.

    python3 tests/bench.py [--kernels "6.1 6.12"] [--runs N] [--full]
"""

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "vm"))

import build  # noqa: E402
import vm  # noqa: E402

# Guest configurations: driver, module parameters, fio engine options.
CONFIGS = [
    ("stock-irq", "stock", "", "--ioengine=io_uring"),
    ("stock-poll", "stock", "poll_queues=1", "--ioengine=io_uring --hipri=1"),
    ("ours-irq", "ours", "", "--ioengine=io_uring"),
    ("ours-poll", "ours", "poll_queues=1", "--ioengine=io_uring --hipri=1"),
]
PAIRS = [("ours-irq", "stock-irq"), ("ours-poll", "stock-poll")]

# Workloads: name, fio options.  QD1 jobs carry the latency figures.
WORKLOADS = [
    ("qd1-randread-4k", "--rw=randread --bs=4k --iodepth=1 --numjobs=1"),
    ("qd1-randwrite-4k", "--rw=randwrite --bs=4k --iodepth=1 --numjobs=1"),
    ("qd16x2-randread-4k", "--rw=randread --bs=4k --iodepth=16 "
     "--numjobs=2 --group_reporting"),
    ("seqread-128k", "--rw=read --bs=128k --iodepth=4 --numjobs=1"),
]
QUICK_WORKLOADS = ("qd1-randread-4k", "qd1-randwrite-4k")

PCTS = [1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 99.5, 99.9, 99.99]

GUEST = r'''
vbp_wait_dev /dev/vda
# Warm up outside the measured window (page tables, caches, queue state).
fio --name=warmup --filename=/dev/vda --direct=1 --time_based --runtime=1 \
	--size=256M $ENGINE --rw=randread --bs=4k --iodepth=1 >/dev/null ||
	fail "fio warmup"
for w in $WORKLOADS; do
	eval "opts=\$W_$(echo $w | tr - _)"
	i0=$(vbp_disk_irqs vda); c0=$(vbp_cpu_busy)
	vbp_mark $w-start
	fio --output-format=json --output=$VBP_OUT/fio-$w.json --name=$w \
		--filename=/dev/vda --direct=1 --time_based --runtime=$RUNTIME \
		--size=256M --randrepeat=0 \
		--percentile_list=$PCTS $ENGINE $opts ||
		fail "fio $w"
	vbp_mark $w-end
	i1=$(vbp_disk_irqs vda); c1=$(vbp_cpu_busy)
	echo "$w irqs=$((i1 - i0)) busy_ticks=$((c1 - c0))" >> $VBP_OUT/counters.txt
done
'''


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


class Marks:
    """Samples QEMU's CPU time when the guest's mark files appear."""

    def __init__(self, names):
        self.names = names
        self.cpu = {}

    def __call__(self, v):
        outdir = os.path.join(v.outdir, "out")
        want = ["%s-%s" % (n, e) for n in self.names for e in ("start", "end")]
        while v.proc.poll() is None and len(self.cpu) < len(want):
            for m in want:
                if m not in self.cpu and os.path.exists(
                        os.path.join(outdir, "mark-" + m)):
                    self.cpu[m] = vm.proc_cpu_seconds(v.proc.pid)
            time.sleep(0.02)


def run_one(kernel, cfg, workloads, runtime, outdir, disk_spec):
    name, driver, params, engine = cfg
    wl = [w for w in WORKLOADS if w[0] in workloads]
    env = {"WORKLOADS": " ".join(w[0] for w in wl), "RUNTIME": runtime,
           "ENGINE": engine, "PCTS": ":".join(str(p) for p in PCTS)}
    for w, opts in wl:
        env["W_" + w.replace("-", "_")] = opts
    files = {}
    if driver == "ours":
        files["virtio_blk.ko"] = build.module(kernel, "virtio_blk")
    script = "vbp_load %s %s\n%s" % (driver, params, GUEST)
    marks = Marks([w[0] for w in wl])
    v = vm.VM(kernel, script, disks=[vm.Disk.parse(disk_spec)],
              outdir=outdir, files=files, env=env, during=marks,
              timeout=120 + len(wl) * (runtime + 15))
    r = v.run()
    if not r.ok:
        raise vm.HarnessError("%s failed: %s" % (name, r.summary()))
    counters = {}
    for ln in (r.read("counters.txt") or "").splitlines():
        parts = ln.split()
        counters[parts[0]] = dict(p.split("=") for p in parts[1:])
    out = {}
    for w, _ in wl:
        job = json.loads(r.read("fio-%s.json" % w))["jobs"][0]
        d = job["read"] if job["read"]["total_ios"] else job["write"]
        ios = d["total_ios"]
        pct = d["clat_ns"].get("percentile", {})
        c = counters.get(w, {})
        host = None
        if "%s-end" % w in marks.cpu and "%s-start" % w in marks.cpu:
            host = marks.cpu["%s-end" % w] - marks.cpu["%s-start" % w]
        out[w] = {
            "iops": d["iops"],
            "ios": ios,
            "p50_us": pct.get("50.000000", 0) / 1000,
            "p99_us": pct.get("99.000000", 0) / 1000,
            "p999_us": pct.get("99.900000", 0) / 1000,
            "cdf": {k: v / 1000 for k, v in pct.items()},
            "irq_per_io": int(c.get("irqs", 0)) / ios if ios else None,
            "guest_cpu_us_per_io": (int(c.get("busy_ticks", 0)) * 1e6 /
                                    os.sysconf("SC_CLK_TCK") / ios)
            if ios else None,
            "host_cpu_us_per_io": host * 1e6 / ios if ios and host else None,
        }
    return out


def med(vals):
    vals = [v for v in vals if v is not None]
    if not vals:
        return None, None, None
    return statistics.median(vals), min(vals), max(vals)


FIGS = [("p50_us", "p50 µs", 1), ("p99_us", "p99 µs", 1),
        ("p999_us", "p99.9 µs", 1), ("iops", "IOPS", 0),
        ("irq_per_io", "irq/IO", 2), ("guest_cpu_us_per_io", "guest CPU µs/IO", 1),
        ("host_cpu_us_per_io", "host CPU µs/IO", 1)]


def fmt(m, nd):
    v, lo, hi = m
    if v is None:
        return "n/a"
    f = "%%.%df" % nd
    return (f + " (" + f + "–" + f + ")") % (v, lo, hi)


def summarize(results, kernels, workloads, meta):
    lines = ["# virtio-blk-poll benchmark", "",
             "- date: %s" % meta["date"],
             "- machine: %s, %d host cores, accel %s" % (
                 meta["host"], meta["cores"], meta["accel"]),
             "- command: `%s`" % meta["command"],
             "- disk: `%s`, %d runs per configuration, %ds per job, "
             "configurations alternated" % (meta["disk"], meta["runs"],
                                            meta["runtime"]),
             "- figures: median (min–max) over the runs; latency is fio "
             "completion latency", ""]
    if meta["accel"] == "tcg":
        lines += ["Under TCG (no KVM) absolute times are inflated by "
                  "emulation; compare ratios measured in the same run.", ""]
    for k in kernels:
        for w in workloads:
            lines += ["## %s, %s" % (k, w), "",
                      "| configuration | " + " | ".join(f[1] for f in FIGS)
                      + " |", "|---" * (len(FIGS) + 1) + "|"]
            for cfg in [c[0] for c in CONFIGS]:
                runs = results.get(k, {}).get(cfg, [])
                row = [fmt(med([r[w][f[0]] for r in runs]), f[2])
                       for f in FIGS]
                lines.append("| %s | %s |" % (cfg, " | ".join(row)))
            lines.append("")
            lines += ["| ratio | p50 | p99 | IOPS |", "|---|---|---|---|"]
            for a, b in PAIRS:
                ra = results.get(k, {}).get(a, [])
                rb = results.get(k, {}).get(b, [])
                cells = []
                for f in ("p50_us", "p99_us", "iops"):
                    va = med([r[w][f] for r in ra])[0]
                    vb = med([r[w][f] for r in rb])[0]
                    cells.append("%.3f" % (va / vb) if va and vb else "n/a")
                lines.append("| %s / %s | %s |" % (a, b, " | ".join(cells)))
            lines.append("")
    return "\n".join(lines)


def plots(results, kernels, outdir):
    """gnuplot PNGs: QD1 latency CDF and p50/p99 bars per kernel."""
    made = []
    for k in kernels:
        w = "qd1-randread-4k"
        dat = os.path.join(outdir, "cdf-%s.dat" % k)
        with open(dat, "w") as f:
            for cfg in [c[0] for c in CONFIGS]:
                runs = results.get(k, {}).get(cfg, [])
                if not runs:
                    continue
                f.write('"%s"\n' % cfg)
                for p in PCTS:
                    key = "%.6f" % p
                    vals = [r[w]["cdf"].get(key) for r in runs]
                    m = med(vals)[0]
                    if m:
                        f.write("%f %f\n" % (m, p / 100))
                f.write("\n\n")
        bars = os.path.join(outdir, "bars-%s.dat" % k)
        with open(bars, "w") as f:
            for cfg in [c[0] for c in CONFIGS]:
                runs = results.get(k, {}).get(cfg, [])
                if runs:
                    f.write('"%s" %f %f\n' % (
                        cfg, med([r[w]["p50_us"] for r in runs])[0],
                        med([r[w]["p99_us"] for r in runs])[0]))
        ncfg = sum(1 for c in CONFIGS if results.get(k, {}).get(c[0]))
        gp = """
set terminal pngcairo size 900,600 font ",11"
set output "%(out)s/latency-cdf-%(k)s.png"
set title "QD1 4k randread completion latency, kernel %(k)s"
set xlabel "completion latency (µs, log scale)"
set ylabel "fraction of I/Os"
set logscale x
set key bottom right
set grid
set yrange [0:1]
plot for [i=0:%(last)d] "%(dat)s" index i using 1:2 with linespoints \\
    title columnheader(1)
set output "%(out)s/latency-bars-%(k)s.png"
set title "QD1 4k randread latency: ours vs stock, kernel %(k)s"
unset logscale x
set ylabel "completion latency (µs)"
set xlabel "configuration"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key top left
set yrange [0:*]
unset xrange
plot "%(bars)s" using 2:xtic(1) title "p50", "" using 3 title "p99"
""" % {"out": outdir, "k": k, "dat": dat, "bars": bars,
            "last": max(ncfg - 1, 0)}
        gpf = os.path.join(outdir, "plot-%s.gp" % k)
        with open(gpf, "w") as f:
            f.write(gp)
        r = subprocess.run(["gnuplot", gpf], capture_output=True, text=True)
        if r.returncode != 0:
            log("gnuplot failed: %s" % r.stderr.strip())
            continue
        made += ["latency-cdf-%s.png" % k, "latency-bars-%s.png" % k]
    return made


def main():
    global CONFIGS
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--kernels", default="6.12",
                   help='kernels to measure, e.g. "6.1 6.12" (default 6.12)')
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--runtime", type=int, default=None,
                   help="seconds per fio job (default 4, --full 10)")
    p.add_argument("--full", action="store_true",
                   help="all workloads and longer runs")
    p.add_argument("--disk", default="backend=null-co,size=1G,num-queues=2",
                   help="disk spec (tests/vm/vmrun.py --help)")
    p.add_argument("--configs", help="comma-separated subset of: " +
                   ", ".join(c[0] for c in CONFIGS))
    p.add_argument("--out", help="results directory")
    a = p.parse_args()
    if a.configs:
        want = a.configs.split(",")
        bad = [w for w in want if w not in [c[0] for c in CONFIGS]]
        if bad:
            p.error("unknown configuration(s): %s" % ", ".join(bad))
        CONFIGS = [c for c in CONFIGS if c[0] in want]
    if a.runs < 1:
        p.error("--runs must be at least 1")
    runtime = a.runtime or (10 if a.full else 4)
    workloads = [w[0] for w in WORKLOADS] if a.full else list(QUICK_WORKLOADS)

    try:
        kernels = [vm.find_kernel(k) for k in a.kernels.split()]
        accel = vm.accel_choice()
        if any(c[1] == "ours" for c in CONFIGS):
            for k in kernels:
                build.modules(k)
    except (vm.HarnessError, build.BuildError) as e:
        log("error: %s" % e)
        return 2
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    outdir = a.out or os.path.join(vm.ROOT, "results", "bench-" + stamp)
    os.makedirs(outdir, exist_ok=True)
    total = len(kernels) * a.runs * len(CONFIGS)
    log("%d guest boots (%d kernels x %d runs x %d configurations), %s, "
        "results in %s" % (total, len(kernels), a.runs, len(CONFIGS),
                           accel, outdir))
    results = {}
    n = 0
    t0 = time.time()
    for k in kernels:
        results[k.series] = {c[0]: [] for c in CONFIGS}
        for i in range(a.runs):
            order = CONFIGS[i % len(CONFIGS):] + CONFIGS[:i % len(CONFIGS)]
            for cfg in order:
                n += 1
                rd = os.path.join(outdir, "raw", k.series,
                                  "%s-run%d" % (cfg[0], i + 1))
                os.makedirs(rd, exist_ok=True)
                t1 = time.time()
                try:
                    res = run_one(k, cfg, workloads, runtime, rd, a.disk)
                except (vm.HarnessError, build.BuildError) as e:
                    log("error: %s" % e)
                    return 1
                results[k.series][cfg[0]].append(res)
                q = res[workloads[0]]
                eta = (time.time() - t0) / n * (total - n)
                log("[%d/%d] %s %s run %d: %s p50 %.1f µs, %.0f IOPS "
                    "(%.0fs; ~%.0fs left)" % (
                        n, total, k.series, cfg[0], i + 1, workloads[0],
                        q["p50_us"], q["iops"], time.time() - t1, eta))
    meta = {"date": datetime.datetime.now().isoformat(timespec="seconds"),
            "host": os.uname().nodename, "cores": os.cpu_count(),
            "accel": accel, "runs": a.runs, "runtime": runtime,
            "disk": a.disk, "command": "make bench" + (
                ' KERNELS="%s"' % a.kernels if a.kernels != "6.12" else "") +
            (" FULL=1" if a.full else ""),
            "kernels": {k.series: k.release for k in kernels}}
    series = [k.series for k in kernels]
    summary = summarize(results, series, workloads, meta)
    pngs = plots(results, series, outdir)
    if pngs:
        summary += "\nPlots: " + ", ".join(pngs) + "\n"
    with open(os.path.join(outdir, "summary.md"), "w") as f:
        f.write(summary + "\n")
    with open(os.path.join(outdir, "results.json"), "w") as f:
        json.dump({"meta": meta, "results": results}, f, indent=1)
    print(summary)
    log("summary: %s/summary.md" % outdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
