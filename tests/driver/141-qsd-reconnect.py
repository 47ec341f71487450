# SPDX-License-Identifier: GPL-2.0
"""Host side of driver/qsd-reconnect: the daemon is killed and restarted
under fio.  Our driver must not hang: with the back end back, fio's
verification and the earlier pattern must pass; without it, the I/O
must fail with the disk declared dead.  The stock driver (6.12) is a
measurement, not a verdict."""

import json
import os
import signal
import time

from caselib import check as expect, check_pattern, host_steps, results


def _outage(secs):
    def step(v):
        d = v.daemons[0]
        expect(d is not None and d.running, "no running daemon for vda")
        rc = d.stop(signal.SIGKILL)
        t0 = time.time()
        time.sleep(secs)
        d.start()
        up = time.time() - t0
        # QEMU's socket chardev retries once a second; the device is back
        # when QEMU has started its vhost device again
        back = None
        deadline = time.time() + 15
        while back is None and time.time() < deadline:
            time.sleep(0.5)
            if _vhost_started(v):
                back = time.time() - t0
        _virtio_state(v, "after-restart")
        with open(os.path.join(v.outdir, "vhost-back"), "w") as f:
            f.write("1\n" if back is not None else "0\n")
        return "daemon killed (rc %s), restarted after %.1fs, %s" % (
            rc, up, "vhost device started again after %.1fs" % back
            if back is not None else "QEMU did NOT start the vhost device "
            "again within 15s")
    return step


PATH = "/machine/peripheral/disk0-dev/virtio-backend"


def _vhost_started(v):
    return v.qmp.cmd("x-query-virtio-status", path=PATH)["vhost-started"]


def _virtio_state(v, tag):
    """QEMU's virtio status and queue indexes of vda into the run's
    directory (x-query-virtio-*, for the record)."""
    out = {}
    try:
        out["status"] = v.qmp.cmd("x-query-virtio-status", path=PATH)
        for q in range(2):
            out["q%d" % q] = v.qmp.cmd("x-query-virtio-queue-status",
                                       path=PATH, queue=q)
    except Exception as e:          # diagnostics only
        out["error"] = str(e)
    with open(os.path.join(v.outdir, "virtio-%s.json" % tag), "w") as f:
        json.dump(out, f, indent=1)


def configure(ctx, kernel, var, spec):
    return {"during": host_steps(outage=_outage(int(var["outage"])))}


def _qemu_log(r):
    """QEMU's first complaint (the disconnect), for the summary."""
    try:
        with open("%s/qemu.stderr" % r.outdir) as f:
            lines = [ln.strip() for ln in f if ln.strip()]
    except OSError:
        return "?"
    return lines[0] if lines else "nothing"


def _vhost_back(r):
    """Did QEMU start the vhost device again after the restart (as the
    outage step saw through QMP)?"""
    try:
        with open(os.path.join(r.outdir, "vhost-back")) as f:
            return f.read().strip() == "1"
    except OSError:
        return False


def run(ctx, kernel, var, spec):
    r = spec.run(ctx)
    res = results(r)
    expect(res.get("hung") == "0",
           "our driver: fio still running after the restart: %s" % res)
    expect(int(res["timeouts"]) >= 1,
           "io_timeout=2 did not fire during the outage: %s" % res)
    back = (_vhost_back(r) or res.get("probe") == "ok" or
            res.get("fio_rc") == "0")
    if back:
        # the back end came back (QEMU started its vhost device again):
        # everything must have gone through, and the disk must work
        expect(res.get("fio_rc") == "0" and res.get("verified") == "1",
               "back end is back but the I/O did not finish: %s" % res)
        check_pattern(r)
        what = "fio verify passed across the restart"
    else:
        # it did not: the I/O must have failed, not hung
        expect(res["dead"] == "1",
               "back end gone, fio failed, disk not declared dead: %s"
               % res)
        what = ("the restarted back end served no request (new read: %s), "
                "our driver failed the I/O cleanly (fio rc %s, disk dead)"
                % (res.get("probe"), res.get("fio_rc")))
    ctx.note("ours: %s; timeouts=%s resets=%s requeues=%s failed=%s; "
             "QEMU: %s"
             % (what, res["timeouts"], res["resets"], res["requeues"],
                res["failed"], _qemu_log(r)))
    if kernel != "6.12":
        return
    s = spec.run(ctx, ok=False, driver="stock", params="",
                 env={"DRIVER": "stock", "BOUND": 20}, hung_task_secs=0)
    sres = results(s)
    if sres.get("hung") == "1":
        ctx.note("stock hung: fio still running 20s after the restart "
                 "(%s, %s requests in flight; new read after the restart: "
                 "%s)" % (sres.get("hung_tasks"), sres.get("hung_inflight"),
                          sres.get("probe")))
    elif s.ok:
        ctx.note("stock: fio rc %s across the restart (new read: %s)"
                 % (sres.get("fio_rc"), sres.get("probe")))
    else:
        ctx.note("stock: %s" % s.summary().splitlines()[0])
