# SPDX-License-Identifier: GPL-2.0
# description: 50 load/unload cycles of cpuidle_haltpoll_io during fio on our virtio_blk
# modules: vbp_hints cpuidle_haltpoll_io
# lib: cpuidle
# disks: size=64M,num_queues=2
# timeout: 600
# group: cpuidle
# group[kernel=debug]: debug
#
# 50 load/unload cycles of cpuidle_haltpoll_io while fio runs on our
# virtio_blk, which feeds the hints all along: the counts must stay
# consistent (no hinted request left in flight once the I/O stops) and
# fio must see no error.
vbp_wait_dev /dev/vda
fio --name=bg --filename=/dev/vda --direct=1 --rw=randrw --bs=4k \
	--ioengine=io_uring --iodepth=1 --size=32M --time_based --runtime=600 \
	--output-format=json --output="$VBP_OUT"/fio-bg.json > /dev/null 2>&1 &
fpid=$!
sleep 2
i=0
while [ $i -lt 50 ]; do
	kill -0 $fpid 2>/dev/null || fail "fio died in cycle $i"
	if [ $((i % 5)) = 4 ]; then
		ins cpuidle_haltpoll_io io_aware=0 || fail "load $i"
	else
		ins cpuidle_haltpoll_io || fail "load $i"
	fi
	[ "$(drv)" = haltpoll_io ] || fail "cycle $i: driver $(drv)"
	sleep 0.$((i % 5 + 1))
	rm_ cpuidle_haltpoll_io || fail "unload $i"
	[ "$(drv)" = none ] || fail "cycle $i: left $(drv)"
	i=$((i + 1))
done
kill -INT $fpid
wait $fpid
grep -q '"error" : 0,' "$VBP_OUT"/fio-bg.json || fail "fio reported an error"
grep -q '"io_bytes" : [1-9]' "$VBP_OUT"/fio-bg.json || fail "fio moved no data"
ins cpuidle_haltpoll_io || fail "final load"
sleep 1
for c in 0 1; do
	[ "$(st $c hint_inflight)" = 0 ] ||
		fail "cpu$c: $(st $c hint_inflight) hinted requests in flight when idle"
done
rm_ cpuidle_haltpoll_io
vbp_fio check --name=check --filename=/dev/vda --direct=1 --rw=randwrite \
	--bs=4k --size=8M --verify=crc32c --verify_fatal=1 --ioengine=libaio \
	--iodepth=4
