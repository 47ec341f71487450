# SPDX-License-Identifier: GPL-2.0
# description: verified polled I/O through a 4-entry virtqueue
# name: driver/queue-size4-{ring}/{kernel}
# kernels: 6.1 6.12
# matrix: ring=packed,split
# params: poll_queues=1
# disks[ring=packed]: size=64M,queue_size=4,packed=on,num_queues=2
# disks[ring=split]: size=64M,queue_size=4,packed=off,num_queues=2
# env: LBS=512 BS=4k HIPRI=--hipri=1
# group: driver
# lib: driver
small_geometry_verify
