# SPDX-License-Identifier: GPL-2.0
# Guest helpers for the cpuidle review scenarios (review-* in
# tests/cpuidle/, "# lib: cpuidle cpuidle-review"): on top of
# tests/lib/cpuidle.sh, a module that does not load or unload fails the
# script, and the tracing directory.
#
#   ins NAME [PARAMS]	insmod /in/NAME.ko or fail; PARAMS split into words
#   rm_ NAME		rmmod NAME or fail
#   inject [LOOPS]	a simulated 100 us device on CPU 1 (I/O-aware
#			polls, or short idle periods that grow the classic
#			window): LOOPS (200) requests of vbp_hint_inject.ko

# shellcheck disable=SC2034 # T is for the scenarios
T=/sys/kernel/tracing
# shellcheck disable=SC2086 # $2: none, one or more parameters
ins() { /usr/sbin/insmod /in/"$1".ko $2 || fail "insmod $1 $2"; }
rm_() { /usr/sbin/rmmod "$1" || fail "rmmod $1"; }
inject() { ins vbp_hint_inject "cpu=1 loops=${1:-200} service_us=100"; rm_ vbp_hint_inject; }
