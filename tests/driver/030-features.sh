# SPDX-License-Identifier: GPL-2.0
# description: serial, discard and write-zeroes read back zeros, cache_type is writable
# disks: size=64M,serial=VBP-SERIAL-42,discard=on,write_zeroes=on
# quick: 6.12
# group: driver
# group[kernel=debug]: debug
vbp_wait_dev /dev/vda
[ "$(cat /sys/block/vda/serial)" = "VBP-SERIAL-42" ] ||
	fail "serial is '$(cat /sys/block/vda/serial)'"
sz=$((4 * 1024 * 1024))
# discard reads back zeros
fio --name=fill --filename=/dev/vda --rw=write --bs=64k --size=$sz \
	--direct=1 --buffer_pattern=0xa5 >/dev/null || fail "fill"
cmp -n $sz /dev/vda /dev/zero >/dev/null 2>&1 && fail "fill left zeros"
/usr/sbin/blkdiscard -o 0 -l $sz /dev/vda || fail "blkdiscard"
cmp -n $sz /dev/vda /dev/zero || fail "discarded range is not zero"
# write-zeroes reads back zeros
fio --name=fill --filename=/dev/vda --rw=write --bs=64k --size=$sz \
	--offset=$sz --direct=1 --buffer_pattern=0x5a >/dev/null || fail "fill2"
/usr/sbin/blkdiscard -z -o $sz -l $sz /dev/vda || fail "blkdiscard -z"
dd if=/dev/vda bs=1M skip=4 count=4 2>/dev/null | cmp - /dev/zero -n $sz ||
	fail "write-zeroes range is not zero"
cat /sys/block/vda/queue/discard_max_bytes /sys/block/vda/queue/write_zeroes_max_bytes
cat /sys/block/vda/cache_type
echo "write through" > /sys/block/vda/cache_type || fail "set cache_type"
[ "$(cat /sys/block/vda/cache_type)" = "write through" ] || fail "cache_type"
echo "write back" > /sys/block/vda/cache_type || fail "set cache_type back"
