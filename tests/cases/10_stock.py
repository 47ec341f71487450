# SPDX-License-Identifier: GPL-2.0
"""The in-tree virtio_blk through the harness: fio writes with crc32c
verification and a read-back pass, on split and packed rings.  Proves the
harness before our driver is judged by it."""

from caselib import KERNELS, case, check, fio_job
from vm import Disk

VERIFY = r'''
vbp_wait_dev /dev/vda
common="--filename=/dev/vda --direct=1 --verify=crc32c --verify_fatal=1"
vbp_fio rand4k --name=rand4k $common --rw=randwrite --bs=4k --size=24M \
	--ioengine=io_uring --iodepth=8 --numjobs=1
vbp_fio seq128k --name=seq128k $common --rw=write --bs=128k --size=32M \
	--offset=32M --ioengine=libaio --iodepth=4
# Read back what the first job wrote, in a fresh process.
vbp_fio readback --name=rand4k $common --rw=randwrite --bs=4k --size=24M \
	--ioengine=psync --verify_only=1
'''


def _verify(kernel, packed):
    def fn(ctx):
        r = ctx.vm_ok(kernel, VERIFY, driver="stock",
                      disks=[Disk(size="128M", packed=packed, num_queues=2)])
        for name in ("rand4k", "seq128k", "readback"):
            job = fio_job(r, name)
            check(job["error"] == 0, "%s: fio error %d" % (name, job["error"]))
        wr = fio_job(r, "rand4k")["write"]["io_bytes"]
        check(wr >= 24 << 20, "rand4k wrote only %d bytes" % wr)
        rd = fio_job(r, "readback")["read"]["io_bytes"]
        check(rd >= 24 << 20, "read-back verified only %d bytes" % rd)
    return fn


for _k in KERNELS:
    for _ring in ("split", "packed"):
        case("stock/verify/%s/%s" % (_k, _ring), quick=(_ring == "split"),
             group="stock")(_verify(_k, _ring == "packed"))
