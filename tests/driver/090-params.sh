# SPDX-License-Identifier: GPL-2.0
# description: bad and odd parameter values at load and run time: ignored or clamped, never refused
# driver: none
# modules: virtio_blk vbp_hints
# disks: size=16M,num_queues=2,queue_size=256
# quick: 6.1
# group: driver
# group[kernel=debug]: debug
#
# Bad and odd parameter values at load time: never refused (a bad option
# in the initramfs must not cost the root disk), but ignored or clamped
# with a message naming the value, and a working disk.  At run time text
# is refused, values out of range clamped.  Never a crash.
ko=/in/virtio_blk.ko
p=/sys/module/virtio_blk/parameters
vbp_load_hints
accept() {	# accept "message" "[param:]key=value" params...
	msg=$1; want=$2; shift 2
	dmesg -c >/dev/null
	/usr/sbin/insmod $ko "$@" || fail "insmod $* refused"
	vbp_wait_dev /dev/vda
	[ -z "$msg" ] || dmesg | grep -q "$msg" ||
		{ dmesg | tail; fail "no '$msg' for $*"; }
	k=${want%%=*}; v=${want#*=}
	case $k in
	param:*) k=${k#param:}; got=$(cat "$p/$k") ;;
	*) got=$(vbp_devstat vda "$k") ;;
	esac
	[ "$got" = "$v" ] || fail "$*: $k is $got, want $v"
	fio --name=q --filename=/dev/vda --direct=1 --rw=randwrite --bs=4k \
		--size=2M --verify=crc32c --verify_fatal=1 --iodepth=8 \
		--ioengine=libaio >/dev/null || fail "I/O failed with $*"
	/usr/sbin/rmmod virtio_blk || fail "rmmod after $*"
	vbp_log "accepted $*: $k=$got"
}
accept "'-1' is not an unsigned integer, ignored" poll_queues=0 poll_queues=-1
accept "'abc' is not an unsigned integer, ignored" poll_queues=0 poll_queues=abc
accept "'' is not an unsigned integer, ignored" poll_queues=0 poll_queues
accept "'1x' is not an unsigned integer, ignored" default_queues=2 \
	num_request_queues=1x
accept "'-4' is not an unsigned integer, ignored" queue_depth=128 \
	queue_depth=-4
accept "exceeds the block layer maximum, using 10240" param:queue_depth=10240 \
	queue_depth=100000
accept "exceeds the maximum in seconds, using 3600" param:io_timeout=3600 \
	io_timeout=99999
accept "exceeds the" poll_queues=1 poll_queues=1000
accept "exceeds the" default_queues=2 num_request_queues=4000000000
accept "" default_queues=1 num_request_queues=1
accept "reduced to" poll_queues=1 poll_queues=2
accept "" queue_depth=1 queue_depth=1
accept "" queue_depth=3 queue_depth=3
accept "capped at the virtqueue size" queue_depth=256 queue_depth=5000
accept "without indirect descriptors" queue_depth=128 queue_depth=0
accept "" queue_depth=256 queue_depth=0 indirect_desc=1
accept "exceeds the" param:indirect_desc=1 indirect_desc=7
accept "" default_queues=2 io_timeout=0
# Run time: text is refused, a value out of range lowered.
/usr/sbin/insmod $ko || fail "plain insmod"
vbp_wait_dev /dev/vda
echo -1 > $p/poll_queues 2>/dev/null && fail "runtime poll_queues=-1 accepted"
echo 5000 > $p/io_timeout || fail "runtime io_timeout=5000 refused"
[ "$(cat $p/io_timeout)" = 3600 ] || fail "io_timeout=5000 reads $(cat $p/io_timeout)"
echo 1 > $p/poll_queues || fail "runtime poll_queues=1 refused"
[ "$(cat $p/poll_queues)" = 1 ] || fail "poll_queues reads $(cat $p/poll_queues)"
