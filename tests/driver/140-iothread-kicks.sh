# SPDX-License-Identifier: GPL-2.0
# description: kicks per I/O under IOThread polling (host suppresses notifications) against the main loop
# name: driver/iothread-kicks-{ring}/{kernel}
# kernels: 6.1 6.12
# matrix: ring=split,packed
# vars: poll_ns=2000000 shrink=2 runtime=3
# disks[ring=split]: 64M,iothread=io0,iothread_poll_max_ns={poll_ns},iothread_poll_shrink={shrink},aio=io_uring,packed=off; 64M,aio=io_uring,packed=off
# disks[ring=packed]: 64M,iothread=io0,iothread_poll_max_ns={poll_ns},iothread_poll_shrink={shrink},aio=io_uring,packed=on; 64M,aio=io_uring,packed=on
# env: RUNTIME={runtime} DRIVER=ours
# timeout: 300
# lib: kicks
# group: driver
#
# vda is served by an IOThread with adaptive polling (poll-max-ns
# {poll_ns}), vdb by QEMU's main loop.  While the IOThread polls a
# virtqueue it disables the queue's notifications (the split ring's
# avail event stops moving, the packed ring's device event says
# "disable"), so a driver that honours the hint skips the kick.  fio
# reads at queue depth 1 and 16 on each disk; the kicks come from our
# counters and, for any driver, from a kprobe on vp_notify.  The .py
# checks vda avoids kicks (packed: under half a kick per I/O) and that
# vdb kicks for every request at QD1, and runs the stock driver the same
# way on 6.12.  The images use aio=io_uring: with QEMU 7.2's thread pool
# (aio=threads) every completion ends the IOThread's polling phase and
# turns notifications back on, and nothing is left to suppress.
kicks_setup
for d in vda vdb; do
	vbp_wait_dev /dev/$d
	vbp_fio verify-$d --name=v --filename=/dev/$d --direct=1 \
		--rw=randwrite --bs=4k --size=8M --verify=crc32c \
		--verify_fatal=1 --ioengine=libaio --iodepth=8
done
for d in vda vdb; do
	for qd in 1 16; do
		[ "$DRIVER" = ours ] && vbp_stats_reset $d
		n0=$(disk_ios $d)
		kicks_start
		fio --name=k --filename=/dev/$d --direct=1 --rw=randread \
			--bs=4k --size=32M --time_based --runtime="$RUNTIME" \
			--ioengine=libaio --iodepth=$qd \
			--output=/tmp/fio-$d-$qd.log ||
			{ cat /tmp/fio-$d-$qd.log; fail "fio $d qd$qd"; }
		k=$(kicks_count)
		n=$(($(disk_ios $d) - n0))
		r=$d-qd$qd
		vbp_result "$r-ios" "$n"
		vbp_result "$r-notify" "$k"
		if [ "$DRIVER" = ours ]; then
			for c in submitted kicks kicks_avoided; do
				vbp_result "$r-$c" "$(vbp_stat $d $c)"
			done
		fi
		vbp_log "$r: $n I/Os, $k notify writes"
	done
done
