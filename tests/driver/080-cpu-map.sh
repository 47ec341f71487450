# SPDX-License-Identifier: GPL-2.0
# description: CPU to hardware queue maps cover every CPU once, default and poll maps
# name: driver/cpu-map/{kernel}/{map}
# kernels: 6.1 6.12
# matrix: map=smp2-nq2-poll0,smp2-nq1-poll0,smp2-nq2-poll1,smp4-nq4-poll2,smp4-nq2-poll0,smp2-nq4-poll0,smp2-nq1-poll1
# disks: size=16M
# quick[kernel=6.12 map=smp4-nq4-poll2]: yes
# group: driver
#
# hctx directories are numbered default maps first, then poll; the .py
# sets smp, num-queues and poll_queues from {map} and checks the maps.
vbp_wait_dev /dev/vda
for d in /sys/block/vda/mq/*; do
	echo "$(basename "$d"): $(cat "$d"/cpu_list)"
done > /out/maps.txt
cat /out/maps.txt
