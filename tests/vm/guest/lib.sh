# SPDX-License-Identifier: GPL-2.0
# Helpers for guest test scripts (busybox sh).  Sourced before test.sh.
# Host tools (fio, kmod, setpci) come from the host's /usr over 9p.

KREL=$(uname -r)

vbp_log() { echo "vbp: $*"; }
fail() { echo "FAIL: $*"; exit 1; }

# Kernel module file of the in-tree driver of the running kernel.
vbp_stock_ko() {
	for f in "/lib/modules/$KREL/kernel/drivers/block/virtio_blk.ko"*; do
		[ -e "$f" ] && echo "$f" && break
	done
	return 0
}

# vbp_load_stock [param=value ...]: load the in-tree virtio_blk.
vbp_load_stock() {
	ko=$(vbp_stock_ko)
	[ -n "$ko" ] || fail "in-tree virtio_blk.ko not found for $KREL"
	/usr/sbin/insmod "$ko" "$@" || fail "insmod stock virtio_blk $*"
	vbp_log "loaded stock virtio_blk $*"
}

# vbp_load_hints: load vbp_hints.ko from /in unless it is loaded; our
# virtio_blk and cpuidle_haltpoll_io both need it (modprobe would do this).
vbp_load_hints() {
	[ -d /sys/module/vbp_hints ] && return 0
	[ -f /in/vbp_hints.ko ] || fail "vbp_hints.ko was not provided"
	/usr/sbin/insmod /in/vbp_hints.ko || fail "insmod vbp_hints"
}

# vbp_load_ours [param=value ...]: load our virtio_blk from /in.
vbp_load_ours() {
	[ -f /in/virtio_blk.ko ] || fail "our virtio_blk.ko was not provided"
	vbp_load_hints
	/usr/sbin/insmod /in/virtio_blk.ko "$@" || fail "insmod our virtio_blk $*"
	vbp_log "loaded our virtio_blk $*"
}

# vbp_load DRIVER [params]: DRIVER is "stock" or "ours".
vbp_load() {
	d=$1; shift
	case "$d" in
	stock) vbp_load_stock "$@" ;;
	ours) vbp_load_ours "$@" ;;
	*) fail "unknown driver $d" ;;
	esac
}

vbp_unload() { /usr/sbin/rmmod virtio_blk || fail "rmmod virtio_blk"; }

# vbp_wait_dev DEV [seconds]: wait for a block device node.
vbp_wait_dev() {
	n=0
	while [ ! -b "$1" ]; do
		n=$((n + 1))
		[ $n -gt $((${2:-10} * 10)) ] && fail "$1 did not appear"
		sleep 0.1
	done
}

# vbp_irqs PATTERN: total interrupts on /proc/interrupts lines matching.
vbp_irqs() {
	awk -v pat="$1" -v ncpu="$(grep -c ^processor /proc/cpuinfo)" '
		$0 ~ pat { for (i = 2; i <= ncpu + 1; i++) s += $i }
		END { print s + 0 }' /proc/interrupts
}

# vbp_fio NAME fio-args...: run fio, JSON result to /out/fio-NAME.json.
vbp_fio() {
	name=$1; shift
	fio --output-format=json --output="$VBP_OUT/fio-$name.json" "$@" ||
		{ cat "$VBP_OUT/fio-$name.json"; fail "fio $name failed"; }
	vbp_log "fio $name ok"
}

# vbp_exited PID SECONDS: true once PID has exited (a zombie has), false
# if it still runs after SECONDS.  Busybox only, so usable after 9p died.
vbp_exited() {
	n=0
	while [ -d "/proc/$1" ] && [ "$(cut -d' ' -f3 "/proc/$1/stat")" != Z ]; do
		n=$((n + 1))
		[ $n -gt $(($2 * 5)) ] && return 1
		sleep 0.2
	done
	return 0
}

