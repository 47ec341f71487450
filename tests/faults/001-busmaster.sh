# SPDX-License-Identifier: GPL-2.0
# description: PCI bus mastering toggled under fio: time out, reset, finish the I/O
# name: faults/busmaster-{mode}/{kernel}
# matrix: mode=irq,poll
# vars: io_timeout=5 cycles=4 off=1 on=7 bound=30
# params: poll_queues=0 io_timeout={io_timeout}
# params[mode=poll]: poll_queues=1 io_timeout={io_timeout}
# disks: 64M,num_queues=2
# timeout: 300
# lib: faults
# env: ENGINE=--ioengine=libaio CYCLES={cycles} OFF={off} ON={on} BOUND={bound}
# env[mode=poll]: 'ENGINE=--ioengine=io_uring --hipri=1'
# env: DRIVER=ours
#
# Toggle the PCI bus-master bit of the disk while fio runs.  With bus
# mastering off the device can neither reach the rings nor raise an MSI-X
# interrupt; QEMU marks it broken until the next reset.  Our driver must
# time out, reset and finish the I/O; the stock driver has no timeout
# handler and is expected to hang (measured, printed as "stock hung").
vbp_wait_dev /dev/vda
bdf=$(basename "$(dirname "$(readlink -f /sys/block/vda/device)")")
cmd0=$(/usr/bin/setpci -s "$bdf" 4.w) || fail "setpci cannot read $bdf"
vbp_log "disk at $bdf, command register $cmd0"
fault_pattern write pat
# $ENGINE: fio options in a variable, split on purpose
# shellcheck disable=SC2086
fio --name=bg --filename=/dev/vda --direct=1 --rw=randrw --bs=4k \
	--offset=32M --size=32M --time_based --runtime=$RUNTIME \
	--continue_on_error=all $ENGINE --iodepth=16 > /tmp/bg.log 2>&1 &
pid=$!
sleep 3
vbp_exited $pid 0 && { cat /tmp/bg.log; fail "background fio is not running"; }
i=0
while [ $i -lt "$CYCLES" ]; do
	/usr/bin/setpci -s "$bdf" 4.w=0:4 || fail "setpci off"
	sleep "$OFF"
	/usr/bin/setpci -s "$bdf" 4.w=4:4 || fail "setpci on"
	sleep "$ON"
	i=$((i + 1))
done
vbp_log "bus mastering toggled $CYCLES times"
if ! vbp_exited $pid "$BOUND"; then
	fault_states
	st="$(fault_nstate D) in D, $(fault_nstate S) in S, $(fault_nstate R) in R"
	inflight=$(fault_inflight)
	vbp_result hung 1
	vbp_result hung_tasks "$st"
	vbp_result hung_inflight "$inflight"
	# Lost interrupts or a broken device?  A new request tells: its
	# completion reaps the whole ring, unless the device is gone.
	dd if=/dev/vda of=/dev/null bs=4k count=1 skip=4096 iflag=direct 2>/dev/null &
	probe=$!
	if vbp_exited $probe 10 && vbp_exited $pid 10; then
		vbp_result rescued 1
	else
		fault_states
		vbp_result rescued 0
	fi
	if [ "$DRIVER" = stock ]; then
		echo "stock hung: I/O still running ${BOUND}s after the toggling (fio tasks: $st; $inflight requests in flight)"
		exit 0
	fi
	fail "I/O still running ${BOUND}s after the toggling (fio tasks: $st; $inflight requests in flight)"
fi
wait $pid
vbp_log "background fio exited with $? (errors allowed)"
tail -n 5 /tmp/bg.log
vbp_result hung 0
dd if=/dev/vda of=/dev/null bs=4k count=1 skip=4096 iflag=direct 2>/dev/null &
probe=$!
vbp_exited $probe 30 || { fault_states; fail "a read after the toggling hangs"; }
wait $probe || fail "a read after the toggling failed"
[ "$(fault_nstate D)" = 0 ] || { fault_states; fail "fio tasks left in D state"; }
[ "$DRIVER" = ours ] && fault_counters vda
# $ENGINE: fio options in a variable, split on purpose
# shellcheck disable=SC2086
vbp_fio after --name=after --filename=/dev/vda --direct=1 --rw=randwrite \
	--bs=4k --offset=16M --size=8M --verify=crc32c --verify_fatal=1 \
	$ENGINE --iodepth=8
fault_pattern verify verify
