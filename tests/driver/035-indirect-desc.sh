# SPDX-License-Identifier: GPL-2.0
# description: indirect_desc: the feature is negotiated or not, depth follows, large and polled I/O verify either way
# name: driver/indirect-desc-{ring}/{kernel}
# kernels: 6.1 6.12
# matrix: ring=split,packed
# driver: none
# modules: virtio_blk vbp_hints
# disks[ring=split]: size=64M,num_queues=2,queue_size=256,packed=off
# disks[ring=packed]: size=64M,num_queues=2,queue_size=256,packed=on
# quick[kernel=6.12 ring=split]: yes
# group: driver
#
# indirect_desc=0 (the default) leaves VIRTIO_RING_F_INDIRECT_DESC out of
# the negotiated features: each request takes its descriptors from the
# ring, the derived depth is half the ring.  indirect_desc=1 negotiates
# it as the in-tree driver does.  Either way 4k random writes at depth
# 128, beyond the 85 requests of 3 slots a 256-entry ring holds without
# tables, 1M writes
# (more segments than the ring has free slots, so the queue stops and
# restarts) and polled writes verify.
ko=/in/virtio_blk.ko
vbp_load_hints
indirect_bit() {	# bit 28 of the disk's negotiated features
	dev=$(basename "$(readlink -f /sys/block/vda/device)")
	cut -c29 "/sys/bus/virtio/devices/$dev/features"
}
try() {	# try MODE BIT DEPTH
	dmesg -c >/dev/null
	/usr/sbin/insmod $ko poll_queues=1 ${1:+indirect_desc=$1} ||
		fail "insmod indirect_desc=$1 refused"
	vbp_wait_dev /dev/vda
	got=$(indirect_bit)
	[ "$got" = "$2" ] || fail "indirect_desc=$1: feature bit 28 is $got, want $2"
	got=$(vbp_devstat vda queue_depth)
	[ "$got" = "$3" ] || fail "indirect_desc=$1: depth $got, want $3"
	if [ "$2" = 0 ]; then
		dmesg | grep -q "depth $3 without indirect descriptors" ||
			fail "indirect_desc=$1: no 'without indirect descriptors' line"
	fi
	common="--filename=/dev/vda --direct=1 --verify=crc32c --verify_fatal=1"
	# shellcheck disable=SC2086 # word splitting of $common intended
	fio --name=r4k $common --rw=randwrite --bs=4k --size=8M --iodepth=128 \
		--ioengine=libaio >/dev/null || fail "4k QD128 with indirect_desc=$1"
	# shellcheck disable=SC2086
	fio --name=w1m $common --rw=write --bs=1M --size=16M --offset=16M \
		--iodepth=8 --ioengine=libaio >/dev/null ||
		fail "1M QD8 with indirect_desc=$1"
	# shellcheck disable=SC2086
	fio --name=poll $common --rw=randwrite --bs=4k --size=4M --offset=40M \
		--iodepth=4 --ioengine=io_uring --hipri=1 >/dev/null ||
		fail "polled 4k with indirect_desc=$1"
	[ "$(vbp_stat vda poll_completions)" != 0 ] ||
		fail "indirect_desc=$1: no polled completions"
	/usr/sbin/rmmod virtio_blk || fail "rmmod after indirect_desc=$1"
	vbp_log "indirect_desc=${1:-default}: feature bit $2, depth $3, verified"
}
try "" 0 128
try 1 1 256
try 0 0 128
