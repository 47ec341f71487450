# SPDX-License-Identifier: GPL-2.0
# description: blkdebug EIO on one read and one write block: exactly those fail
# vars: io_timeout=5 blk0=12288 nblk=64 rbad=10 wbad=37
# params: io_timeout={io_timeout}
# disks: 64M,backend=blkdebug,rerror=report,werror=report
# timeout: 300
# lib: faults
# env: NBLK={nblk} BLK0={blk0} WBAD={wbad}
#
# 64 blocks of 4 KiB from 48 MiB on (outside the pattern); blkdebug fails
# reads of block RBAD and writes of block WBAD (rules in the .py).
# Exactly those must fail with EIO, the others complete, and what was
# written reads back.
vbp_wait_dev /dev/vda
dd if=/dev/urandom of=/tmp/pat bs=4k count="$NBLK" 2>/dev/null
wfail=""; rfail=""; bad=""
i=0
while [ $i -lt "$NBLK" ]; do
	if ! dd if=/tmp/pat of=/dev/vda bs=4k skip=$i seek=$((BLK0 + i)) \
		count=1 oflag=direct conv=notrunc 2>/tmp/err; then
		grep -q "Input/output error" /tmp/err || { cat /tmp/err; fail "write $i: not EIO"; }
		wfail="$wfail $i"
	fi
	i=$((i + 1))
done
i=0
while [ $i -lt "$NBLK" ]; do
	if ! dd if=/dev/vda of=/tmp/blk bs=4k skip=$((BLK0 + i)) count=1 \
		iflag=direct 2>/tmp/err; then
		grep -q "Input/output error" /tmp/err || { cat /tmp/err; fail "read $i: not EIO"; }
		rfail="$rfail $i"
	elif [ $i != "$WBAD" ]; then
		dd if=/tmp/pat bs=4k skip=$i count=1 2>/dev/null | cmp -s - /tmp/blk ||
			bad="$bad $i"
	fi
	i=$((i + 1))
done
vbp_log "failed writes:$wfail; failed reads:$rfail; corrupt:$bad"
# echo drops the leading blank
# shellcheck disable=SC2086,SC2116
vbp_result wfail "$(echo $wfail)"
# echo drops the leading blank
# shellcheck disable=SC2086,SC2116
vbp_result rfail "$(echo $rfail)"
# echo drops the leading blank
# shellcheck disable=SC2086,SC2116
vbp_result corrupt "$(echo $bad)"
fault_pattern write pat
fault_counters vda
fault_pattern verify verify
dmesg | grep "I/O error" | tail -n 20
