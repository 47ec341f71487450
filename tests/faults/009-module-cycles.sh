# SPDX-License-Identifier: GPL-2.0
# description: rmmod refused while busy; 100 load/unload cycles
# vars: cycles=100
# params: poll_queues=1
# env: CYCLES={cycles}
# disks: 64M,num_queues=2
# timeout: 400
# lib: faults
vbp_wait_dev /dev/vda
fault_pattern write pat
fio --name=busy --filename=/dev/vda --direct=1 --rw=randread --bs=4k \
	--size=16M --time_based --runtime=15 --ioengine=io_uring --hipri=1 \
	--iodepth=4 > /tmp/busy.log 2>&1 &
pid=$!
# Busy means open: wait until fio is doing I/O on the disk (so holds it,
# and the module), not a fixed time; fio from 9p on a loaded debug guest
# can take over 3 s to get there.
vbp_wait_io $pid vda 120
sleep 1
vbp_exited $pid 0 && { cat /tmp/busy.log; fail "fio not running"; }
/usr/sbin/rmmod virtio_blk 2>/tmp/rm.err && fail "rmmod succeeded while the disk is busy"
cat /tmp/rm.err
grep -q "in use" /tmp/rm.err || fail "rmmod refused without saying the module is in use"
[ -b /dev/vda ] || fail "/dev/vda vanished after the refused rmmod"
wait $pid || { cat /tmp/busy.log; fail "fio failed after the refused rmmod"; }
vbp_unload
i=0
while [ $i -lt "$CYCLES" ]; do
	/usr/sbin/insmod /in/virtio_blk.ko poll_queues=1 || fail "insmod cycle $i"
	vbp_wait_dev /dev/vda 20
	/usr/sbin/rmmod virtio_blk || fail "rmmod cycle $i"
	[ -b /dev/vda ] && fail "/dev/vda still there after rmmod (cycle $i)"
	i=$((i + 1))
done
vbp_result cycles $i
vbp_load_ours poll_queues=1
vbp_wait_dev /dev/vda
fault_pattern verify verify
