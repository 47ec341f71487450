# SPDX-License-Identifier: GPL-2.0
# description: poll_queues changed over and over while the disk is hot-unplugged: no hang, clear errors, replug works
# params: poll_queues=0 io_timeout=5
# disks: 64M,num_queues=2,root_port=on
# timeout: 300
# lib: faults
# tier[kernel=debug]: check
#
# A writer flips vda's poll_queues between 0 and 1 as fast as it can
# while fio writes to the disk, and the host unplugs it meanwhile.  The
# writer's writes succeed or fail with an error (the device or the file
# went away); none hangs, removal finishes, nothing is left in D state,
# and the disk plugged back in switches again.
vbp_wait_dev /dev/vda
fault_pattern write pat
fio --name=irq --filename=/dev/vda --direct=1 --rw=randwrite --bs=4k \
	--offset=32M --size=16M --time_based --runtime=120 \
	--continue_on_error=all --allow_file_create=0 --ioengine=libaio \
	--iodepth=8 > /tmp/irq.log 2>&1 &
pf=$!
vbp_wait_io $pf vda
flipper() {
	i=0; ok=0; bad=0
	while [ -e /sys/block/vda/poll_queues ]; do
		if echo $((i % 2 + 0)) > /sys/block/vda/poll_queues 2>/dev/null; then
			ok=$((ok + 1))
		else
			bad=$((bad + 1))
		fi
		i=$((i + 1))
	done
	echo "$ok $bad" > /tmp/flipper
}
flipper &
pw=$!
# let it switch a few times first
n=0
while [ "$(dmesg | grep -c 'vda: [0-9] default + [0-9] poll queues (were')" -lt 4 ]; do
	n=$((n + 1)); [ $n -gt 600 ] && fail "the writer did not switch 4 times in 60 s"
	sleep 0.1
done
vbp_host_step unplug 60
fault_wait_gone
vbp_exited $pw 60 || { fault_states; fail "the poll_queues writer hangs after unplug"; }
vbp_exited $pf 60 || { fault_states; fail "fio blocked after unplug"; }
wait $pf
vbp_log "writer: $(cat /tmp/flipper) (ok, failed) writes"
vbp_result switches "$(dmesg | grep -c 'vda: [0-9] default + [0-9] poll queues (were')"
[ "$(fault_nstate D)" = 0 ] || { fault_states; fail "tasks left in D state"; }
[ -e /dev/vda ] && { ls -l /dev/vda; fail "/dev/vda exists but is no block device"; }
vbp_host_step replug 120
vbp_wait_dev /dev/vda 60
echo 1 > /sys/block/vda/poll_queues || fail "no switch after replug"
[ "$(cat /sys/block/vda/poll_queues)" = 1 ] || fail "poll_queues is not 1 after replug"
fault_pattern verify verify
vbp_fio after --name=after --filename=/dev/vda --direct=1 --rw=randwrite \
	--bs=4k --offset=16M --size=4M --verify=crc32c --verify_fatal=1 \
	--ioengine=io_uring --hipri=1 --iodepth=8
vbp_unload
