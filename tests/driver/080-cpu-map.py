# SPDX-License-Identifier: GPL-2.0
"""Host side of driver/cpu-map: the VM shape of each {map} and the
hardware queues it must get; every CPU must appear exactly once in each
map, and the maps must be even."""

from caselib import check as expect
from vm import Disk

# map: default hctxs, poll hctxs
WANT = {
    "smp2-nq2-poll0": (2, 0),
    "smp2-nq1-poll0": (1, 0),
    "smp2-nq2-poll1": (1, 1),
    "smp4-nq4-poll2": (2, 2),
    "smp4-nq2-poll0": (2, 0),
    "smp2-nq4-poll0": (2, 0),       # more device queues than CPUs
    "smp2-nq1-poll1": (1, 0),       # cannot poll with one queue
}


def _shape(var):
    """(smp, device queues, poll_queues) of var["map"]."""
    smp, nq, poll = var["map"].split("-")
    return int(smp[3:]), int(nq[2:]), int(poll[4:])


def configure(ctx, kernel, var, spec):
    smp, nq, poll = _shape(var)
    return {"smp": smp, "params": "poll_queues=%d" % poll,
            "disks": [Disk(size="16M", num_queues=nq)]}


def check(ctx, r, res, kernel, var):
    smp, nq, poll = _shape(var)
    want_default, want_poll = WANT[var["map"]]
    rows = {}
    for ln in r.read("maps.txt").splitlines():
        h, _, cpus = ln.partition(":")
        rows[int(h)] = sorted(int(c) for c in
                              cpus.replace(",", " ").split())
    hctxs = sorted(rows)
    expect(len(hctxs) == want_default + want_poll,
           "expected %d+%d hardware queues, got %s" % (
               want_default, want_poll, rows))
    for name, ids in (("default", hctxs[:want_default]),
                      ("poll", hctxs[want_default:])):
        if not ids:
            continue
        seen = sorted(c for h in ids for c in rows[h])
        expect(seen == list(range(smp)),
               "%s map covers CPUs %s, want each of 0..%d once: %s"
               % (name, seen, smp - 1, rows))
        sizes = [len(rows[h]) for h in ids]
        expect(max(sizes) - min(sizes) <= 1,
               "%s map is uneven: %s" % (name, rows))
    ctx.note("smp=%d num-queues=%d poll_queues=%d: %s" % (
        smp, nq, poll, rows))
