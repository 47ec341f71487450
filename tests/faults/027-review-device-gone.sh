# SPDX-License-Identifier: GPL-2.0
# description: a device reading all-ones is not reset: the disk dies, unbind ends
# name: review/device-gone
# params: io_timeout=3
# disks: 64M
# timeout: 200
# allow-log: WARNING: .* at drivers/virtio/virtio\.c:\d+ virtio_dev_remove
# group: driver
# group[kernel=debug]: debug
# lib: review
# tier[kernel=debug]: check
#
# QEMU cannot make a BAR read all-ones (a removed or disabled BAR reads 0
# under TCG), so the "gone" injection stands in for a surprise removal:
# status reads count as all-ones, and "hang" keeps what QEMU completes
# off the ring, as a vanished device would.  A request stalled past
# io_timeout must then kill the disk without a reset (which would spin
# for ever), and unbinding (removal) must finish.  Not resetting the
# device is what virtio_dev_remove() warns about ("Driver should have
# reset device"); a real surprise removal would warn too (allow-log).
vbp_wait_dev /dev/vda
vdev=$(basename "$(readlink -f /sys/block/vda/device)")
vbp_stats_reset vda
inject hang
inject gone
vbp_log_mark
t0=$(date +%s)
dd if=/dev/vda of=/dev/null bs=4k count=1 skip=10 iflag=direct 2>/dev/null &&
	fail "a read from a gone device succeeded"
vbp_result read_seconds "$(($(date +%s) - t0))"
vbp_log_since | grep -q "device is gone" && vbp_result gone_logged 1
vbp_result resets "$(vbp_devstat vda resets)"
vbp_result dead "$(vbp_devstat vda dead)"
t0=$(date +%s)
echo "$vdev" > /sys/bus/virtio/drivers/virtio_blk/unbind || fail "unbind"
vbp_result unbind_seconds "$(($(date +%s) - t0))"
if [ -b /dev/vda ]; then fail "vda still there after unbind"; fi
