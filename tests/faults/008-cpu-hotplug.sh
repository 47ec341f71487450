# SPDX-License-Identifier: GPL-2.0
# description: CPUs taken offline and online during irq and polled fio verify
# name: faults/cpu-hotplug-smp{smp}/{kernel}
# matrix: smp=2,4
# smp: {smp}
# params: poll_queues=1 io_timeout=5
# disks: 64M,num_queues={smp}
# timeout: 400
# lib: faults
# tier[kernel=debug smp=2]: check
vbp_wait_dev /dev/vda
fault_pattern write pat
c="--filename=/dev/vda --direct=1 --rw=randwrite --bs=4k --size=8M --verify=crc32c --verify_fatal=1 --iodepth=8"
# $c: fio options in a variable, split on purpose
# shellcheck disable=SC2086
fio --name=irq $c --offset=32M --loops=2 --ioengine=libaio \
	--output-format=json --output=$VBP_OUT/fio-irq.json > /dev/null 2>&1 &
p1=$!
# $c: fio options in a variable, split on purpose
# shellcheck disable=SC2086
fio --name=poll $c --offset=48M --loops=2 --ioengine=io_uring --hipri=1 \
	--output-format=json --output=$VBP_OUT/fio-poll.json > /dev/null 2>&1 &
p2=$!
ncpu=$(grep -c ^processor /proc/cpuinfo)
cycles=0
while ! vbp_exited $p1 0 || ! vbp_exited $p2 0; do
	cpu=1
	while [ $cpu -lt "$ncpu" ]; do
		echo 0 > /sys/devices/system/cpu/cpu$cpu/online || fail "offline cpu$cpu"
		sleep 0.2
		echo 1 > /sys/devices/system/cpu/cpu$cpu/online || fail "online cpu$cpu"
		cycles=$((cycles + 1))
		cpu=$((cpu + 1))
	done
	[ $cycles -gt 2000 ] && fail "fio does not finish"
done
wait $p1 || { cat "$VBP_OUT"/fio-irq.json; fail "irq fio failed across CPU hotplug"; }
wait $p2 || { cat "$VBP_OUT"/fio-poll.json; fail "poll fio failed across CPU hotplug"; }
vbp_result cycles $cycles
vbp_result poll_completions "$(vbp_stat vda poll_completions)"
grep -H . /sys/block/vda/mq/*/cpu_list
fault_pattern verify verify
