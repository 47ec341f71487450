# SPDX-License-Identifier: GPL-2.0
# description: debugfs config_override: geometries QEMU cannot offer
# params: poll_queues=1
# disks: 64M,num_queues=2
# timeout: 300
# lib: faults
#
# debugfs config_override: geometries QEMU cannot offer.  The device is
# rebound after each override so that the probe reads the forced values:
# seg_max 1 with a one-page size_max, a size_max below a page (probe
# refused with a message: the block layer cannot keep segments that
# small, and raising the limit would send the device larger segments than
# it takes), MQ with one queue (poll_queues=1 must fall back to
# interrupts) and MQ with zero queues (probe refused with a message).
vbp_wait_dev /dev/vda
fault_pattern write pat
ovr=$VBP_DBG/config_override
vdev=$(basename "$(readlink -f /sys/block/vda/device)")
drv=/sys/bus/virtio/drivers/virtio_blk
echo bogus=1 > "$ovr" 2>/dev/null && fail "config_override took bogus=1"
# rebind OVERRIDE: apply OVERRIDE, then unbind (if bound) and bind the
# disk.
rebind() {
	echo clear > "$ovr" || fail "config_override clear"
	echo "$1" > "$ovr" || fail "config_override $1"
	vbp_log "config_override now: $(tr '\n' ' ' < "$ovr")"
	if [ -e $drv/"$vdev" ]; then
		echo "$vdev" > $drv/unbind || fail "unbind $vdev"
	fi
	echo "$vdev" > $drv/bind
}
q=/sys/block/vda/queue

rebind "seg_max=1 size_max=4096"
vbp_wait_dev /dev/vda
vbp_result seg1_segments "$(cat $q/max_segments)"
vbp_result seg1_segsize "$(cat $q/max_segment_size)"
vbp_fio seg1 --name=seg1 --filename=/dev/vda --direct=1 --rw=randwrite \
	--bs=64k --size=8M --offset=32M --verify=crc32c --verify_fatal=1 \
	--ioengine=libaio --iodepth=8
vbp_fio seg1ua --name=seg1ua --filename=/dev/vda --direct=1 --rw=write \
	--bs=12k --size=3M --offset=40M --verify=crc32c --verify_fatal=1 \
	--ioengine=libaio --iodepth=4
vbp_fio seg1poll --name=seg1poll --filename=/dev/vda --direct=1 \
	--rw=randwrite --bs=4k --size=4M --offset=44M --verify=crc32c \
	--verify_fatal=1 --ioengine=io_uring --hipri=1 --iodepth=4
[ "$(vbp_stat vda poll_completions)" != 0 ] || fail "no polled completions with seg_max 1"

vbp_log_mark
rebind "size_max=512"
sleep 1
[ -b /dev/vda ] && fail "a device with size_max 512 was bound (max_segment_size $(cat $q/max_segment_size))"
vbp_log_since | grep -q "unusable device configuration: size_max .* below the page size" ||
	{ vbp_log_since | tail; fail "no refusal message for size_max 512"; }
vbp_result small_refused 1

vbp_log_mark
rebind "num_queues=1"
vbp_wait_dev /dev/vda
cat "$VBP_DBG"/vda/device
# sysfs names, ls counts them
# shellcheck disable=SC2012
vbp_result mq1_hctxs "$(ls /sys/block/vda/mq | wc -l)"
vbp_result mq1_poll "$(vbp_devstat vda poll_queues)"
vbp_log_since | grep -q "poll_queues=1 reduced to 0" ||
	fail "no message for poll_queues reduced on one queue"
vbp_fio mq1 --name=mq1 --filename=/dev/vda --direct=1 --rw=randwrite \
	--bs=4k --size=4M --offset=48M --verify=crc32c --verify_fatal=1 \
	--ioengine=libaio --iodepth=16 --numjobs=2 --offset_increment=4M

vbp_log_mark
rebind "num_queues=0"
sleep 1
[ -b /dev/vda ] && fail "a device with MQ and zero queues was bound"
vbp_log_since | grep -q "MQ with zero queues" || fail "no message for zero queues"
vbp_result mq0_refused 1

echo clear > "$ovr" || fail "config_override clear"
[ -z "$(cat "$ovr")" ] || fail "config_override not cleared: $(cat "$ovr")"
echo "$vdev" > $drv/bind || fail "bind $vdev after clear"
vbp_wait_dev /dev/vda
vbp_result clear_segments "$(cat $q/max_segments)"
fault_pattern verify verify
