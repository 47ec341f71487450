# SPDX-License-Identifier: GPL-2.0
# description: unbind with I/O in flight, bind again: the disk works, the module unloads
# matrix: mode=irq,poll
# params[mode=irq]: poll_queues=0
# params[mode=poll]: poll_queues=1
# env[mode=irq]: HIPRI=0
# env[mode=poll]: HIPRI=1
# disks: size=64M,num_queues=2
# timeout: 240
# group: driver
# group[kernel=debug]: debug
# tier[kernel=debug]: check
#
# Removal with I/O in flight: unbind the device from the driver while fio
# runs (on the poll queues with --hipri=1 when HIPRI=1), then bind it again
# and check the disk works and the module unloads (no leaked reference).
vbp_wait_dev /dev/vda
drv=/sys/bus/virtio/drivers/virtio_blk
dev=$(basename "$(readlink -f /sys/block/vda/device)")
fio --name=bg --filename=/dev/vda --direct=1 --rw=randrw --bs=4k \
	--ioengine=io_uring --hipri="$HIPRI" --iodepth=16 --numjobs=2 \
	--time_based --runtime=60 > /tmp/bg.log 2>&1 &
pid=$!
vbp_wait_io $pid vda
sleep 1
kill -0 $pid || { cat /tmp/bg.log; fail "fio was not running"; }
echo "$dev" > $drv/unbind || fail "unbind $dev"
wait $pid
echo "fio ended with $? after unbind (errors expected)"
[ -b /dev/vda ] && fail "/dev/vda still present after unbind"
echo "$dev" > $drv/bind || fail "bind $dev"
vbp_wait_dev /dev/vda
vbp_fio after --name=after --filename=/dev/vda --direct=1 --rw=randwrite \
	--bs=4k --size=8M --verify=crc32c --verify_fatal=1 \
	--ioengine=io_uring --hipri="$HIPRI" --iodepth=8
vbp_unload
