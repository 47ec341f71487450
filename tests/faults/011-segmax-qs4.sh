# SPDX-License-Identifier: GPL-2.0
# description: queue-size 4: max_segments follows seg_max, large and odd I/O
# name: faults/segmax-qs4-{ring}/{kernel}
# matrix: ring=split,packed
# params: poll_queues=1
# disks: 64M,num_queues=2,queue_size=4,packed=off
# disks[ring=packed]: 64M,num_queues=2,queue_size=4,packed=on
# timeout: 300
# lib: faults
vbp_wait_dev /dev/vda
q=/sys/block/vda/queue
echo "max_segments $(cat $q/max_segments) max_sectors_kb $(cat $q/max_sectors_kb)"
vbp_result max_segments "$(cat $q/max_segments)"
vbp_fio big --name=big --filename=/dev/vda --direct=1 --rw=randwrite \
	--bs=512k --size=16M --offset=32M --verify=crc32c --verify_fatal=1 \
	--ioengine=libaio --iodepth=8 --iomem_align=4096
vbp_fio unaligned --name=ua --filename=/dev/vda --direct=1 --rw=write \
	--bs=12k --size=6M --offset=16M --verify=crc32c --verify_fatal=1 \
	--ioengine=libaio --iodepth=4
# Polled bios are REQ_NOWAIT on 6.1 and cannot be split there: with a
# 12k polled write that needs a split, 6.1's io-wq retries -EAGAIN
# forever before the driver sees anything.  Polled I/O stays within
# max_segments pages.
vbp_fio polled --name=po --filename=/dev/vda --direct=1 --rw=write \
	--bs=$(( $(cat $q/max_segments) * 4 ))k --size=6M --offset=24M \
	--verify=crc32c --verify_fatal=1 --ioengine=io_uring --hipri=1 --iodepth=4
fault_pattern write pat
fault_pattern verify verify
