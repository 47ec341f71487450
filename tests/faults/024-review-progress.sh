# SPDX-License-Identifier: GPL-2.0
# description: zeroed counters do not change when a hung disk is declared dead
# name: review/progress
# params: io_timeout=30
# disks: 64M
# timeout: 300
# group: driver
# group[kernel=debug]: debug
# lib: review
#
# The recovery declares the disk dead after VIRTBLK_MAX_RESETS (3) resets
# in a row that took back requests with no completion since the reset
# before.  The first reset of a hung disk follows completions (the writes
# before the hang), so the disk dies at the 4th reset.  A loop zeroing
# the debugfs counters all the while must not change that verdict.  The
# timeout message must state the queue's timeout (sysfs io_timeout,
# 3 s), not the module parameter (30 s).
vbp_wait_dev /dev/vda
echo 3000 > /sys/block/vda/queue/io_timeout || fail "set io_timeout"
dd if=/dev/zero of=/dev/vda bs=4k count=64 oflag=direct 2>/dev/null ||
	fail "write before the hang"
vbp_log_mark
( while [ ! -e /tmp/stop ]; do vbp_stats_reset vda; done ) > /dev/null 2>&1 &
zap=$!
inject hang
dd if=/dev/vda of=/dev/null bs=4k count=1 skip=10 iflag=direct 2>/dev/null &&
	fail "a read from a hung disk succeeded"
: > /tmp/stop
wait $zap
vbp_log_since | grep "timed out after" | head -n 3
vbp_log_since | grep -q "timed out after 3000ms" && vbp_result msg_queue_timeout 1
vbp_result resets_logged "$(vbp_log_since | grep -c "resetting device")"
vbp_result dead "$(vbp_devstat vda dead)"
