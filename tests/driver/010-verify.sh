# SPDX-License-Identifier: GPL-2.0
# description: fio write + crc32c verify and a read-back, over ring/queues/poll queues
# name: driver/verify/{kernel}/{ring}/nq{nq}/poll{poll}
# matrix: ring=split,packed nq=1,2 poll=0,1
# exclude: kernel=debug nq=1
# params: poll_queues={poll}
# disks[ring=split]: size=64M,packed=off,num_queues={nq}
# disks[ring=packed]: size=64M,packed=on,num_queues={nq}
# env: ENGINE=--ioengine=libaio
# env[nq=2 poll=1]: "ENGINE=--ioengine=io_uring --hipri=1"
# quick[kernel=6.1 ring=split nq=2 poll=1]: yes
# quick[kernel=6.12 ring=split nq=2 poll=1]: yes
# group: driver
# group[kernel=debug]: debug
# lib: driver
# tier[kernel=debug ring=split poll=1]: check
#
# fio write + crc32c verify, then a read-back of the same pattern from a
# fresh process.  $ENGINE is the engine for the random 4k job; the poll
# configurations use io_uring with --hipri=1 (a disk with one queue
# cannot give one up for polling: there poll_queues=1 is reduced to 0).
# On the debug kernel (KASAN, lockdep, atomic-sleep and hung-task
# detection, any report fails the run) with two queues only.
vbp_wait_dev /dev/vda
common="--filename=/dev/vda --direct=1 --verify=crc32c --verify_fatal=1"
# A split ring's back end notifies a poll queue's first completion
# whatever the ring asks (poll queues keep a suppressed vector, see
# poll_queue_irq): a few polled reads take it before the count starts.
case "$ENGINE" in
*hipri*) vbp_fio warm --name=warm --filename=/dev/vda --direct=1 \
	--rw=randread --bs=4k --size=256k --ioengine=io_uring --hipri=1 ;;
esac
i0=$(vbp_disk_irqs vda)
vbp_stats_reset vda
# shellcheck disable=SC2086 # word splitting of $common, $ENGINE intended
vbp_fio rand4k --name=rand4k $common --rw=randwrite --bs=4k --size=16M \
	$ENGINE --iodepth=8
i1=$(vbp_disk_irqs vda)
vbp_result rand4k_irqs $((i1 - i0))
vbp_result rand4k_polls "$(vbp_stat vda polls)"
vbp_result rand4k_poll_completions "$(vbp_stat vda poll_completions)"
vbp_result rand4k_submitted "$(vbp_stat vda submitted)"
verify_seq_and_readback
grep -H . /sys/block/vda/mq/*/cpu_list
