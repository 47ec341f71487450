# SPDX-License-Identifier: GPL-2.0
# description: /sys/block/<disk>/poll_queues changed 0-1-2-0 during fio verify; the other disk untouched; bad values and concurrent writers
# kernels: 6.1 6.12 debug
# smp: 4
# params: poll_queues=0
# disks: 64M,num_queues=4; 64M,num_queues=4
# timeout: 900
# quick: 6.12
# tier[kernel=debug]: check
# group[kernel=debug]: debug
#
# vda starts with no poll queue (the parameter), vdb gets one through
# its own attribute.  While fio writes and verifies on vda (interrupt and
# polled jobs) and on vdb, vda goes to 1, 2 and back to 0 poll queues.
# After each change: the attribute, the queue types (debugfs) and the
# CPU maps (/sys/block/vda/mq/) follow the new split, polled I/O takes
# no interrupt on vda's poll vectors, and polled I/O still works with no
# poll queue at all (it falls back to interrupts).  At the end every job
# verified clean, a pattern written before the changes reads back, vdb
# kept its split, was never reset and its vectors never changed.
# a copy in tmpfs: the 9p share of /in is not readable by other users
cp /in/vblkstat /in/vblkstat.awk /tmp/ || fail "copy vblkstat"
A=/sys/block/vda/poll_queues
B=/sys/block/vdb/poll_queues
vbp_wait_dev /dev/vda
vbp_wait_dev /dev/vdb
[ "$(cat $A)" = 0 ] || fail "vda starts with $(cat $A) poll queues, want 0"
echo 1 > $B || fail "cannot set vdb's poll queues"
[ "$(cat $B)" = 1 ] || fail "vdb has $(cat $B) poll queues after writing 1"

