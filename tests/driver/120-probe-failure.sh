# SPDX-License-Identifier: GPL-2.0
# description: every slab allocation of the probe failed in turn unwinds cleanly, no leak
# kernels: debug
# params: poll_queues=1
# disks: size=64M,num_queues=2
# env: MAX=5000
# timeout: 900
# group: debug
# allow-log: WARNING: .* at fs/proc/generic\.c:\d+ remove_proc_entry
#
# Probe failure unwinding (debug kernel: fault injection, KASAN, lockdep,
# kmemleak).  The disk is unbound, then bound again with the Nth slab
# allocation of the bind (that is, of our probe and what it calls) made to
# fail, for N = 1, 2, ... until the probe no longer reaches an N-th
# injection site.  Every failed probe must unwind cleanly: no report in
# the kernel log, no object leaked by the probe path, and afterwards the
# disk binds, keeps the data written before, and works.  The .py builds
# /in/fail_nth_write (tests/progs).  The genirq /proc code does not undo
# a partly failed registration of an interrupt's proc entries, and warns
# when the vector is freed (allow-log): an injected failure there is the
# kernel's to handle, not the driver's.
vbp_wait_dev /dev/vda
drv=/sys/bus/virtio/drivers/virtio_blk
dev=$(basename "$(readlink -f /sys/block/vda/device)")
c="--name=pre --filename=/dev/vda --direct=1 --rw=randwrite --bs=4k --size=8M --verify=crc32c --verify_fatal=1"
# shellcheck disable=SC2086 # word splitting of $c intended
vbp_fio pre $c --ioengine=libaio --iodepth=8
echo "$dev" > $drv/unbind || fail "unbind $dev"
F=/sys/kernel/debug/failslab
K=/sys/kernel/debug/kmemleak
[ -d $F ] || fail "no failslab in debugfs"
[ -e $K ] || fail "no kmemleak in debugfs"
echo N > $F/ignore-gfp-wait
echo 0 > $F/verbose
echo clear > $K
n=0; failed=0; survived=0
while :; do
	n=$((n + 1))
	[ $n -gt "$MAX" ] && fail "the probe still reaches injection site $n"
	out=$(/in/fail_nth_write $n $drv/bind "$dev")
	rc=$?
	[ $rc = 2 ] && fail "fail_nth_write $n: $out"
	if [ -b /dev/vda ]; then
		[ $rc = 0 ] && survived=$((survived + 1))
		echo "$dev" > $drv/unbind || fail "unbind after site $n"
	else
		[ $rc = 0 ] || fail "bind without injection failed: $out"
		failed=$((failed + 1))
	fi
	[ $rc = 1 ] && break
done
vbp_log "probe: $n injection sites, $failed failed probes, $survived survived"
vbp_result sites $n
vbp_result failed $failed
echo Y > $F/ignore-gfp-wait
echo "$dev" > $drv/bind || fail "final bind"
vbp_wait_dev /dev/vda
# shellcheck disable=SC2086 # word splitting of $c intended
vbp_fio verify $c --ioengine=libaio --iodepth=8 --verify_only=1
vbp_fio after --name=after --filename=/dev/vda --direct=1 --rw=randwrite \
	--bs=4k --offset=16M --size=8M --verify=crc32c --verify_fatal=1 \
	--ioengine=io_uring --hipri=1 --iodepth=8
echo scan > $K; sleep 6; echo scan > $K
cat $K > "$VBP_OUT"/kmemleak.txt
vbp_unload
