# SPDX-License-Identifier: GPL-2.0
# description: bad options at load are lowered or ignored; zoned device models
# name: review/params-zoned
# driver: none
# modules: virtio_blk vbp_hints
# disks: 16M,num_queues=2,queue_size=256
# timeout: 240
# group: review
#
# Review findings on parameters and device models (issue 13):
# - item 5: an out-of-range or unparsable option at load time must not
#   stop the module from loading (the root disk of a guest whose initramfs
#   carries the option would be missing): out-of-range values are lowered
#   with a warning, text that is no number is ignored with one.  At run
#   time text is still refused, out-of-range values are lowered.
# - item 12: a zoned device, made visible to the probe through the debugfs
#   config_override (QEMU 7.2 cannot offer one): host-managed is refused
#   with a message naming the in-tree virtio_blk, host-aware works as a
#   regular disk.
ko=/in/virtio_blk.ko
p=/sys/module/virtio_blk/parameters
vbp_load_hints
# load_bad "message" params...: load with a bad option; the disk must
# appear and work, and the message must be in the kernel log.
load_bad() {
	msg=$1; shift
	dmesg -c >/dev/null
	/usr/sbin/insmod $ko "$@" ||
		fail "insmod $* refused: a root disk would be missing"
	vbp_wait_dev /dev/vda
	dmesg | grep -q "$msg" || { dmesg | tail; fail "no '$msg' for $*"; }
	dd if=/dev/vda of=/dev/null bs=4k count=16 iflag=direct 2>/dev/null ||
		fail "reading vda failed after insmod $*"
	vbp_log "insmod $*: $(dmesg | grep "$msg")"
}
load_bad "queue_depth=100000 exceeds the block layer maximum, using 10240" \
	queue_depth=100000
vbp_result depth_param "$(cat $p/queue_depth)"
vbp_result depth_disk "$(vbp_devstat vda queue_depth)"
vbp_unload
load_bad "io_timeout=99999 exceeds the maximum in seconds, using 3600" \
	io_timeout=99999
vbp_result timeout_param "$(cat $p/io_timeout)"
vbp_result timeout_disk_ms "$(cat /sys/block/vda/queue/io_timeout)"
vbp_unload
load_bad "poll_queues: 'abc' is not an unsigned integer, ignored" \
	poll_queues=1 poll_queues=abc
vbp_result garbage_poll "$(cat $p/poll_queues)"
# Run time: text is refused, a value out of range lowered.
echo abc > $p/poll_queues 2>/dev/null && fail "run-time poll_queues=abc accepted"
echo 99999 > $p/io_timeout || fail "run-time io_timeout=99999 refused"
vbp_result timeout_runtime "$(cat $p/io_timeout)"
echo 30 > $p/io_timeout || fail "run-time io_timeout=30 refused"

# Zoned models through config_override; unbind and bind to re-probe.
ovr=$VBP_DBG/config_override
vdev=$(basename "$(readlink -f /sys/block/vda/device)")
drv=/sys/bus/virtio/drivers/virtio_blk
rebind() {
	echo "$1" > "$ovr" || fail "config_override $1 refused"
	if [ -e $drv/"$vdev" ]; then
		echo "$vdev" > $drv/unbind || fail "unbind $vdev"
	fi
	dmesg -c >/dev/null
	echo "$vdev" > $drv/bind 2>/dev/null
	vbp_log "rebound with $1: $(dmesg | grep -i zoned | tr '\n' ' ')"
}
echo zoned=xx > "$ovr" 2>/dev/null && fail "config_override took zoned=xx"
rebind zoned=hm
[ "$(cat "$ovr")" = zoned=hm ] || fail "config_override reads '$(cat "$ovr")'"
sleep 1
[ -b /dev/vda ] && fail "a host-managed zoned device was bound"
dmesg | grep -q "host-managed zoned device.*in-tree virtio_blk" ||
	{ dmesg | tail; fail "no refusal naming the in-tree virtio_blk"; }
vbp_result zoned_hm_refused 1
rebind zoned=ha
vbp_wait_dev /dev/vda
dmesg | grep -q "host-aware zoned device, used as a regular disk" ||
	{ dmesg | tail; fail "no message for the host-aware device"; }
vbp_fio ha --name=ha --filename=/dev/vda --direct=1 --rw=randwrite --bs=4k \
	--size=4M --verify=crc32c --verify_fatal=1 --ioengine=libaio --iodepth=8
vbp_result zoned_ha_bound 1
rebind zoned=none
vbp_wait_dev /dev/vda
dmesg | grep -q "zoned device" && { dmesg | tail; fail "zoned=none logged a zoned model"; }
echo clear > "$ovr" || fail "config_override clear"
[ -z "$(cat "$ovr")" ] || fail "config_override not cleared: $(cat "$ovr")"
vbp_result zoned_none_bound 1
