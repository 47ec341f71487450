# SPDX-License-Identifier: GPL-2.0
# description: disks of one sector and of none: capacity and I/O bounds
# name: faults/capacity-{size}/{kernel}
# matrix: size=512,0
# params: poll_queues=1
# disks: {size},num_queues=2
# timeout: 200
# lib: faults
vbp_wait_dev /dev/vda
echo "size $(cat /sys/block/vda/size) sectors"
vbp_result sectors "$(cat /sys/block/vda/size)"
if [ "$(cat /sys/block/vda/size)" = 1 ]; then
	dd if=/dev/urandom of=/tmp/s bs=512 count=1 2>/dev/null
	dd if=/tmp/s of=/dev/vda bs=512 count=1 oflag=direct || fail "write sector 0"
	dd if=/dev/vda of=/tmp/r bs=512 count=1 iflag=direct || fail "read sector 0"
	cmp /tmp/s /tmp/r || fail "sector 0 read back wrong"
	dd if=/tmp/s of=/dev/vda bs=512 seek=1 count=1 oflag=direct 2>/dev/null &&
		fail "write past the end succeeded"
fi
n=$(dd if=/dev/vda of=/dev/null bs=4k iflag=direct 2>&1 | grep -c "records in")
[ "$n" -ge 1 ] || fail "read of the whole disk did not end"
vbp_unload
