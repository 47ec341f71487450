# SPDX-License-Identifier: GPL-2.0
# description: data written before an unload reads back after a reload with poll queues
# disks: size=64M,num_queues=2
# group: driver
# group[kernel=debug]: debug
vbp_wait_dev /dev/vda
c="--name=pat --filename=/dev/vda --direct=1 --verify=crc32c --verify_fatal=1 --rw=randwrite --bs=4k --size=16M"
# shellcheck disable=SC2086 # word splitting of $c intended
vbp_fio write $c --ioengine=libaio --iodepth=8
vbp_unload
[ -b /dev/vda ] && fail "/dev/vda still there after unload"
vbp_load_ours poll_queues=1
vbp_wait_dev /dev/vda
# shellcheck disable=SC2086 # word splitting of $c intended
vbp_fio verify $c --ioengine=io_uring --hipri=1 --verify_only=1
