# SPDX-License-Identifier: GPL-2.0
# description: cpuidle_haltpoll_io refuses to load without a hypervisor unless force=1
# kernels: 6.1 6.12
# driver: none
# modules: vbp_hints cpuidle_haltpoll_io
# lib: cpuidle
# group: cpuidle
#
# The .py hides the hypervisor CPUID bit (-cpu max,hypervisor=off).
grep -qw hypervisor /proc/cpuinfo && fail "guest still sees a hypervisor"
ins vbp_hints || fail "vbp_hints"
ins cpuidle_haltpoll_io 2>/dev/null && fail "loaded without a hypervisor"
dmesg | grep -q "not running under a hypervisor" || fail "no message"
ins cpuidle_haltpoll_io force=1 || fail "force=1 refused"
[ "$(drv)" = haltpoll_io ] || fail "force=1: driver $(drv)"
sleep 0.5
rm_ cpuidle_haltpoll_io || fail "unload"
rm_ vbp_hints
