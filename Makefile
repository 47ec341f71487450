# SPDX-License-Identifier: GPL-2.0
#
# virtio-blk-poll top-level Makefile.
#
#   make                 build all modules for KDIR (default: running kernel)
#   make KDIR=/usr/src/linux-headers-<release>
#   make matrix          W=1 + sparse + checkpatch against every installed
#                        Debian 12 6.1 / 6.12 headers package
#   make check           the whole test suite (installs dependencies)
#   make check-quick     a fast subset for edit-test loops
#   make check-full      make check and the full tier (every debug-kernel
#                        variant; about twice as long)
#   make bench           ours vs the stock driver, cpuidle module and NVMe,
#                        side by side (KERNELS="6.1 6.12", FULL=1,
#                        BENCH_ARGS="--packed --backend file ...")
#   make deps            install build/test dependencies (root, apt)
#   make deb             build dist/virtio-blk-poll-dkms_<version>_all.deb
#
#   Build switches (make modules), set by make matrix and the test harness,
#   never by DKMS or make deb:
#   VBP_INJECT=1         add virtio_blk's debugfs fault injection (inject.c)
#   VBP_WERROR=1         treat compiler warnings as errors

KDIR ?= /lib/modules/$(shell uname -r)/build
VBP_ROOT := $(CURDIR)
CONFIG_H := $(VBP_ROOT)/compat/generated/vbp_config.h
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)

KBUILD_ARGS := -C $(KDIR) M=$(VBP_ROOT) VBP_ROOT=$(VBP_ROOT)

.PHONY: all modules configure clean matrix check check-full check-quick check-faults \
	bench deps help deb

all: modules

help:
	@sed -n 's/^#   //p' Makefile

configure:
	@compat/configure.sh $(KDIR) $(CONFIG_H)

modules: configure
	$(MAKE) $(KBUILD_ARGS) modules

clean:
	@if [ -f $(KDIR)/Makefile ]; then $(MAKE) $(KBUILD_ARGS) clean; fi
	rm -rf compat/generated

deps:
	@scripts/deps.sh

DEB_OUT ?= $(VBP_ROOT)/dist

deb:
	@debian/mkdeb.sh $(DEB_OUT)

matrix:
	@scripts/deps.sh
	@scripts/matrix.sh

check:
	@scripts/deps.sh
	@python3 tests/run.py

check-full:
	@scripts/deps.sh
	@python3 tests/run.py --full

check-quick:
	@scripts/deps.sh
	@python3 tests/run.py --quick

check-faults:
	@scripts/deps.sh
	@python3 tests/run.py --only faults

bench:
	@scripts/deps.sh
	@python3 tests/bench.py $(if $(KERNELS),--kernels "$(KERNELS)") \
		$(if $(FULL),--full) $(BENCH_ARGS)
