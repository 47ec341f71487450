# SPDX-License-Identifier: GPL-2.0
# description: device resets while an idle CPU watches the queue: a stalled ring, NEEDS_RESET, nothing lost
# name: faults/idle-complete-reset/{kernel}
# vars: io_timeout=5
# params: poll_queues=0 io_timeout={io_timeout}
# modules: vbp_hints cpuidle_haltpoll_io
# disks: 64M,num_queues=2
# timeout: 400
# lib: faults cpuidle
#
# cpuidle_haltpoll_io with io_complete=Y and QD1 I/O pinned to CPU 1, so
# that CPU 1 idles with a window open on its queue.  First debugfs
# "stall": the ring moves but nothing is reaped, so the idle loop sees
# pending work it cannot complete; its windows must still end (the
# requests time out, the reset completes them).  Then "badhdr": the device
# sets NEEDS_RESET and the reset tears the virtqueues down while windows
# may be open.  Afterwards the idle loop must complete requests again,
# and the pattern written before must read back.
vbp_wait_dev /dev/vda
ins cpuidle_haltpoll_io || fail "load cpuidle_haltpoll_io"
fault_pattern write pat
vbp_stats_reset vda
echo all > "$D"/reset
echo stall > "$VBP_DBG/vda/inject" || fail "inject stall"
t0=$(date +%s)
cpu1_qd1 stalled /dev/vda --rw=randwrite --offset=32M --size=1M --verify=crc32c \
	--verify_fatal=1
vbp_result seconds "$(($(date +%s) - t0))"
vbp_result stall_kicks "$(st 1 io_kicks)"
echo badhdr > "$VBP_DBG"/vda/inject || fail "inject badhdr"
cpu1_qd1 rd /dev/vda --rw=randread --offset=0 --size=16M --number_ios=256
dmesg | grep -q "device needs reset" || fail "no 'device needs reset' message"
fault_counters vda
vbp_stats_reset vda
cpu1_qd1 after /dev/vda --rw=randread --offset=0 --size=16M --number_ios=1000
vbp_result idle_completions "$(vbp_stat vda idle_completions)"
fault_pattern verify verify
rm_ cpuidle_haltpoll_io || fail "unload cpuidle_haltpoll_io"