# vbp_wait_io PID DEV [SECONDS]: wait until DEV completes requests
# (reads or writes counted after the call), so the background job PID
# is really doing I/O before a fault hits; a fixed sleep is not enough
# when fio, started from 9p on a slow guest, takes seconds to open the
# disk.  Fails if PID exits first or nothing completes in SECONDS (60).
vbp_wait_io() {
	n0=$(awk '{ print $1 + $5 }' "/sys/block/$2/stat")
	n=0
	while [ "$(awk '{ print $1 + $5 }' "/sys/block/$2/stat")" -le $((n0 + 8)) ]; do
		vbp_exited "$1" 0 && fail "background job exited before doing I/O on $2"
		n=$((n + 1))
		[ $n -lt $((${3:-60} * 10)) ] || fail "no I/O on $2 within ${3:-60} s"
		sleep 0.1
	done
}

# vbp_log_mark, then vbp_log_since: the kernel messages logged since the
# mark.
vbp_log_mark() { vbp_log_line=$(dmesg | wc -l); }
vbp_log_since() { dmesg | tail -n +$((vbp_log_line + 1)); }

# vbp_result KEY VALUE: record a value for the host side.
vbp_result() { echo "$1=$2" >> "$VBP_OUT/results.txt"; }

# vbp_disk_irqs DEV: interrupts so far on the virtio device behind DEV
# (all its vectors: config and request queues).
vbp_disk_irqs() {
	vdev=$(basename "$(readlink -f "/sys/block/$1/device")")
	vbp_irqs "$vdev-"
}

# vbp_cpu_busy: busy USER_HZ ticks of all CPUs so far (not idle/iowait).
vbp_cpu_busy() {
	awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
}

# vbp_mark NAME: tell the host a phase starts or ends (host samples the
# QEMU process's CPU time when it sees the file appear).
vbp_mark() {
	: > "$VBP_OUT/mark-$1"
	sync
	sleep 0.2
}

# Our driver's debugfs counters (virtio_blk/debugfs.c), read-only:
#   /sys/kernel/debug/virtio-blk-poll/<disk>/q<N>/stats  per queue
#   /sys/kernel/debug/virtio-blk-poll/<disk>/device      per disk
# and /sys/kernel/debug/virtio-blk-poll/<disk>/reset to zero them.
VBP_DBG=/sys/kernel/debug/virtio-blk-poll

# vbp_stat DISK NAME [QUEUE]: NAME summed over the disk's queues, or of
# queue number QUEUE only.
vbp_stat() {
	vsq="q${3:-*}"
	# shellcheck disable=SC2086 # $vsq is a glob on purpose
	ls "$VBP_DBG/$1"/$vsq/stats >/dev/null 2>&1 ||
		fail "no debugfs stats for $1${3:+ queue $3}"
	# shellcheck disable=SC2086
	cat "$VBP_DBG/$1"/$vsq/stats | awk -v n="$2" '$1 == n { s += $2 } END { print s + 0 }'
}

# vbp_ios DISK: requests the disk has ended, by any path (interrupts,
# timeouts and resets, the poll handler, idle CPUs), as vblkstat counts.
vbp_ios() {
	echo $(($(vbp_stat "$1" completions) + $(vbp_stat "$1" poll_completions) + $(vbp_stat "$1" idle_completions)))
}

# vbp_devstat DISK NAME: one per-disk counter.
vbp_devstat() {
	awk -v n="$2" '$1 == n { print $2 }' "$VBP_DBG/$1/device"
}

# vbp_stats_reset DISK: zero the disk's counters (its own and its queues').
vbp_stats_reset() {
	echo 1 > "$VBP_DBG/$1/reset" || fail "cannot reset the counters of $1"
}

# vbp_host_step NAME [SECONDS]: ask the host to run its step NAME (see
# caselib.host_steps) and wait until it says it is done.
vbp_host_step() {
	echo go > "$VBP_OUT/step-$1"
	sync
	n=0
	while [ ! -e "$VBP_OUT/done-$1" ]; do
		n=$((n + 1))
		[ $n -gt $((${2:-120} * 5)) ] && fail "host step $1 did not finish"
		sleep 0.2
	done
	msg=$(cat "$VBP_OUT/done-$1")
	vbp_log "host step $1 done: $msg"
	case "$msg" in FAILED*) fail "host step $1: $msg" ;; esac
}
