# SPDX-License-Identifier: GPL-2.0
# description: qemu-storage-daemon killed and restarted under verified writes: no hang, I/O resumes or fails cleanly
# name: driver/qsd-reconnect/{kernel}
# kernels: 6.1 6.12 debug
# vars: outage=3 runtime=16 bound=40
# params: io_timeout=2
# disks: 64M,host=qsd,reconnect=1,num_queues=2
# timeout: 300
# lib: faults
# env: RUNTIME={runtime} BOUND={bound} DRIVER=ours
# group: driver
# group[kernel=debug]: debug
#
# vda is a vhost-user-blk export of qemu-storage-daemon; QEMU's socket
# chardev reconnects a second after the daemon went away.  With writes
# in flight (fio randwrite, crc32c, each block read back after 128
# writes) the host kills the daemon with SIGKILL, waits {outage}s and
# starts it again on the same socket and image.  QEMU stops the vhost
# device when the socket closes and, as the daemon keeps no inflight
# region (no VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD), rewinds each split
# queue to its used index, so that a new daemon would run the unanswered
# requests again.  io_timeout=2 lets our timeout handler reset the
# device during the outage.  A new read after the restart tells whether
# the back end came back.  If it did, fio's verification and the pattern
# written before must pass; if not, our driver must fail the I/O with
# EIO (disk declared dead) and leave no task hanging; on the debug kernel
# the same under KASAN and lockdep.  The .py runs the
# stock driver on 6.12, bounded.
vbp_wait_dev /dev/vda
fault_pattern write pat
fio --name=bg --filename=/dev/vda --direct=1 --rw=randwrite --bs=4k \
	--offset=16M --size=16M --time_based --runtime="$RUNTIME" \
	--verify=crc32c --verify_backlog=128 --verify_fatal=1 \
	--ioengine=libaio --iodepth=16 --output=/tmp/bg.log &
pid=$!
vbp_wait_io $pid vda
sleep 1
vbp_exited $pid 0 && { cat /tmp/bg.log; fail "background fio is not running"; }
vbp_log_mark
vbp_host_step outage 60
# a new request after the restart, beside the ones in flight
dd if=/dev/vda of=/dev/null bs=4k count=1 skip=12288 iflag=direct 2>/dev/null &
probe=$!
if vbp_exited $probe 10; then
	if wait $probe; then vbp_result probe ok; else vbp_result probe error; fi
else
	vbp_result probe hung
fi
if ! vbp_exited $pid "$BOUND"; then
	fault_states
	vbp_result hung 1
	vbp_result hung_tasks "$(fault_nstate D) in D"
	vbp_result hung_inflight "$(fault_inflight)"
	vbp_log_since | grep -v "timed out" | tail -n 20
	[ "$DRIVER" = stock ] && { echo "stock hung: fio still running ${BOUND}s after the restart"; exit 0; }
	fail "fio still running ${BOUND}s after the daemon came back"
fi
wait $pid
rc=$?
vbp_result hung 0
vbp_result fio_rc $rc
grep -E "err=|verify" /tmp/bg.log | head -n 5
vbp_log_since | grep -v "timed out\|I/O error" | tail -n 20
[ "$DRIVER" = ours ] && fault_counters vda
[ "$(fault_nstate D)" = 0 ] || { fault_states; fail "fio tasks left in D state"; }
if [ $rc != 0 ]; then
	echo "fio across the outage failed ($rc)"
	exit 0          # the .py decides: allowed only if the back end is gone
fi
vbp_fio after --name=after --filename=/dev/vda --direct=1 --rw=randwrite \
	--bs=4k --offset=32M --size=8M --verify=crc32c --verify_fatal=1 \
	--ioengine=libaio --iodepth=8
fault_pattern verify verify
vbp_result verified 1
