# SPDX-License-Identifier: GPL-2.0
# description: seg_max far above a 4-entry ring without indirect descriptors
# name: review/small-ring
# disks: 64M,queue_size=4,indirect_desc=off
# timeout: 200
# group: driver
# group[kernel=debug]: debug
# lib: review
#
# queue-size 4 and no indirect descriptors: a request holds at most two
# data segments.  config_override raises seg_max to 126 (QEMU offers
# queue-size - 2); the driver must cap max_segments at what the ring
# holds, or a 64k request stops the queue with nothing in flight.
vbp_wait_dev /dev/vda
vdev=$(basename "$(readlink -f /sys/block/vda/device)")
drv=/sys/bus/virtio/drivers/virtio_blk
echo "seg_max=126" > "$VBP_DBG"/config_override || fail "config_override"
echo "$vdev" > $drv/unbind || fail "unbind"
vbp_log_mark
echo "$vdev" > $drv/bind || fail "bind"
vbp_wait_dev /dev/vda
echo clear > "$VBP_DBG"/config_override
vbp_result segments "$(cat /sys/block/vda/queue/max_segments)"
vbp_log_since | grep -q "does not fit a 4-entry ring" && vbp_result warned 1
fio --name=big --filename=/dev/vda --direct=1 --rw=randwrite --bs=64k \
	--size=4M --verify=crc32c --verify_fatal=1 --ioengine=libaio \
	--iodepth=4 --output-format=json --output="$VBP_OUT"/fio-big.json \
	> /dev/null 2>&1 &
pid=$!
vbp_exited $pid 60 || {
	grep -H . /sys/kernel/debug/block/vda/hctx*/state "$VBP_DBG"/vda/q*/stats
	fail "64k I/O on the small ring did not finish in 60 s ($(cat /sys/block/vda/inflight) in flight)"
}
wait $pid || { cat "$VBP_OUT"/fio-big.json; fail "64k I/O failed"; }
