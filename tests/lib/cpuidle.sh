# SPDX-License-Identifier: GPL-2.0
# Guest helpers for the cpuidle scenarios (tests/cpuidle/): paths of
# cpuidle_haltpoll_io's parameters and debugfs statistics, and module
# loading from /in that leaves the verdict to the caller.
#
#   ins NAME [PARAMS]	insmod /in/NAME.ko; PARAMS is split into words
#   rm_ NAME		rmmod NAME
#   st CPU KEY		value of KEY in the debugfs statistics of CPU
#   drv			the current cpuidle driver ("none" if none)
#   cpu1_qd1 NAME DEV [FIO-ARGS]	QD1 4k direct io_uring (no hipri) on
#			DEV, pinned to CPU 1: that CPU idles with a request
#			in flight on the queue serving it

# shellcheck disable=SC2034 # P and D are for the scenarios
P=/sys/module/cpuidle_haltpoll_io/parameters
D=/sys/kernel/debug/cpuidle_haltpoll_io
CUR=/sys/devices/system/cpu/cpuidle/current_driver
# shellcheck disable=SC2086 # $2: none, one or more parameters
ins() { /usr/sbin/insmod /in/"$1".ko $2; }
rm_() { /usr/sbin/rmmod "$1"; }
st() { awk -v k="$2" '$1 == k { print $2 }' "$D"/cpu"$1"; }
drv() { cat "$CUR"; }
cpu1_qd1() {
	n=$1 dev=$2; shift 2
	vbp_fio "$n" --name="$n" --filename="$dev" --direct=1 --bs=4k \
		--iodepth=1 --ioengine=io_uring --cpus_allowed=1 "$@"
}
