# SPDX-License-Identifier: GPL-2.0
"""tools/vblkstat: its arithmetic on a made-up debugfs tree (host), and in
a guest: error messages, and counts that follow fio's."""

import json
import os
import shutil
import subprocess
import tempfile
import time

from caselib import (KERNELS, Fail, ROOT, case, check, fio_job,
                     module_files)
import vm

TOOL = os.path.join(ROOT, "tools", "vblkstat")


def _tool(args, dbg=None, shell="sh"):
    env = dict(os.environ)
    if dbg:
        env["VBLKSTAT_DEBUGFS"] = dbg
    return subprocess.run([shell, TOOL] + args, capture_output=True,
                          text=True, env=env, timeout=60)


def _write(path, pairs):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        for k, v in pairs:
            f.write("%s %s\n" % (k, v))


QSTAT = ("submitted", "kicks", "kicks_avoided", "interrupts", "completions",
         "polls", "polls_empty", "poll_completions")
CSTAT = ("entries", "polls", "poll_wakeups", "poll_timeouts", "io_polls",
         "io_wakeups", "io_completions", "halts", "grows", "shrinks",
         "resyncs", "poll_ns", "halt_ns", "window_ns", "hint_inflight",
         "hint_service_ns")


def _fake_tree(root):
    """A debugfs tree with known numbers: disk vda (q0 default, q1 poll,
    q10 default, to catch lexical queue order) and two CPUs."""
    v = os.path.join(root, "virtio-blk-poll", "vda")
    _write(os.path.join(v, "device"), [
        ("default_queues", 2), ("poll_queues", 1), ("queue_depth", 128),
        ("timeouts", 3), ("resets", 2), ("requeues", 1), ("failed", 0),
        ("dead", 0)])
    qs = {0: ("default", (1000, 800, 200, 400, 1000, 0, 0, 0)),
          1: ("poll", (5000000000, 2500, 0, 0, 0, 7500000000, 2500000000,
                       5000000000)),
          10: ("default", (10, 10, 0, 10, 10, 0, 0, 0))}
    for q, (t, vals) in qs.items():
        _write(os.path.join(v, "q%d" % q, "stats"),
               [("type", t)] + list(zip(QSTAT, vals)))
    for c in (0, 1):
        vals = (100, 80, 60, 20, 10, 4, 2, 20, 1, 1, 0, 7000000000, 5, 50000,
                0, 0)
        _write(os.path.join(root, "cpuidle_haltpoll_io", "cpu%d" % c),
               list(zip(CSTAT, vals)))
    return qs


