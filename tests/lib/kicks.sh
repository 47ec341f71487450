# SPDX-License-Identifier: GPL-2.0
# Guest helpers that count virtqueue notifications ("kicks") of any
# virtio-blk driver (tests/driver/*.sh with "# lib: kicks"), put before
# the scenario's script, after lib.sh.  A kprobe on virtio_pci's
# vp_notify (every kick of a virtio-pci queue is one call of it) feeds a
# histogram keyed by the queue's name; kicks_count adds up the queues
# named like a virtio-blk driver's (req.N, req_poll.N), not the 9p
# shares' ("requests").
VBP_TR=/sys/kernel/tracing

# kicks_setup: mount tracefs and create the probe (disabled).
kicks_setup() {
	[ -d "$VBP_TR/events" ] || mount -t tracefs nodev "$VBP_TR" ||
		fail "cannot mount tracefs"
	# struct virtqueue: name is the pointer after list and callback
	echo 'p:vbp/notify vp_notify name=+0(+24(%di)):string' \
		>> "$VBP_TR/kprobe_events" || fail "cannot probe vp_notify"
}

# kicks_start: zero the count (a new histogram) and enable the probe.
kicks_start() {
	echo '!hist:keys=name' > "$VBP_TR/events/vbp/notify/trigger" 2>/dev/null
	echo 'hist:keys=name' > "$VBP_TR/events/vbp/notify/trigger" ||
		fail "cannot set a hist trigger on vp_notify"
	echo 1 > "$VBP_TR/events/vbp/notify/enable"
}

# kicks_count: disable the probe and print the kicks since kicks_start.
kicks_count() {
	echo 0 > "$VBP_TR/events/vbp/notify/enable"
	grep -v '^#' "$VBP_TR/events/vbp/notify/hist" >> "$VBP_OUT/kicks-hist.txt"
	awk '/name: req[._]/ { for (i = 1; i < NF; i++)
		if ($i == "hitcount:") s += $(i + 1) } END { print s + 0 }' \
		"$VBP_TR/events/vbp/notify/hist"
}

# disk_ios DISK: reads plus writes completed on DISK so far.
disk_ios() { awk '{ print $1 + $5 }' "/sys/block/$1/stat"; }
