# SPDX-License-Identifier: GPL-2.0
# description: our virtio_blk feeds the I/O hints only while cpuidle_haltpoll_io is loaded
# name: cpuidle/hints-from-virtio_blk/{kernel}
# modules: vbp_hints cpuidle_haltpoll_io
# lib: cpuidle
# disks: size=64M,num_queues=2
# group: cpuidle
# group[kernel=debug]: debug
#
# Our virtio_blk as the producer of the hints.  It counts nothing while no
# consumer is loaded (the service time average stays 0); with
# cpuidle_haltpoll_io loaded, QD1 interrupt-driven I/O must open I/O-aware
# polls that end with the completion's wakeup, and the per-CPU in-flight
# count must drain back to 0.  Removing the consumer stops the counting
# again, and the modules unload in any order afterwards.
vbp_wait_dev /dev/vda
qd1() {	# qd1 NAME SECONDS
	vbp_fio "$1" --name="$1" --filename=/dev/vda --direct=1 --rw=randread \
		--bs=4k --iodepth=1 --ioengine=io_uring --time_based \
		--runtime="$2" --size=32M
}
svc() { for c in 0 1; do st $c hint_service_ns; done | tr '\n' ' '; }
sum() { echo $(( $(st 0 "$1") + $(st 1 "$1") )); }
qd1 before 2
ins cpuidle_haltpoll_io || fail "load cpuidle_haltpoll_io"
[ "$(svc)" = "0 0 " ] || fail "hints counted with no consumer: service_ns $(svc)"
echo all > "$D"/reset
qd1 hinted 4
vbp_result io_polls "$(sum io_polls)"
vbp_result io_wakeups "$(sum io_wakeups)"
vbp_result io_completions "$(sum io_completions)"
vbp_result service_ns "$(svc)"
sleep 0.5
for c in 0 1; do
	[ "$(st $c hint_inflight)" = 0 ] || fail "cpu$c: $(st $c hint_inflight) hinted requests still in flight"
done
[ "$(sum io_polls)" -gt 0 ] || fail "no I/O-aware poll during QD1 I/O"
[ $(( $(sum io_wakeups) + $(sum io_completions) )) -gt 0 ] ||
	fail "no I/O-aware poll ended by the completion"
rm_ cpuidle_haltpoll_io || fail "unload cpuidle_haltpoll_io"
qd1 after 2
ins cpuidle_haltpoll_io || fail "reload cpuidle_haltpoll_io"
vbp_result service_after "$(svc)"
rm_ cpuidle_haltpoll_io || fail "unload cpuidle_haltpoll_io again"
rm_ vbp_hints 2>/dev/null && fail "vbp_hints unloaded under virtio_blk"
vbp_unload
rm_ vbp_hints || fail "unload vbp_hints"