@case("package/vblkstat/fake", group="package")
def fake(ctx):
    """Totals, ratios, JSON shape, options and errors on a made-up tree,
    with bash and busybox sh."""
    root = tempfile.mkdtemp(prefix="dbg-", dir=ctx.dir)
    _fake_tree(root)
    # busybox: sh, awk and the rest from busybox, as in the test guest
    bb = os.path.join(ctx.dir, "bb")
    os.makedirs(bb)
    for applet in ("sh", "awk", "sed", "date", "ls", "tr", "sleep", "id",
                   "cat"):
        os.symlink(shutil.which("busybox"), os.path.join(bb, applet))
    for shell in ("sh", "busybox"):
        env = dict(os.environ, VBLKSTAT_DEBUGFS=root)
        if shell == "busybox":
            env["PATH"] = bb + ":" + env["PATH"]
        r = subprocess.run(["sh", TOOL, "-j"], capture_output=True,
                           text=True, timeout=60, env=env)
        check(r.returncode == 0, "%s: vblkstat -j failed: %s" % (shell,
                                                                r.stderr))
        rep = json.loads(r.stdout)
        check(rep["interval_s"] is None, "totals report has an interval")
        d = rep["disks"][0]
        check(d["disk"] == "vda" and d["default_queues"] == 2 and
              d["poll_queues"] == 1 and d["queue_depth"] == 128,
              "%s: disk header wrong: %s" % (shell, d))
        check([q["queue"] for q in d["queues"]] == [0, 1, 10],
              "queue order %s" % [q["queue"] for q in d["queues"]])
        q0, q1 = d["queues"][0], d["queues"][1]
        check(q0["ios"] == 1000 and abs(q0["kicks_per_io"] - 0.8) < 1e-9 and
              abs(q0["irqs_per_io"] - 0.4) < 1e-9 and q0["polls_per_io"] == 0
              and q0["completions_per_poll"] is None,
              "%s: q0 ratios wrong: %s" % (shell, q0))
        # 64-bit counters must survive awk arithmetic
        check(q1["ios"] == 5000000000 and q1["polls"] == 7500000000 and
              abs(q1["polls_per_io"] - 1.5) < 1e-9 and
              abs(q1["completions_per_poll"] - 2 / 3) < 1e-4 and
              q1["irqs_per_io"] == 0 and q1["type"] == "poll",
              "%s: q1 wrong: %s" % (shell, q1))
        check(d["ios"] == 5000001010 and d["timeouts"] == 3 and
              d["resets"] == 2 and d["requeues"] == 1 and d["iops"] is None,
              "%s: disk totals wrong: %s" % (shell, d))
        c = rep["cpus"]
        check(len(c) == 2 and c[0]["polls"] == 80 and c[0]["hits"] == 60 and
              c[0]["halts"] == 20 and abs(c[0]["hit_ratio"] - 0.75) < 1e-9
              and c[0]["poll_ns"] == 7000000000 and c[1]["cpu"] == 1,
              "%s: cpu stats wrong: %s" % (shell, c))
    r = _tool([], dbg=root)
    check(r.returncode == 0 and "vda      all" in r.stdout and
          "cpu0" in r.stdout and "5000001010" in r.stdout,
          "text report wrong:\n%s%s" % (r.stdout, r.stderr))
    r = _tool(["-j", "-D", "-s", "-d", "vda"], dbg=root)
    rep = json.loads(r.stdout)
    check(rep["cpus"] == [] and len(rep["disks"]) == 1, "-D: %s" % r.stdout)
    r = _tool(["-j", "0.2", "2"], dbg=root)
    lines = r.stdout.splitlines()
    check(r.returncode == 0 and len(lines) == 2,
          "interval 0.2 count 2 gave %d reports: %s" % (len(lines), r.stderr))
    for ln in lines:
        rep = json.loads(ln)
        check(rep["interval_s"] > 0 and rep["disks"][0]["ios"] == 0 and
              rep["disks"][0]["iops"] == 0,
              "idle interval not zero: %s" % ln)
    # a counter reset (vblkstat -z) between two samples counts from zero
    q0 = os.path.join(root, "virtio-blk-poll", "vda", "q0", "stats")
    p = subprocess.Popen(["sh", TOOL, "-j", "-D", "1", "3"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=dict(os.environ,
                                             VBLKSTAT_DEBUGFS=root))
    time.sleep(1.5)
    _write(q0, [("type", "default")] +
           list(zip(QSTAT, (40, 40, 0, 40, 37, 0, 0, 0))))
    out, err = p.communicate(timeout=60)
    reps = [json.loads(ln) for ln in out.splitlines()]
    ios = [rep["disks"][0]["ios"] for rep in reps]
    check(p.returncode == 0 and len(reps) == 3 and sum(ios) == 37 and
          min(ios) >= 0,
          "after a reset to 37 completions, reports say %s (%s)" % (ios, err))
    # -z writes the reset files: 1 per disk, a CPU list for cpuidle
    r = _tool(["-z"], dbg=root)
    check(r.returncode == 1 and "predates reset files" in r.stderr,
          "-z without reset files: rc %d %r" % (r.returncode, r.stderr))
    vreset = os.path.join(root, "virtio-blk-poll", "vda", "reset")
    creset = os.path.join(root, "cpuidle_haltpoll_io", "reset")
    for f in (vreset, creset):
        open(f, "w").close()
    r = _tool(["-z"], dbg=root)
    check(r.returncode == 0 and open(vreset).read() == "1\n" and
          open(creset).read() == "all\n",
          "-z: rc %d %r" % (r.returncode, r.stderr))
    for f in (vreset, creset):
        os.remove(f)
    errs = [(["-d", "vdz"], 1, "no disk 'vdz'"),
            (["-z", "1"], 2, "--reset takes no interval"),
            (["0"], 2, "interval must be"),
            (["1", "x"], 2, "count must be"),
            (["--bogus"], 2, "unknown option"),
            (["-D", "-C"], 2, "exclude each other")]
    for args, rc, msg in errs:
        r = _tool(args, dbg=root)
        check(r.returncode == rc and msg in r.stderr,
              "vblkstat %s: rc %d, %r" % (" ".join(args), r.returncode,
                                           r.stderr))
    empty = tempfile.mkdtemp(prefix="empty-", dir=ctx.dir)
    r = _tool([], dbg=empty)
    check(r.returncode == 1 and "not loaded" in r.stderr,
          "no modules: rc %d %r" % (r.returncode, r.stderr))
    os.makedirs(os.path.join(empty, "virtio-blk-poll"))
    r = _tool(["-C"], dbg=empty)
    check(r.returncode == 1 and "cpuidle_haltpoll_io is not loaded" in
          r.stderr, "-C without cpuidle: %r" % r.stderr)
    r = _tool([], dbg=empty)
    check(r.returncode == 0 and "note: cpuidle_haltpoll_io" in r.stderr,
          "disks only: rc %d %r" % (r.returncode, r.stderr))
    # counters vblkstat has never heard of are reported under their names
    for rel, name in (("virtio-blk-poll/vda/device", "dev_new"),
                      ("virtio-blk-poll/vda/q0/stats", "q_new"),
                      ("virtio-blk-poll/vda/q1/stats", "q_new"),
                      ("virtio-blk-poll/vda/q1/stats", "dev_new"),
                      ("cpuidle_haltpoll_io/cpu0", "cpu_new")):
        with open(os.path.join(root, rel), "a") as f:
            f.write("%s 7\n" % name)
    r = _tool(["-j"], dbg=root)
    keys = []
    rep = json.loads(r.stdout, object_pairs_hook=lambda kv: (
        keys.append([k for k, _ in kv]), dict(kv))[1])
    d = rep["disks"][0]
    check(d["dev_new"] == 7 and d["q_new"] == 14 and
          d["queues"][0]["q_new"] == 7 and d["queues"][2]["q_new"] == 0 and
          d["queues"][1]["dev_new"] == 7 and
          rep["cpus"][0]["cpu_new"] == 7 and rep["cpus"][0]["grows"] == 1
          and all(len(k) == len(set(k)) for k in keys),
          "new counters are not reported, once each: %s" % r.stdout)
    check(list(d)[:10] == ["disk", "default_queues", "poll_queues",
                           "queue_depth", "dead", "timeouts", "resets",
                           "requeues", "failed", "dev_new"],
          "disk keys out of file order: %s" % list(d))
    ctx.note("totals, 64-bit counters, ratios, options, errors and a new "
             "counter ok (dash+mawk and busybox sh+awk)")


GUEST = r'''
# a copy in tmpfs: the 9p share of /in is not readable by other users
cp /in/vblkstat /in/vblkstat.awk /tmp/ && chmod 755 /tmp/vblkstat || fail "copy vblkstat"
V="sh /tmp/vblkstat"
expect_err() {	# WHAT PATTERN command...
	what=$1; pat=$2; shift 2
	out=$("$@" 2>&1) && fail "vblkstat succeeded $what: $out"
	echo "$out" | grep -q "$pat" || fail "vblkstat $what said: $out"
	echo "error $what: $out"
}
expect_err "with no module" "not loaded" $V
umount /sys/kernel/debug || fail umount
expect_err "without debugfs" "debugfs is not mounted" $V
mount -t debugfs debugfs /sys/kernel/debug || fail mount
# as nobody, with the script on stdin (the 9p shares are not readable
# by other users); the harness's initramfs root is mode 0700
chmod 755 /
asnobody() {
	/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups \
		sh -s < /tmp/vblkstat
}
expect_err "as nobody" "run as root" asnobody
vbp_load_stock
vbp_wait_dev /dev/vda
expect_err "with the in-tree driver" "in-tree driver" $V -D
vbp_unload

vbp_load_ours poll_queues=1
vbp_wait_dev /dev/vda
echo "io_poll=$(cat /sys/block/vda/queue/io_poll)"
/usr/sbin/insmod /in/cpuidle_haltpoll_io.ko || fail "cpuidle_haltpoll_io"

run_phase() {	# NAME fio-args...
	name=$1; shift
	vbp_stats_reset vda
	$V -j 1 > /out/vbs-$name.jsonl 2> /out/vbs-$name.err &
	pid=$!
	sleep 1.5
	vbp_fio $name --name=$name --filename=/dev/vda --rw=randread --bs=4k \
		--direct=1 --size=8M "$@"
	sleep 2.5
	kill $pid
	wait $pid 2>/dev/null
	$V -j -D > /out/vbs-$name-total.json || fail "totals $name"
	cat /sys/kernel/debug/virtio-blk-poll/vda/q*/stats > /out/raw-$name.txt
}
run_phase irq --ioengine=psync
# The back end notifies a poll queue's first completion whatever the ring
# asks (poll queues keep a suppressed vector): take it before counting.
vbp_fio warm --name=warm --filename=/dev/vda --rw=randread --bs=4k \
	--direct=1 --size=256k --ioengine=io_uring --hipri=1
run_phase poll --ioengine=io_uring --hipri=1 --iodepth=1
$V 1 1 > /out/vbs-text.txt || fail "text report"
cat /out/vbs-text.txt
'''


def _reports(r, name):
    out = []
    lines = (r.read("vbs-%s.jsonl" % name) or "").splitlines()
    for i, ln in enumerate(lines):
        try:
            out.append(json.loads(ln))
        except ValueError:
            if i != len(lines) - 1:     # only the last may be cut by kill
                raise Fail("bad JSON line %d of vbs-%s: %r" % (i, name, ln))
    return out


def _guest(series):
    def fn(ctx):
        k = ctx.kernel(series)
        files = dict(module_files(k), vblkstat=TOOL)
        files["vblkstat.awk"] = TOOL + ".awk"
        r = ctx.vm_ok(k, GUEST, files=files, timeout=480,
                      disks=[vm.Disk(size="64M", num_queues=2)])
        for name, qtype in (("irq", "default"), ("poll", "poll")):
            fio_ios = fio_job(r, name)["read"]["total_ios"]
            check(fio_ios == 2048, "fio %s did %d I/Os" % (name, fio_ios))
            reps = _reports(r, name)
            check(len(reps) >= 3, "%s: only %d reports" % (name, len(reps)))
            ios = sum(rep["disks"][0]["ios"] for rep in reps)
            # fio's I/Os, plus at most a few from elsewhere
            check(fio_ios <= ios <= fio_ios * 1.02 + 8,
                  "%s: vblkstat counted %d I/Os over %d reports, fio %d"
                  % (name, ios, len(reps), fio_ios))
            moved = [rep["disks"][0]["iops"] for rep in reps]
            check(max(moved) > 0 and
                  abs(sum(rep["disks"][0]["iops"] * rep["interval_s"]
                          for rep in reps) - ios) <= 0.02 * ios + 2,
                  "%s: IO/s does not add up to the I/Os: %s" % (name, moved))
            cpu_entries = sum(c["entries"] for rep in reps
                              for c in rep["cpus"])
            check(cpu_entries > 0, "%s: CPU idle entries did not move" % name)
            # the totals report equals the raw counters
            tot = json.loads(r.read("vbs-%s-total.json" % name))
            raw = {}
            for ln in r.read("raw-%s.txt" % name).splitlines():
                key, val = ln.split()
                if key != "type":
                    raw[key] = raw.get(key, 0) + int(val)
            td = tot["disks"][0]
            check(td["ios"] == raw["completions"] + raw["poll_completions"]
                  + raw.get("idle_completions", 0)
                  and td["kicks"] == raw["kicks"] and
                  td["polls"] == raw["polls"],
                  "%s: totals %s differ from debugfs %s" % (name, td, raw))
            check(abs(td["ios"] - ios) <= 2,
                  "%s: interval sum %d vs totals %d" % (name, ios, td["ios"]))
            q = {}
            for x in td["queues"]:
                if x["type"] != qtype:
                    continue
                for f in ("ios", "submitted", "kicks", "interrupts",
                          "polls", "poll_completions"):
                    q[f] = q.get(f, 0) + x[f]

            def ratio(a, b):
                return q[a] / q[b] if q[b] else None
            q["kicks_per_io"] = ratio("kicks", "submitted")
            q["irqs_per_io"] = ratio("interrupts", "ios")
            q["polls_per_io"] = ratio("polls", "ios")
            q["completions_per_poll"] = ratio("poll_completions", "polls")
            check(q["ios"] >= fio_ios,
                  "%s: the %s queue did only %d I/Os" % (name, qtype,
                                                         q["ios"]))
            if name == "irq":
                check(0 < q["irqs_per_io"] <= 1.05 and
                      0 < q["kicks_per_io"] <= 1.0,
                      "irq: irqs/IO %s kicks/IO %s" % (q["irqs_per_io"],
                                                       q["kicks_per_io"]))
            else:
                check(q["interrupts"] == 0 and q["polls_per_io"] >= 1 and
                      0 < q["completions_per_poll"] <= 1,
                      "poll: irqs %d polls/IO %s cpl/poll %s" % (
                          q["interrupts"], q["polls_per_io"],
                          q["completions_per_poll"]))
            iop = sum(c["io_polls"] for rep in reps for c in rep["cpus"])
            ctx.note("%s: fio %d I/Os, vblkstat %d over %d reports, "
                     "CPU idle entries %d (I/O-sized polls %d), "
                     "%s queues: %s" % (
                         name, fio_ios, ios, len(reps), cpu_entries, iop,
                         qtype,
                         ", ".join("%s=%s" % (f, round(q[f], 3)) for f in
                                   ("kicks_per_io", "irqs_per_io",
                                    "polls_per_io", "completions_per_poll")
                                   if q[f] is not None)))
        check("io_poll=1" in r.read("guest.log", ""),
              "queue/io_poll is not 1 with a poll queue")
        text = r.read("vbs-text.txt", "")
        check("IO/s" in text and "vda" in text and "cpu0" in text,
              "text report:\n" + text)
    return fn


for _k in KERNELS:
    case("package/vblkstat/" + _k, group="package")(_guest(_k))
