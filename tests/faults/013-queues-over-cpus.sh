# SPDX-License-Identifier: GPL-2.0
# description: 16 device queues on 2 CPUs: 2 or 3 hardware queues
# smp: 2
# params: poll_queues=1
# disks: 64M,num_queues=16
# timeout: 200
# lib: faults
vbp_wait_dev /dev/vda
# sysfs names, ls counts them
# shellcheck disable=SC2012
ls /sys/block/vda/mq | wc -l
# sysfs names, ls counts them
# shellcheck disable=SC2012
vbp_result hctxs "$(ls /sys/block/vda/mq | wc -l)"
cat "$VBP_DBG"/vda/device
fault_pattern write pat
vbp_fio poll --name=poll --filename=/dev/vda --direct=1 --rw=randwrite \
	--bs=4k --size=8M --offset=32M --verify=crc32c --verify_fatal=1 \
	--ioengine=io_uring --hipri=1 --iodepth=8 --numjobs=2 --offset_increment=8M
fault_pattern verify verify
