#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs once per boot of the Debian test guest (tests/cases/75_guest.py),
# from vbp-e2e.service after multi-user.target: reports what the booted
# system has as "VBP-E2E key=value" lines on the serial console, does
# the step named by vbp_e2e= on the kernel command line, and powers the
# guest off.  The host decides what passes; this script only reports.
#
#   check     report, and poll a file on the root file system with fio
#   purge     check, then remove the test's bad option and run the
#             README's removal lines (apt purge)
#   report    report only
#
# Test-only: the case installs it into its copy of the guest image.

out=/dev/ttyS0
r() { echo "VBP-E2E $1=$2" > $out; }
step=$(sed -n 's/.*vbp_e2e=\([a-z]*\).*/\1/p' /proc/cmdline)
r step "$step"
r kernel "$(uname -r)"
r root "$(findmnt -n -o SOURCE /)"
r target "$(systemctl is-active multi-user.target)"
r failed_units "$(systemctl --failed --plain --no-legend | awk '{ printf "%s ", $1 }')"
r module_file "$(modinfo -n virtio_blk 2>/dev/null)"
r module_version "$(cat /sys/module/virtio_blk/version 2>/dev/null)"
r vda_driver "$(basename "$(readlink -f /sys/block/vda/device/driver)")"
r poll_queues_param "$(cat /sys/module/virtio_blk/parameters/poll_queues 2>/dev/null)"
r vda_poll_queues "$(cat /sys/block/vda/poll_queues 2>/dev/null)"
r queue_depth_param "$(cat /sys/module/virtio_blk/parameters/queue_depth 2>/dev/null)"
r nr_requests "$(cat /sys/block/vda/queue/nr_requests)"
r packed "$(cut -c35 /sys/block/vda/device/features)"
r cpuidle_driver "$(cat /sys/devices/system/cpu/cpuidle/current_driver)"
r cpuidle_file "$(modinfo -n cpuidle_haltpoll_io 2>/dev/null)"
r modprobe_conf "$(grep -h '^options' /etc/modprobe.d/virtio-blk-poll.conf 2>/dev/null | tr '\n' ';')"
r vblkstat "$(command -v vblkstat)"
r man "$(ls /usr/share/man/man8/vblkstat.8.gz 2>/dev/null)"
r dkms "$(dkms status 2>/dev/null | tr '\n' ';')"
dmesg | grep -i 'virtio_blk\|virtio-blk\|queue_depth' | sed 's/^/VBP-E2E-LOG /' > $out

# poll_irqs: interrupts so far on the poll queue's vector of vda
poll_irqs() {
	awk -v d="$vdev-req_poll" '$NF ~ d {
		for (i = 2; i < NF; i++) if ($i ~ /^[0-9]+$/) s += $i
	} END { print s + 0 }' /proc/interrupts
}

polled() {
	f=/var/tmp/vbp-e2e.fio
	fio --name=layout --filename=$f --size=16M --rw=write --bs=1M \
		--direct=1 > /tmp/layout.log 2>&1 ||
		{ r fio_error "layout: $(tail -3 /tmp/layout.log | tr '\n' ' ')"; return; }
	vdev=$(basename "$(readlink -f /sys/block/vda/device)")
	# a split ring's first completion on a poll queue is notified
	# whatever the ring asks: a few reads on each CPU take it first
	for c in $(seq 0 $(($(nproc) - 1))); do
		fio --name=warm --filename=$f --size=16M --rw=randread --bs=4k \
			--direct=1 --ioengine=io_uring --hipri=1 --number_ios=16 \
			--cpus_allowed="$c" > /tmp/warm.log 2>&1
	done
	i0=$(poll_irqs)
	vblkstat -z > /dev/null 2>&1
	fio --name=polled --filename=$f --size=16M --rw=randread --bs=4k \
		--direct=1 --ioengine=io_uring --hipri=1 --number_ios=2000 \
		> /tmp/polled.log 2>&1 || r fio_error "$(tail -3 /tmp/polled.log | tr '\n' ' ')"
	i1=$(poll_irqs)
	r poll_vectors "$(grep -c "$vdev-req_poll" /proc/interrupts)"
	r poll_irqs "$((i1 - i0))"
	r fio_reads "$(grep -o 'issued rwts: total=[0-9]*' /tmp/polled.log | cut -d= -f2)"
	vblkstat -j -d vda -s | sed 's/^/VBP-E2E-VBLKSTAT /' > $out
}

case $step in
check) polled ;;
purge)
	polled
	# the README's removal lines, as the host wrote them (sudo taken
	# out: this runs as root; apt.conf.d answers its question)
	rm -f /etc/modprobe.d/vbp-e2e-bad.conf
	rc=0
	while read -r line; do
		echo "+ $line" >> /tmp/purge.log
		DEBIAN_FRONTEND=noninteractive sh -c "$line" >> /tmp/purge.log 2>&1 ||
			{ rc=$?; break; }
	done < /usr/local/share/vbp-e2e/uninstall
	r purge_rc $rc
	sed 's/^/VBP-E2E-PURGE /' /tmp/purge.log > $out
	;;
esac
r finished 1
sync
systemctl poweroff
