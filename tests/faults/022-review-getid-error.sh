# SPDX-License-Identifier: GPL-2.0
# description: a failed GET_ID gives no serial and a logged error
# name: review/getid-error
# kernels: 6.12 debug
# smp: 1
# disks: 64M,serial=vbp-serial-1
# timeout: 200
# group: driver
# group[kernel=debug]: debug
# lib: review
#
# 6.12 batched a failed GET_ID as success (6.1 has no such batching).
# One vCPU, so the completion interrupt comes to the submitting CPU and
# the request goes through the interrupt path's completion batch.
vbp_wait_dev /dev/vda
# Requests with scheduler tags are never batched.
echo none > /sys/block/vda/queue/scheduler || fail "scheduler none"
s=/sys/block/vda/serial
[ "$(cat $s)" = vbp-serial-1 ] || fail "serial is '$(cat $s)' before the fault"
vbp_log_mark
inject iderr
got=$(cat $s)
vbp_result failed_serial "$got"
vbp_log_since | grep -q "GET_ID failed" && vbp_result logged 1
[ "$(cat $s)" = vbp-serial-1 ] || fail "serial is '$(cat $s)' after the fault"
