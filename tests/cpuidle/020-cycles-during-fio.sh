# SPDX-License-Identifier: GPL-2.0
# description: load/unload cycles of the cpuidle modules in any order during fio
# driver: stock
# driver[kernel=debug]: none
# modules: vbp_hints cpuidle_haltpoll_io
# test-modules: vbp_hint_inject
# lib: cpuidle
# disks: size=64M,num_queues=2
# disks[kernel=debug]: size=64M,model=nvme,serial=vbp0
# env: DEV=/dev/vda
# env[kernel=debug]: DEV=/dev/nvme0n1
# timeout: 600
# group: cpuidle
#
# The fio runs on the stock virtio_blk; the debug kernel has no
# virtio_blk, there the I/O runs on NVMe, whose modules the .py puts in
# /in and lists in $NVME_KOS in load order.
#
# The use-after-free on unload of the issue 13 review (the per-CPU
# devices freed while the core still writes them) has no case of its
# own: percpu memory is not KASAN-tracked; this scenario and
# cycles-with-our-driver exercise the path.
# shellcheck disable=SC2086 # a list of file names
for ko in $NVME_KOS; do
	/usr/sbin/insmod /in/"$ko" || fail "$ko"
done
vbp_wait_dev "$DEV"
fio --name=bg --filename="$DEV" --direct=1 --rw=randrw --bs=4k \
	--ioengine=libaio --iodepth=4 --size=32M --time_based --runtime=600 \
	--output-format=json \
	--output="$VBP_OUT"/fio-bg.json > /dev/null 2>&1 &
fpid=$!
sleep 2
i=0
while [ $i -lt 20 ]; do
	kill -0 $fpid 2>/dev/null || fail "fio died in cycle $i"
	case $((i % 4)) in
	0) ins vbp_hints || fail "vbp_hints $i"
	   ins cpuidle_haltpoll_io "poll_max_ns=$((50000 + i * 5000))" || fail "load $i" ;;
	1|2) ins cpuidle_haltpoll_io || fail "load $i" ;;
	3) ins cpuidle_haltpoll_io io_aware=0 || fail "load $i" ;;
	esac
	[ "$(drv)" = haltpoll_io ] || fail "cycle $i: driver $(drv)"
	ins vbp_hint_inject "cpu=$((i % 2)) loops=20 service_us=50" || fail "inject $i"
	rm_ vbp_hint_inject
	if [ $((i % 4)) = 2 ]; then
		echo 0 > /sys/devices/system/cpu/cpu1/online || fail "offline $i"
		sleep 0.2
		echo 1 > /sys/devices/system/cpu/cpu1/online || fail "online $i"
	fi
	sleep 0.3
	rm_ cpuidle_haltpoll_io || fail "unload $i"
	[ "$(drv)" = none ] || fail "cycle $i: left $(drv)"
	[ $((i % 4)) = 3 ] && { rm_ vbp_hints || fail "vbp_hints unload $i"; }
	i=$((i + 1))
done
kill -INT $fpid
wait $fpid	# exits non-zero when stopped by a signal; judged by its JSON
grep -q '"error" : 0,' "$VBP_OUT"/fio-bg.json || fail "fio reported an error"
grep -q '"io_bytes" : [1-9]' "$VBP_OUT"/fio-bg.json || fail "fio moved no data"
echo cycles-ok
