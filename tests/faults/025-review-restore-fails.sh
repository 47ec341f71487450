# SPDX-License-Identifier: GPL-2.0
# description: virtqueue setup fails in restore: the recovery brings the disk back
# name: review/restore-fails
# params: poll_queues=1 io_timeout=60
# disks: 64M,num_queues=2
# timeout: 300
# group: driver
# group[kernel=debug]: debug
# lib: review
# tier[kernel=debug]: check
#
# Suspend-to-idle with pm_test=devices; the virtqueue setup of the restore
# is made to fail once.  The restore must reset and set the device up
# again itself, and requests then complete.  As in driver/suspend-resume,
# 9p is gone after the resume: busybox only, verdict on the console.
restore_test() {
vbp_wait_dev /dev/vda
[ -w /sys/power/pm_test ] || fail "no /sys/power/pm_test"
dd if=/dev/urandom of=/tmp/blk bs=4k count=16 2>/dev/null
dd if=/tmp/blk of=/dev/vda bs=4k count=16 oflag=direct 2>/dev/null ||
	fail "write before suspend"
inject failinit
echo devices > /sys/power/pm_test || fail "pm_test"
exec > /dev/console 2>&1
fail() { echo "FAIL: $*"; echo "VBP-GUEST-RC: 1"; poweroff -f; sleep 10; }
echo freeze > /sys/power/state || fail "suspend-to-idle failed"
echo "vbp: resumed"
dmesg | grep -q "fault injection: virtqueue setup fails" || fail "injection did not run"
dd if=/dev/vda of=/tmp/rd bs=4k count=16 iflag=direct 2>/dev/null &
pid=$!
vbp_exited $pid 30 || fail "I/O after the failed restore did not finish in 30 s"
wait $pid || fail "read after the failed restore failed"
cmp /tmp/blk /tmp/rd || fail "data differs after the failed restore"
dmesg | grep -q "vda: virtqueue setup after resume failed: .*; resetting device" ||
	fail "no recovery ran"
echo "vbp: restore test passed"
echo "VBP-GUEST-RC: 0"
poweroff -f
}
restore_test
