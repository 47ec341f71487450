# SPDX-License-Identifier: GPL-2.0
# description: hot-unplug under irq and polled I/O, replug, pattern intact
# params: poll_queues=1 io_timeout=5
# disks: 64M,num_queues=2,root_port=on
# timeout: 300
# lib: faults
# tier[kernel=debug]: check
vbp_wait_dev /dev/vda
fault_pattern write pat
fio --name=irq --filename=/dev/vda --direct=1 --rw=randrw --bs=4k \
	--offset=32M --size=16M --time_based --runtime=120 \
	--continue_on_error=all --allow_file_create=0 --ioengine=libaio --iodepth=16 > /tmp/irq.log 2>&1 &
p1=$!
fio --name=poll --filename=/dev/vda --direct=1 --rw=randrw --bs=4k \
	--offset=48M --size=16M --time_based --runtime=120 \
	--continue_on_error=all --allow_file_create=0 --ioengine=io_uring --hipri=1 --iodepth=16 \
	> /tmp/poll.log 2>&1 &
p2=$!
# Unplug only once both kinds of queue are busy.
n=0
while [ "$(vbp_stat vda poll_completions)" = 0 ] ||
	[ "$(vbp_stat vda completions)" -lt 100 ]; do
	n=$((n + 1))
	[ $n -gt 300 ] && { cat /tmp/irq.log /tmp/poll.log; fail "queues not busy"; }
	sleep 0.2
done
vbp_exited $p1 0 && { cat /tmp/irq.log; fail "irq fio not running"; }
vbp_exited $p2 0 && { cat /tmp/poll.log; fail "poll fio not running"; }
vbp_host_step unplug 60
fault_wait_gone
vbp_exited $p1 60 || { fault_states; fail "irq fio blocked after unplug"; }
vbp_exited $p2 60 || { fault_states; fail "poll fio blocked after unplug"; }
wait $p1; e1=$?; wait $p2; e2=$?
vbp_log "fio exit codes after unplug: irq $e1, poll $e2"
[ "$(fault_nstate D)" = 0 ] || { fault_states; fail "tasks left in D state"; }
# A file in place of the node would keep devtmpfs from adding it back.
[ -e /dev/vda ] && { ls -l /dev/vda; fail "/dev/vda exists but is no block device"; }
vbp_host_step replug 120
vbp_wait_dev /dev/vda 60
fault_pattern verify verify
vbp_fio after --name=after --filename=/dev/vda --direct=1 --rw=randwrite \
	--bs=4k --offset=16M --size=4M --verify=crc32c --verify_fatal=1 \
	--ioengine=io_uring --hipri=1 --iodepth=8
vbp_unload
