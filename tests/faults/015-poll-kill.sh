# SPDX-License-Identifier: GPL-2.0
# description: a polled waiter on a stalled device is killable before io_timeout
# vars: io_timeout=10
# params: poll_queues=1 io_timeout={io_timeout}
# env: IO_TIMEOUT={io_timeout}
# disks: 64M,num_queues=2
# timeout: 300
# lib: faults
# tier[kernel=debug]: check
#
# A polled waiter on a device that stopped answering must be killable:
# it exits before the requests it leaves behind time out, and the ring's
# cleanup still ends once recovery has completed them.  The device is a
# debugfs "stall" (used buffers ignored until the next reset); io_timeout
# is long enough that fio is killed well before it.
fault_stall_start
fio --name=stalled --filename=/dev/vda --direct=1 --rw=randwrite --bs=4k \
	--offset=32M --size=4M --ioengine=io_uring --hipri=1 --iodepth=8 \
	> /tmp/st.log 2>&1 &
pid=$!
n=0
while [ "$(fault_inflight)" = 0 ]; do
	n=$((n + 1))
	[ $n -gt 100 ] && { cat /tmp/st.log; fail "no request in flight"; }
	sleep 0.1
done
sleep 1
vbp_exited $pid 0 && { cat /tmp/st.log; fail "fio finished on a stalled disk"; }
[ "$(vbp_devstat vda poll_queues)" = 1 ] || fail "no poll queue"
vbp_result polls_at_kill "$(vbp_stat vda polls)"
vbp_result inflight_at_kill "$(fault_inflight)"
vbp_result timeouts_at_kill "$(vbp_devstat vda timeouts)"
t0=$(awk '{ print int($1 * 1000) }' /proc/uptime)
kill -KILL $pid
vbp_exited $pid $((IO_TIMEOUT * 3 + 30)) ||
	{ fault_states; fail "killed polled fio still there $((IO_TIMEOUT * 3 + 30))s later"; }
t1=$(awk '{ print int($1 * 1000) }' /proc/uptime)
vbp_result timeouts_at_exit "$(vbp_devstat vda timeouts)"
vbp_result exit_ms "$((t1 - t0))"
wait $pid
[ "$(fault_nstate D)" = 0 ] || { fault_states; fail "tasks left in D state"; }
n=0
while [ "$(fault_inflight)" != 0 ]; do
	n=$((n + 1))
	[ $n -gt 100 ] && fail "requests still in flight after the exit"
	sleep 0.1
done
fault_counters vda
vbp_fio after --name=after --filename=/dev/vda --direct=1 --rw=randwrite \
	--bs=4k --offset=16M --size=4M --verify=crc32c --verify_fatal=1 \
	--ioengine=io_uring --hipri=1 --iodepth=8
fault_pattern verify verify
