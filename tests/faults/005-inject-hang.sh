# SPDX-License-Identifier: GPL-2.0
# description: debugfs hang: requeued, failed, disk dead, nothing blocked
# vars: io_timeout=5
# params: poll_queues=1 io_timeout={io_timeout}
# env: 'ENGINE=--ioengine=io_uring --hipri=1'
# disks: 64M,num_queues=2
# timeout: 300
# lib: faults
# tier[kernel=debug]: check
#
# debugfs "hang": the device never completes anything, across resets.
# Requests are requeued, then failed; the disk is declared dead; new I/O
# fails at once with EIO.  Nothing may stay blocked.  A fresh load of the
# driver then reads the pattern back.
vbp_wait_dev /dev/vda
fault_pattern write pat
vbp_stats_reset vda
echo hang > "$VBP_DBG"/vda/inject || fail "inject hang"
t0=$(date +%s)
# $ENGINE: fio options in a variable, split on purpose
# shellcheck disable=SC2086
fio --name=hung --filename=/dev/vda --direct=1 --rw=randwrite --bs=4k \
	--offset=32M --size=1M $ENGINE --iodepth=4 > /tmp/hung.log 2>&1 &
pid=$!
vbp_exited $pid 120 || { fault_states; fail "fio on a hung device still blocked after 120s"; }
wait $pid && { cat /tmp/hung.log; fail "I/O on a hung device succeeded"; }
grep -E "Input/output error|error=" /tmp/hung.log | head -n 3
vbp_result seconds "$(($(date +%s) - t0))"
[ "$(fault_nstate D)" = 0 ] || { fault_states; fail "tasks left in D state"; }
fault_counters vda
# A dead disk fails I/O at once (6.12 also drops its capacity to 0).
vbp_log "dead disk size: $(cat /sys/block/vda/size) sectors"
t0=$(date +%s)
rm -f /tmp/d
dd if=/dev/vda of=/tmp/d bs=4k count=1 iflag=direct 2>&1 &&
	[ "$(wc -c < /tmp/d)" != 0 ] && fail "read data from a dead disk"
dd if=/dev/zero of=/dev/vda bs=4k count=1 oflag=direct 2>&1 &&
	fail "write to a dead disk succeeded"
vbp_result dead_read_seconds "$(($(date +%s) - t0))"
dmesg | grep -q "disk is dead" || fail "no 'disk is dead' message"
vbp_unload
vbp_load_ours
vbp_wait_dev /dev/vda
fault_pattern verify verify
