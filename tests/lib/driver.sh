# SPDX-License-Identifier: GPL-2.0
# Guest helpers of driver scenarios (tests/driver/*.sh with
# "# lib: driver") and of the harness's QMP self-test; put before the
# script, after lib.sh.

# resize_wait_96m: tell the host the guest is ready (/out/ready; the host
# then grows disk0 through QMP, caselib.resize_when_ready) and wait until
# /dev/vda has grown from its size to 96 MiB.
resize_wait_96m() {
	vbp_wait_dev /dev/vda
	s0=$(cat /sys/block/vda/size)
	echo ready > /out/ready
	n=0
	while [ "$(cat /sys/block/vda/size)" = "$s0" ]; do
		n=$((n + 1)); [ $n -gt 600 ] && fail "size never changed from $s0"
		sleep 0.1
	done
	s1=$(cat /sys/block/vda/size)
	echo "resized $s0 -> $s1"
	[ "$s1" = $((96 * 2048)) ] || fail "unexpected size $s1"
}

# small_geometry_verify: /dev/vda has logical blocks of $LBS bytes, and
# takes crc32c-verified random writes of $BS through io_uring (polled
# when $HIPRI is --hipri=1).
small_geometry_verify() {
	vbp_wait_dev /dev/vda
	cat /sys/block/vda/queue/logical_block_size
	[ "$(cat /sys/block/vda/queue/logical_block_size)" = "$LBS" ] ||
		fail "logical block size $(cat /sys/block/vda/queue/logical_block_size)"
	# shellcheck disable=SC2086 # $HIPRI: no argument when empty
	vbp_fio v --name=v --filename=/dev/vda --direct=1 --rw=randwrite \
		--bs="$BS" --size=8M --verify=crc32c --verify_fatal=1 \
		--ioengine=io_uring --iodepth=16 $HIPRI
}

# The end of a crc32c verify run on /dev/vda: 24 MiB of 128 KiB
# sequential writes at 32 MiB, verified as written, then a read-back of
# the 16 MiB that an earlier job named "rand4k" wrote in 4 KiB blocks.
verify_seq_and_readback() {
	vsr="--filename=/dev/vda --direct=1 --verify=crc32c --verify_fatal=1"
	# shellcheck disable=SC2086 # word splitting of $vsr intended
	vbp_fio seq128k --name=seq128k $vsr --rw=write --bs=128k --size=24M \
		--offset=32M --ioengine=libaio --iodepth=4
	# shellcheck disable=SC2086 # word splitting of $vsr intended
	vbp_fio readback --name=rand4k $vsr --rw=randwrite --bs=4k --size=16M \
		--ioengine=psync --verify_only=1
}
