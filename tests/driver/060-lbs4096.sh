# SPDX-License-Identifier: GPL-2.0
# description: verified I/O on a disk with 4 KiB logical blocks
# kernels: 6.1 6.12
# disks: size=64M,logical_block_size=4096,physical_block_size=4096
# env: LBS=4096 BS=16k HIPRI=
# group: driver
# lib: driver
small_geometry_verify
