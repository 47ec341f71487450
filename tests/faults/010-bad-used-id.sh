# SPDX-License-Identifier: GPL-2.0
# description: a used id that is not in flight is rejected with a message
# params: poll_queues=1 io_timeout=5
# disks: 64M,num_queues=2
# timeout: 300
# lib: faults
#
# A device returning a used id that is not in flight: "badid" feeds a
# token no request has, "dupid" the id of a request that already
# completed, both through the driver's normal check on the next reap.
vbp_wait_dev /dev/vda
fault_pattern write pat
for what in badid dupid; do
	for eng in "--ioengine=libaio" "--ioengine=io_uring --hipri=1"; do
		case "$eng" in
		*hipri*) q="req_poll" ;;
		*) q="req" ;;
		esac
		dmesg -c > /dev/null
		echo $what > "$VBP_DBG/vda/inject" || fail "inject $what"
		# $eng: fio options, split on purpose.
		# shellcheck disable=SC2086
		fio --name=x --filename=/dev/vda --direct=1 --rw=randwrite \
			--bs=4k --offset=32M --size=1M --verify=crc32c \
			--verify_fatal=1 $eng --iodepth=4 > /tmp/x.log 2>&1 ||
			{ cat /tmp/x.log; fail "I/O failed after $what"; }
		dmesg | grep "$q\.[0-9]*: .*not in flight" ||
			fail "no message for $what on a $q queue ($eng)"
	done
done
fault_counters vda
fault_pattern verify verify
