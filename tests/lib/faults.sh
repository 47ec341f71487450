# SPDX-License-Identifier: GPL-2.0
# Guest helpers of the fault scenarios (tests/faults/*.sh with
# "# lib: faults"), put before the scenario's script, after lib.sh.
PAT="--name=pat --filename=/dev/vda --direct=1 --rw=write --bs=64k --offset=0 --size=${PAT_SIZE:-16M} --verify=crc32c --verify_fatal=1 --ioengine=psync"
# fault_pattern write|verify NAME: the acknowledged pattern (region A).
fault_pattern() {
	# PAT is a list of fio options: split on purpose.
	# shellcheck disable=SC2086
	if [ "$1" = write ]; then
		vbp_fio "$2" $PAT
	else
		vbp_fio "$2" $PAT --verify_only=1
	fi
}

# fault_states: "pid state comm" of every fio and dd task (threads too).
fault_states() {
	for f in /proc/[0-9]*/task/[0-9]*/stat; do
		line=$(cat "$f" 2>/dev/null) || continue
		case "$line" in
		*"(fio)"*|*"(dd)"*) echo "$line" | awk '{ print $1, $3, $2 }' ;;
		esac
	done
}

# fault_nstate STATE: number of fio and dd tasks in STATE.
fault_nstate() { fault_states | awk -v s="$1" '$2 == s' | wc -l; }

# fault_counters DISK: record our per-disk recovery counters.
fault_counters() {
	cat "$VBP_DBG/$1/device"
	for k in timeouts resets requeues failed dead; do
		vbp_result $k "$(vbp_devstat "$1" $k)"
	done
}

# fault_stall_start: write the pattern, zero the counters of vda, then
# make its queues ignore used buffers until the next reset (debugfs).
fault_stall_start() {
	vbp_wait_dev /dev/vda
	fault_pattern write pat
	vbp_stats_reset vda
	echo stall > "$VBP_DBG/vda/inject" || fail "inject stall"
}

# fault_inflight: requests of vda in flight (reads + writes).
fault_inflight() { awk '{ print $1 + $2 }' /sys/block/vda/inflight; }

# fault_wait_gone: wait until /dev/vda is gone after the host's
# device_del (at most 60 s).
fault_wait_gone() {
	n=0
	while [ -b /dev/vda ]; do
		n=$((n + 1))
		[ $n -gt 300 ] && fail "/dev/vda still there 60s after device_del"
		sleep 0.2
	done
	vbp_log "/dev/vda gone"
}
