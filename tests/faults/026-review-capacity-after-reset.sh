# SPDX-License-Identifier: GPL-2.0
# description: a resize during a NEEDS_RESET recovery is seen once it ends
# name: review/capacity-after-reset
# params: io_timeout=60
# disks: 64M
# timeout: 200
# group: driver
# group[kernel=debug]: debug
# lib: review
#
# A malformed request makes QEMU set NEEDS_RESET; reset_work is held for
# 4 s, and the host grows the disk in that window.  Its config interrupt
# only finds the device needing a reset; the new size must be there once
# the recovery is done.
vbp_wait_dev /dev/vda
s0=$(cat /sys/block/vda/size)
inject reset_delay=4000
inject badhdr
dd if=/dev/vda of=/dev/null bs=4k count=1 skip=100 iflag=direct 2>/dev/null &
pid=$!
n=0
until dmesg | grep -q "scheduling device reset: device needs reset"; do
	n=$((n + 1)); [ $n -gt 50 ] && fail "no NEEDS_RESET from the bad header"
	sleep 0.1
done
vbp_host_step resize 30
wait $pid || fail "the read with the bad header failed"
n=0
while [ "$(cat /sys/block/vda/size)" = "$s0" ]; do
	n=$((n + 1)); [ $n -gt 100 ] && break
	sleep 0.1
done
vbp_result size "$(cat /sys/block/vda/size)"
vbp_result resets "$(vbp_devstat vda resets)"