# check_split DISK N: DISK has N poll queues of 4 everywhere it shows.
check_split() {
	[ "$(cat "/sys/block/$1/poll_queues")" = "$2" ] ||
		fail "$1: poll_queues reads $(cat "/sys/block/$1/poll_queues"), want $2"
	[ "$(vbp_devstat "$1" poll_queues)" = "$2" ] ||
		fail "$1: debugfs says $(vbp_devstat "$1" poll_queues) poll queues, want $2"
	[ "$(find "/sys/block/$1/mq" -mindepth 1 -maxdepth 1 | wc -l)" = 4 ] ||
		fail "$1: $(ls "/sys/block/$1/mq") in mq/, want 4 hardware queues"
	h=0
	while [ $h -lt 4 ]; do
		want=default
		[ $h -lt $((4 - $2)) ] || want=poll
		t=$(cat "/sys/kernel/debug/block/$1/hctx$h/type")
		[ "$t" = "$want" ] || fail "$1: hctx$h is $t, want $want"
		dt=$(awk '$1 == "type" { print $2 }' "$VBP_DBG/$1/q$h/stats")
		[ "$dt" = "$want" ] || fail "$1: queue $h is $dt, want $want"
		h=$((h + 1))
	done
	# every CPU once in the default hctxs, and once in the poll ones
	for t in default poll; do
		cpus=$(for d in "/sys/kernel/debug/block/$1"/hctx*; do
			[ "$(cat "$d/type")" = $t ] || continue
			n=${d##*hctx}
			sed 's/[, ]\{1,\}/\n/g' "/sys/block/$1/mq/$n/cpu_list"
		done | grep . | sort -n | tr '\n' ' ')
		[ $t = poll ] && [ "$2" = 0 ] && { [ -z "$cpus" ] ||
			fail "$1: CPUs $cpus mapped to poll queues, none exist"; continue; }
		[ "$cpus" = "0 1 2 3 " ] ||
			fail "$1: $t hctxs cover CPUs '$cpus', want each of 0-3 once"
	done
	grep -H . "/sys/block/$1/mq"/*/cpu_list | tr '\n' ' '; echo
	# vblkstat reports the split as it is now
	sh /tmp/vblkstat -j -D | grep -q "\"disk\":\"$1\",\"default_queues\":$((4 - $2)),\"poll_queues\":$2," ||
		{ sh /tmp/vblkstat -j -D; fail "vblkstat does not show $1 with $2 poll queues"; }
}

# polled_reads NAME COUNT N [FIO-OPTIONS...]: COUNT polled 4 KiB reads on
# vda (N poll queues)
polled_reads() {
	pr_n=$1; pr_c=$2; pr_q=$3; shift 3
	fio --name="$pr_n" --filename=/dev/vda --direct=1 --rw=randread --bs=4k \
		--offset=48M --size=4M --number_ios="$pr_c" --ioengine=io_uring \
		--hipri=1 "$@" > "/tmp/$pr_n.log" 2>&1 ||
		{ cat "/tmp/$pr_n.log"; fail "polled reads with $pr_q poll queues failed"; }
}

# polled_irqs N: with N > 0 poll queues, polled reads on vda are polled
# and raise no interrupt on its poll vectors.  A first completion on a
# new ring may (split ring, used_event 0): the warm-up reads run once on
# each CPU, so that every poll ring takes its first completion before
# the count; one unpinned warm-up once left the second ring cold.  With
# none, the queue says it cannot poll: 6.1 then completes polled reads
# by interrupt, 6.12 refuses them (EOPNOTSUPP, as for any disk without
# poll queues).
polled_irqs() {
	io_poll=$(cat /sys/block/vda/queue/io_poll)
	if [ "$1" = 0 ]; then
		[ "$io_poll" = 0 ] || fail "io_poll is $io_poll with no poll queue"
		return
	fi
	[ "$io_poll" = 1 ] || fail "io_poll is $io_poll with $1 poll queues"
	vdev=$(basename "$(readlink -f /sys/block/vda/device)")
	for c in 0 1 2 3; do
		polled_reads warm$c 16 "$1" --cpus_allowed=$c
	done
	i0=$(vbp_irqs "$vdev-req_poll")
	p0=$(vbp_stat vda poll_completions)
	polled_reads count 512 "$1"
	i1=$(vbp_irqs "$vdev-req_poll")
	p1=$(vbp_stat vda poll_completions)
	vbp_log "$1 poll queues: $((p1 - p0)) polled completions, $((i1 - i0)) poll-vector interrupts"
	[ $((p1 - p0)) -ge 512 ] ||
		fail "$1 poll queues: only $((p1 - p0)) of 512 reads polled"
	[ $((i1 - i0)) = 0 ] ||
		fail "$1 poll queues: $((i1 - i0)) interrupts on poll vectors"
}

# stop_job PID NAME: end a background fio; it must have seen no error
stop_job() {
	kill -INT "$1" 2>/dev/null
	wait "$1"
	grep -q "err= 0" "/tmp/$2.log" ||
		{ cat "/tmp/$2.log"; fail "fio $2 had errors"; }
	vbp_log "fio $2: $(grep -o 'issued rwts: total=[0-9,]*' "/tmp/$2.log")"
}

check_split vda 0
check_split vdb 1
vbp_fio pat --name=pat --filename=/dev/vda --direct=1 --rw=write --bs=64k \
	--offset=32M --size=16M --verify=crc32c --verify_fatal=1 --ioengine=psync
vdbdev=$(basename "$(readlink -f /sys/block/vdb/device)")
vdb_irqs0=$(grep "$vdbdev-" /proc/interrupts | awk '{ print $1 $NF }' | tr '\n' ' ')

# background I/O over the changes: interrupt and polled jobs on vda, one
# on vdb; each writes and verifies as it goes
job() {	# job NAME DEV OFFSET ENGINE-OPTIONS...
	n=$1; d=$2; o=$3; shift 3
	fio --name="$n" --filename="$d" --direct=1 --rw=randwrite --bs=4k \
		--offset="$o" --size=8M --iodepth=8 --verify=crc32c \
		--verify_backlog=64 --verify_fatal=1 --time_based --runtime=3600 \
		"$@" > "/tmp/$n.log" 2>&1 &
}
job irq /dev/vda 0 --ioengine=libaio
pirq=$!
job other /dev/vdb 0 --ioengine=io_uring --hipri=1
pother=$!
vbp_wait_io $pirq vda
vbp_wait_io $pother vdb

ppoll=
for np in 1 2 0; do
	# polled I/O needs a poll queue on 6.12: the polled job runs while
	# vda has some, and across the change from 1 to 2
	[ "$np" = 0 ] && [ -n "$ppoll" ] && { stop_job $ppoll poll; ppoll=; }
	vbp_wait_io $pirq vda 30
	vbp_log_mark
	t0=$(cut -d' ' -f1 /proc/uptime)
	echo $np > $A || { vbp_log_since; fail "writing $np to vda's poll_queues"; }
	vbp_log "vda: $np poll queues after $(awk -v t="$t0" '{ print $1 - t }' /proc/uptime) s"
	vbp_log_since | grep virtio
	check_split vda $np
	check_split vdb 1
	# $ppoll is empty while no polled job runs: unquoted on purpose
	# shellcheck disable=SC2086
	for p in $pirq $ppoll $pother; do
		vbp_exited "$p" 0 && { cat /tmp/*.log; fail "fio $p stopped after the change to $np"; }
	done
	polled_irqs $np
	if [ "$np" = 1 ]; then
		job poll /dev/vda 16M --ioengine=io_uring --hipri=1
		ppoll=$!
		vbp_wait_io $ppoll vda
	fi
done

# bad values: refused, or clamped with a message; the split stays valid
for v in abc -1 "" 1x; do
	vbp_log_mark
	if echo "$v" > $A 2>/dev/null; then fail "'$v' accepted"; fi
	[ "$(cat $A)" = 0 ] || fail "'$v' changed poll_queues to $(cat $A)"
	vbp_log_since | grep -q "vda: poll_queues: '$v' is not an unsigned integer" ||
		{ vbp_log_since; fail "no message for '$v'"; }
done
vbp_log_mark
echo 99 > $A || fail "99 refused"
vbp_log_since | grep -q "poll_queues=99 reduced to 3" ||
	{ vbp_log_since; fail "no message for poll_queues=99"; }
check_split vda 3
# two writers at once: both succeed, one after the other
echo 1 > $A &
w1=$!
echo 2 > $A &
w2=$!
wait $w1 || fail "concurrent writer of 1 failed"
wait $w2 || fail "concurrent writer of 2 failed"
nw=$(cat $A)
case $nw in 1|2) ;; *) fail "after writers of 1 and 2 poll_queues is $nw" ;; esac
check_split vda "$nw"
echo 0 > $A || fail "back to 0"
check_split vda 0

stop_job $pirq irq
stop_job $pother other
vbp_fio patcheck --name=pat --filename=/dev/vda --direct=1 --rw=write \
	--bs=64k --offset=32M --size=16M --verify=crc32c --verify_fatal=1 \
	--ioengine=psync --verify_only=1
check_split vdb 1
[ "$(vbp_devstat vdb resets)" = 0 ] || fail "vdb was reset"
vdb_irqs1=$(grep "$vdbdev-" /proc/interrupts | awk '{ print $1 $NF }' | tr '\n' ' ')
[ "$vdb_irqs0" = "$vdb_irqs1" ] ||
	fail "vdb's vectors changed: '$vdb_irqs0' then '$vdb_irqs1'"
vbp_result resets "$(vbp_devstat vda resets)"
vbp_result failed "$(vbp_devstat vda failed)"
[ "$(vbp_devstat vda failed)" = 0 ] || fail "vda failed requests"
