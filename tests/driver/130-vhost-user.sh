# SPDX-License-Identifier: GPL-2.0
# description: fio verify on qemu-storage-daemon vhost-user-blk, 0 interrupts on poll queues during polled I/O (qsd and QEMU's device)
# name: driver/vhost-user/{kernel}/{host}/poll{poll}
# matrix: host=qsd,qemu,qemu-vec2 poll=0,1
# exclude: host=qemu poll=0
# exclude: host=qemu-vec2 poll=0
# exclude: kernel=debug host=qemu
# exclude: kernel=debug host=qemu-vec2
# exclude: kernel=debug poll=0
# params: poll_queues={poll}
# disks[host=qsd]: size=64M,host=qsd,num_queues=2
# disks[host=qemu]: size=64M,num_queues=2
# disks[host=qemu-vec2]: size=64M,num_queues=2,vectors=2
# env: ENGINE=--ioengine=libaio
# env[poll=1]: "ENGINE=--ioengine=io_uring --hipri=1"
# timeout: 200
# quick[kernel=6.12 host=qsd poll=1]: yes
# group[kernel=debug]: debug
# lib: driver
#
# Poll queues on a vhost-user back end (qemu-storage-daemon's
# vhost-user-blk export, 2 queues) and, for comparison, on QEMU's
# built-in virtio-blk-pci, with our driver's default poll_queue_irq=2:
# the poll queue keeps a vector with notifications suppressed.  fio
# writes and verifies (crc32c), then a read-back from a fresh process.
# With poll_queues=1 the random 4k job is polled (io_uring --hipri=1);
# the poll queue (q1) must take no interrupt during it, counted twice:
# its /proc/interrupts line (req_poll) and its debugfs "interrupts".
# Both back ends notify a poll queue's first completion whatever the
# ring says (and libvhost-user kicks a call eventfd when it gets one),
# so interrupts are counted from after a short polled warm-up; the
# counts before it are recorded.  The measured job stays well below
# 65536 completions: when the used index passes 0 again it meets the
# used_event 0 that virtqueue_disable_cb() leaves, and the back end
# notifies once.
# Split ring only: the export (libvhost-user, QEMU 7.2) offers no packed
# ring, packed=on would negotiate split anyway.
# qemu-vec2: a device with 2 MSI-X vectors for 2 queues + config; auto
# falls back to a poll queue without vector, says so, and polls.
vbp_wait_dev /dev/vda
vdev=$(basename "$(readlink -f /sys/block/vda/device)")
vbp_result probe "$(dmesg | grep "$vdev: .* poll queues" | tail -n 1 | sed 's/^.*: //')"
vbp_result vectors "$(grep -c "$vdev-" /proc/interrupts)"
# The poll queue is q1: the only one with 2 queues and poll_queues=1.
common="--filename=/dev/vda --direct=1 --verify=crc32c --verify_fatal=1"
if [ "$POLL" = 1 ]; then
	i0=$(vbp_irqs "$vdev-req_poll")
	s0=$(vbp_stat vda interrupts 1)
	vbp_fio warm --name=warm --filename=/dev/vda --direct=1 --rw=randread \
		--bs=4k --size=1M --ioengine=io_uring --hipri=1 --iodepth=4
	i1=$(vbp_irqs "$vdev-req_poll")
	s1=$(vbp_stat vda interrupts 1)
	vbp_result pq_irqs_before_warm "$i0"
	vbp_result pq_irqs_warm "$((i1 - i0))"
	vbp_result pq_interrupts_before_warm "$s0"
	vbp_result pq_interrupts_warm "$((s1 - s0))"
	p0=$(vbp_stat vda poll_completions 1)
fi
i1=$(vbp_irqs "$vdev-req_poll")
s1=$(vbp_stat vda interrupts 1)
a1=$(vbp_disk_irqs vda)
# shellcheck disable=SC2086 # word splitting of $common, $ENGINE intended
vbp_fio rand4k --name=rand4k $common --rw=randwrite --bs=4k --size=16M \
	$ENGINE --iodepth=8
i2=$(vbp_irqs "$vdev-req_poll")
a2=$(vbp_disk_irqs vda)
vbp_result rand4k_irqs "$((a2 - a1))"
if [ "$POLL" = 1 ]; then
	s2=$(vbp_stat vda interrupts 1)
	vbp_result rand4k_pq_irqs "$((i2 - i1))"
	vbp_result rand4k_pq_interrupts "$((s2 - s1))"
	vbp_result rand4k_pq_poll_completions "$(($(vbp_stat vda poll_completions 1) - p0))"
	vbp_result rand4k_pq_polls "$(vbp_stat vda polls 1)"
fi
verify_seq_and_readback
grep "$vdev-" /proc/interrupts
