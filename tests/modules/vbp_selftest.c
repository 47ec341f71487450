// SPDX-License-Identifier: GPL-2.0
/*
 * Harness self-test module: misbehaves on purpose so tests can prove that
 * the VM harness catches kernel reports.  Never shipped.
 *
 *   insmod vbp_selftest.ko action=warn   WARN_ON() once
 *   insmod vbp_selftest.ko action=uaf    read freed memory (KASAN)
 *   insmod vbp_selftest.ko action=none   load cleanly
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bug.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

static char *action = "none";
module_param(action, charp, 0444);
MODULE_PARM_DESC(action, "what to do at load: none, warn or uaf");

static noinline int vbp_selftest_uaf(void)
{
	char *p = kmalloc(64, GFP_KERNEL);
	char c;

	if (!p)
		return -ENOMEM;
	kfree(p);
	c = READ_ONCE(p[8]);
	pr_info("read %d from freed memory\n", c);
	return 0;
}

static int __init vbp_selftest_init(void)
{
	if (!strcmp(action, "warn")) {
		pr_info("triggering a warning on purpose\n");
		WARN_ON(1);
		return 0;
	}
	if (!strcmp(action, "uaf"))
		return vbp_selftest_uaf();
	if (strcmp(action, "none")) {
		pr_err("unknown action '%s'\n", action);
		return -EINVAL;
	}
	return 0;
}

static void __exit vbp_selftest_exit(void)
{
}

module_init(vbp_selftest_init);
module_exit(vbp_selftest_exit);
MODULE_DESCRIPTION("virtio-blk-poll harness self-test: planted kernel bugs");
MODULE_AUTHOR("virtio-blk-poll developers");
MODULE_LICENSE("GPL");
