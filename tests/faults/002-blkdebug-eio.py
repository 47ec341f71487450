# SPDX-License-Identifier: GPL-2.0
"""Host side of faults/blkdebug-eio: the blkdebug rules and the check
that exactly the two bad blocks failed."""

from caselib import check as expect, check_pattern

RULE = """[inject-error]
event = "none"
iotype = "%s"
errno = "5"
sector = "%d"
once = "off"
immediately = "on"
"""


def _blocks(var):
    return int(var["blk0"]), int(var["rbad"]), int(var["wbad"])


def configure(ctx, kernel, var, spec):
    # Reads of block RBAD and writes of block WBAD fail (a sector inside
    # each 4 KiB block).
    blk0, rbad, wbad = _blocks(var)
    conf = RULE % ("read", (blk0 + rbad) * 8 + 3) + "\n" + \
        RULE % ("write", (blk0 + wbad) * 8 + 5)
    disks = spec.disks
    disks[0].blkdebug_conf = conf
    return {"disks": disks}


def check(ctx, r, res, kernel, var):
    blk0, rbad, wbad = _blocks(var)
    expect(res["wfail"] == str(wbad),
           "failed writes: %r, want exactly block %d" % (res["wfail"], wbad))
    expect(res["rfail"] == str(rbad),
           "failed reads: %r, want exactly block %d" % (res["rfail"], rbad))
    expect(res["corrupt"] == "", "blocks read back wrong: %s"
           % res["corrupt"])
    expect(res["resets"] == "0" and res["timeouts"] == "0",
           "an I/O error caused a timeout/reset: %s" % res)
    dm = r.read("dmesg.txt") or ""
    for blk, op in ((rbad, "READ"), (wbad, "WRITE")):
        want = "sector %d op 0x%d:(%s)" % ((blk0 + blk) * 8,
                                           1 if op == "WRITE" else 0, op)
        expect(want in dm, "no kernel I/O error line with %r" % want)
    check_pattern(r)
    ctx.note("EIO on exactly read block %d and write block %d of %s"
             % (rbad, wbad, var["nblk"]))
