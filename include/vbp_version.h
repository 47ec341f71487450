/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-blk-poll package version, declared by every module with
 * MODULE_VERSION().  DKMS compares module versions before it replaces a
 * kernel's module: the in-tree virtio_blk declares none, so ours, which
 * does, is installed in its place.  Must equal PACKAGE_VERSION in
 * dkms.conf (checked by the build/version test).
 */
#ifndef VBP_VERSION_H
#define VBP_VERSION_H

#define VBP_VERSION "0.1.0"

#endif /* VBP_VERSION_H */
