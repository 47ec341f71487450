# SPDX-License-Identifier: GPL-2.0
# description: rings marked broken under fio verify and idle: reset, nothing fails
# name: review/broken-ring
# params: poll_queues=1 io_timeout=30
# disks: 64M,num_queues=2
# timeout: 300
# group: driver
# group[kernel=debug]: debug
# lib: review
# tier[kernel=debug]: check
#
# virtio_break_device() is what virtio_ring's own checks amount to when a
# device hands back an impossible id: every later add fails with -EIO and
# nothing comes back from the ring.  Under fio verify (interrupt and
# polled queues at once) and then with nothing in flight, the driver must
# reset and retry, never fail a request.
vbp_wait_dev /dev/vda
vbp_stats_reset vda
c="--filename=/dev/vda --direct=1 --rw=randwrite --bs=4k --size=4M --verify=crc32c --verify_fatal=1 --iodepth=8"
# $c: fio options in a variable, split on purpose
# shellcheck disable=SC2086
fio --name=irq $c --offset=0 --loops=2 --ioengine=libaio \
	--output-format=json --output=$VBP_OUT/fio-irq.json > /dev/null 2>&1 &
p1=$!
# $c: fio options in a variable, split on purpose
# shellcheck disable=SC2086
fio --name=poll $c --offset=16M --loops=2 --ioengine=io_uring --hipri=1 \
	--output-format=json --output=$VBP_OUT/fio-poll.json > /dev/null 2>&1 &
p2=$!
# Break the rings once both jobs have requests in flight.
n=0
until [ "$(vbp_stat vda submitted)" -gt 64 ]; do
	n=$((n + 1)); [ $n -gt 100 ] && fail "fio did not start"
	sleep 0.1
done
inject break
wait $p1 || { cat "$VBP_OUT"/fio-irq.json; fail "irq fio failed across a broken ring"; }
wait $p2 || { cat "$VBP_OUT"/fio-poll.json; fail "polled fio failed across a broken ring"; }
vbp_result busy_resets "$(vbp_devstat vda resets)"
vbp_result busy_failed "$(vbp_devstat vda failed)"
# Nothing in flight: no timeout will ever come; the next request must
# notice and recover.
inject break
t0=$(date +%s)
dd if=/dev/vda of=/dev/null bs=4k count=64 iflag=direct 2>/tmp/dd.log ||
	{ cat /tmp/dd.log; fail "read after an idle break failed"; }
vbp_result idle_seconds "$(($(date +%s) - t0))"
vbp_result resets "$(vbp_devstat vda resets)"
vbp_result failed "$(vbp_devstat vda failed)"
vbp_result dead "$(vbp_devstat vda dead)"
