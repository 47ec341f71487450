# SPDX-License-Identifier: GPL-2.0
# description: a disk grown through QMP shows its new size and takes writes at the end
# kernels: 6.1 6.12
# disks: size=64M
# group: driver
# lib: driver
#
# The host grows disk0 to 96 MiB once the guest wrote /out/ready
# (caselib.resize_when_ready); resize_wait_96m (tests/lib/driver.sh) waits
# for it.
resize_wait_96m

vbp_fio tail --name=tail --filename=/dev/vda --direct=1 --rw=write \
	--bs=64k --offset=64M --size=32M --verify=crc32c --ioengine=libaio
