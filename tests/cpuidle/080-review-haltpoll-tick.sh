# SPDX-License-Identifier: GPL-2.0
# description: under the haltpoll governor an idle CPU stops its tick and the poll limit adapts
# kernels: 6.12 debug
# driver: none
# modules: vbp_hints cpuidle_haltpoll_io
# test-modules: vbp_hint_inject vbp_haltpoll_gov
# lib: cpuidle cpuidle-review
# group: cpuidle
# group[kernel=debug]: debug
#
# Review finding of issue 13 (cpuidle/main.c).  The governor registers at
# boot only where the CPU reports KVM (kvm_para_available()), which QEMU
# TCG never does; there the test-only module vbp_haltpoll_gov.ko
# (tests/modules) registers the kernel's built-in copy.  On 6.12 and the
# debug kernel (whose tick is periodic, so only the governor's choices
# are checked there): Debian's 6.1 is built without
# CONFIG_CPU_IDLE_GOV_HALTPOLL.  The idle period (3 s) goes with the
# tick rate bound in the .py.
G=/sys/devices/system/cpu/cpuidle
# Under KVM the governor registered at boot; under TCG register the
# kernel's built-in one (test-only module, see tests/modules).
if ! grep -qw haltpoll $G/available_governors; then
	/usr/sbin/insmod /in/vbp_haltpoll_gov.ko ||
		fail "vbp_haltpoll_gov: $(dmesg | grep vbp_haltpoll_gov | tail -n 1)"
	vbp_result registered_by_module 1
fi
echo haltpoll > $G/current_governor || fail "cannot select haltpoll"
[ "$(cat $G/current_governor_ro)" = haltpoll ] ||
	fail "governor is $(cat $G/current_governor_ro), not haltpoll"
C=/sys/devices/system/cpu/cpu1/cpuidle
loc1() { awk '$1 == "LOC:" { print $3 }' /proc/interrupts; }
ins vbp_hints
ins cpuidle_haltpoll_io
mount -t tracefs tracefs "$T" || fail "mount tracefs"
echo 1 > "$T"/events/power/guest_halt_poll_ns/enable || fail "trace event"
# Short idle periods on CPU 1: the governor's poll limit grows and it
# starts choosing state 0, with the tick running.
inject 300
s1=$(cat $C/state1/usage); l=$(loc1)
sleep 3
vbp_result loc_per_s $(( ($(loc1) - l) / 3 ))
vbp_result state1_entries $(( $(cat $C/state1/usage) - s1 ))
vbp_result grows "$(grep -c "(grow " "$T"/trace)"
vbp_result shrinks "$(grep -c "(shrink " "$T"/trace)"
echo 0 > "$T"/events/power/guest_halt_poll_ns/enable
cat "$D"/cpu1
rm_ cpuidle_haltpoll_io
rm_ vbp_hints
