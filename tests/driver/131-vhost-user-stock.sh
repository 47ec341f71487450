# SPDX-License-Identifier: GPL-2.0
# description: in-tree driver with poll_queues=1 on qemu-storage-daemon vhost-user-blk: back end breaks, I/O hangs (bounded); ours on the same set-up works
# kernels: 6.1 6.12
# vars: bound=20
# params: poll_queues=1
# disks: size=64M,host=qsd,num_queues=2
# env: BOUND={bound} DRIVER=ours
# timeout: 150
#
# The in-tree driver gives a poll queue no MSI-X vector; QEMU then tells
# the vhost-user back end that the queue has no call eventfd, and
# libvhost-user's first notification on it writes to fd -1 (EBADF,
# vu_panic): the daemon drops the connection and no request is served
# any more (Documentation/tuning.rst).  A polled fio job runs in the
# background; if it has not finished BOUND seconds later the guest
# records the hang, tries one read on an interrupt-driven queue (also
# bounded) and ends its script; it never waits for the stuck tasks.
# The host side boots twice: our driver (must finish, daemon intact),
# then the in-tree one (must show the documented failure).
vbp_wait_dev /dev/vda
fio --name=poll --filename=/dev/vda --direct=1 --rw=randread --bs=4k \
	--size=4M --ioengine=io_uring --hipri=1 --iodepth=4 \
	--output-format=terse > /tmp/poll.log 2>&1 &
pid=$!
if vbp_exited "$pid" "$BOUND"; then
	wait "$pid"
	rc=$?
	vbp_result hung 0
	vbp_result fio_rc "$rc"
	cut -c1-80 /tmp/poll.log
	dd if=/dev/vda of=/dev/null bs=4k count=1 skip=100 iflag=direct ||
		fail "a read after the polled job failed"
	exit 0
fi
vbp_result hung 1
vbp_log "$DRIVER: polled fio still running after ${BOUND}s"
grep -H . "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1-3
dd if=/dev/vda of=/dev/null bs=4k count=1 skip=100 iflag=direct \
	2>/dev/null &
probe=$!
if vbp_exited "$probe" 10; then
	vbp_result default_queue works
else
	vbp_result default_queue hangs
fi
grep -H . /sys/block/vda/inflight
