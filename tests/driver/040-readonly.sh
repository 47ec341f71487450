# SPDX-License-Identifier: GPL-2.0
# description: a read-only disk reads and refuses writes
# kernels: 6.1 6.12
# disks: size=16M,readonly=on
# group: driver
vbp_wait_dev /dev/vda
[ "$(cat /sys/block/vda/ro)" = 1 ] || fail "disk not read-only"
dd if=/dev/vda of=/dev/null bs=4k count=16 || fail "read failed"
if out=$(dd if=/dev/zero of=/dev/vda bs=4k count=1 oflag=direct 2>&1); then
	fail "write to a read-only disk succeeded"
fi
echo "$out"
echo "$out" | grep -qE "Read-only|not permitted" || fail "unexpected: $out"
