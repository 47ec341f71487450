# SPDX-License-Identifier: GPL-2.0
# description: cpuidle_haltpoll_io refuses to load with idle= on the command line
# kernels: 6.1 6.12
# driver: none
# modules: vbp_hints cpuidle_haltpoll_io
# lib: cpuidle
# group: cpuidle
#
# The .py boots with idle=halt.
ins vbp_hints || fail "vbp_hints"
ins cpuidle_haltpoll_io 2>/dev/null && fail "loaded despite idle="
dmesg | grep -q "idle= on the kernel command line" || fail "no idle= message"
rm_ vbp_hints
