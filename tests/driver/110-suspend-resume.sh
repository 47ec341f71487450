# SPDX-License-Identifier: GPL-2.0
# description: suspend-to-idle with poll queues and I/O in flight: freeze, restore, data kept
# params: poll_queues=1 io_timeout=60
# disks: size=64M,num_queues=2
# env: BUSY=14
# timeout: 300
# group: driver
# group[kernel=debug]: debug
#
# PM freeze/restore with poll queues and I/O in flight: suspend-to-idle
# with pm_test=devices runs every device's freeze callback, waits 5 s
# and restores them.  The 9p shares (host /usr, /in, /out) do not survive
# that (their driver has no freeze/restore), so everything the script needs
# afterwards is copied to tmpfs first, its output goes to the console, and
# it powers off itself with its verdict on the console.  The script is one
# function, so the shell has read all of it from 9p before it starts.
# The host throttles the disk when asked (step "throttle", the .py).
suspend_test() {
vbp_wait_dev /dev/vda
[ -w /sys/power/pm_test ] || fail "no /sys/power/pm_test"
grep -qw freeze /sys/power/state || fail "no suspend-to-idle: $(cat /sys/power/state)"
mkdir -p /tmp/t
ld=/lib64/ld-linux-x86-64.so.2
for l in $($ld --list /usr/bin/fio | awk '/=>/ { print $3 } /^\t\// { print $1 }'); do
	cp "$l" /tmp/t/ || fail "copy $l"
done
# shellcheck disable=SC2015 # fail if either copy fails
cp $ld /tmp/t/ld.so && cp /usr/bin/fio /tmp/t/fio || fail "copy fio"
# fio looks up locale files under /usr whatever LC_ALL says: hide them.
# shellcheck disable=SC2015 # fail if either mount fails
mount -t tmpfs none /usr/lib/locale && mount -t tmpfs none /usr/share/locale ||
	fail "cannot hide the locale directories"
tfio() { LC_ALL=C LANG=C /tmp/t/ld.so --library-path /tmp/t /tmp/t/fio "$@"; }
v="--filename=/dev/vda --direct=1 --bs=4k --verify=crc32c --verify_fatal=1"
# shellcheck disable=SC2086 # word splitting of $v intended
tfio --name=pre $v --rw=randwrite --size=8M --ioengine=libaio --iodepth=8 \
	> /tmp/pre.log 2>&1 || { cat /tmp/pre.log; fail "write before suspend"; }
busy() {	# busy NAME OFFSET ENGINE...
	n=$1; o=$2; shift 2
	tfio --name="$n" --filename=/dev/vda --direct=1 --rw=randrw --bs=4k \
		--offset="$o" --size=16M --iodepth=16 --time_based --runtime="$BUSY" \
		"$@" > /tmp/"$n".log 2>&1
	echo $? > /tmp/"$n".rc
}
# Their stdio must not stay on the 9p guest.log: a subshell exiting after
# the resume would close it and wait forever on the dead 9p transport.
# The host throttles the disk so that requests always wait in the device
# (and completed polled ones on their ring) when the freeze comes.
vbp_host_step throttle 30
busy polled 16M --ioengine=io_uring --hipri=1 > /dev/null 2>&1 &
busy irq 32M --ioengine=libaio > /dev/null 2>&1 &
sleep 3
echo devices > /sys/power/pm_test || fail "pm_test"
# From here on, nothing may touch 9p.
exec > /dev/console 2>&1
fail() { echo "FAIL: $*"; echo "VBP-GUEST-RC: 1"; poweroff -f; sleep 10; }
echo "vbp: suspending"
t0=$(cut -d. -f1 /proc/uptime)
echo freeze > /sys/power/state || fail "suspend-to-idle failed"
t=$(($(cut -d. -f1 /proc/uptime) - t0))
echo "vbp: resumed after ${t}s"
# pm_test=devices waits 5 s; waiting for io_timeout would add 60 s.
[ $t -le 20 ] || fail "suspend took ${t}s: requests in flight were left to time out"
dmesg | grep -q "vda: virtqueues released for suspend" || fail "freeze did not run"
dmesg | grep -q "vda: virtqueues restored after resume" || fail "restore did not run"
dmesg | grep "virtqueues released"
t=0
while [ ! -e /tmp/polled.rc ] || [ ! -e /tmp/irq.rc ]; do
	t=$((t + 1))
	if [ $t -gt 60 ]; then
		# shellcheck disable=SC2010 # /proc entries have plain names
		for p in $(ls /proc | grep '^[0-9]'); do
			case "$(cat /proc/"$p"/comm 2>/dev/null)" in
			fio|ld.so|sh) ;;
			*) continue ;;
			esac
			for k in /proc/"$p"/task/*; do
				echo "== $k $(cat "$k"/comm) $(cut -d' ' -f3 "$k"/stat)"
				cat "$k"/stack
			done
		done
		cat /sys/kernel/debug/virtio-blk-poll/vda/q*/stats
		fail "I/O started before the suspend did not finish"
	fi
	sleep 1
done
for n in polled irq; do
	[ "$(cat /tmp/$n.rc)" = 0 ] || { cat /tmp/$n.log; fail "$n I/O failed across suspend"; }
	grep -q "io=" /tmp/$n.log || { cat /tmp/$n.log; fail "$n: no fio summary"; }
done
# shellcheck disable=SC2086 # word splitting of $v intended
tfio --name=pre $v --rw=randwrite --size=8M --ioengine=libaio --iodepth=8 \
	--verify_only=1 > /tmp/post.log 2>&1 || { cat /tmp/post.log; fail "data written before suspend is gone"; }
# shellcheck disable=SC2086 # word splitting of $v intended
tfio --name=after $v --rw=randwrite --offset=48M --size=8M \
	--ioengine=io_uring --hipri=1 --iodepth=8 > /tmp/after.log 2>&1 ||
	{ cat /tmp/after.log; fail "polled I/O after resume"; }
echo "vbp: suspend test passed"
echo "VBP-GUEST-RC: 0"
poweroff -f
}
suspend_test
