// SPDX-License-Identifier: GPL-2.0
/*
 * vbp_haltpoll_gov: TEST-ONLY workaround for QEMU TCG.  Never shipped;
 * tests/modules is built only by the VM harness.
 *
 * The kernel's haltpoll cpuidle governor (CONFIG_CPU_IDLE_GOV_HALTPOLL,
 * built in on Debian's 6.12) registers itself at boot only when
 * kvm_para_available() sees the KVM CPUID signature.  QEMU's TCG never
 * reports it, so under TCG the governor is present in vmlinux but not on
 * the governor list, and cpuidle/review-haltpoll-tick could not exercise
 * cpuidle_haltpoll_io under it.
 *
 * On load this module registers that built-in governor, as its initcall
 * would have done under KVM.  Neither the governor struct (static) nor
 * cpuidle_register_governor() is exported, so both are found with
 * kallsyms_lookup_name() (needs CONFIG_KALLSYMS_ALL for the data symbol),
 * which is not exported either: its address is read from a kprobe placed
 * on it and removed at once (needs CONFIG_KPROBES).  The registration is
 * permanent - the governor lives in vmlinux and the cpuidle core has no
 * way to unregister one - so unloading this module leaves it on the list.
 * Registering does not switch governors unless the kernel command line
 * named it (cpuidle.governor=haltpoll); the test switches through
 * /sys/devices/system/cpu/cpuidle/current_governor.
 *
 * The functions are reached by indirect calls to addresses no code takes;
 * with kernel IBT enforced their ENDBR may be sealed, and such a call
 * would trap, so the module refuses to load there (TCG has no IBT).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpuidle.h>
#include <linux/errno.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/string.h>
#include <asm/cpufeature.h>

/* kallsyms_lookup_name(), found through a kprobe; NULL if that fails. */
static unsigned long (*vbp_find_lookup(void))(const char *name)
{
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	unsigned long (*lookup)(const char *name);
	int ret;

	ret = register_kprobe(&kp);
	if (ret) {
		pr_err("kprobe on kallsyms_lookup_name: %d (CONFIG_KPROBES?)\n",
		       ret);
		return NULL;
	}
	/*
	 * kp.addr may sit just past the function's ENDBR (x86 probes after
	 * it); without IBT enforcement that is as good as the entry.
	 */
	lookup = (void *)kp.addr;
	unregister_kprobe(&kp);
	return lookup;
}

static int __init vbp_haltpoll_gov_init(void)
{
	unsigned long (*lookup)(const char *name);
	int (*reg)(struct cpuidle_governor *gov);
	struct cpuidle_governor *gov;
	int ret;

#ifdef X86_FEATURE_IBT
	if (cpu_feature_enabled(X86_FEATURE_IBT)) {
		pr_err("kernel IBT is enforced: indirect calls to unexported functions would trap\n");
		return -EOPNOTSUPP;
	}
#endif
	lookup = vbp_find_lookup();
	if (!lookup)
		return -ENOENT;

	reg = (void *)lookup("cpuidle_register_governor");
	gov = (void *)lookup("haltpoll_governor");
	if (!reg || !gov) {
		pr_err("no %s in kallsyms (CONFIG_CPU_IDLE_GOV_HALTPOLL, CONFIG_KALLSYMS_ALL?)\n",
		       reg ? "haltpoll_governor" : "cpuidle_register_governor");
		return -ENOENT;
	}
	/* A data symbol by that name must be the governor we expect. */
	if (strncmp(gov->name, "haltpoll", CPUIDLE_NAME_LEN) || !gov->select) {
		pr_err("the haltpoll_governor symbol is not the governor\n");
		return -EINVAL;
	}

	ret = reg(gov);
	if (ret) {
		pr_err("cpuidle_register_governor(haltpoll): %d\n", ret);
		return ret;
	}
	pr_info("registered the built-in haltpoll governor (test only)\n");
	return 0;
}

/* Nothing to undo: the governor stays registered (see above). */
static void __exit vbp_haltpoll_gov_exit(void)
{
}

module_init(vbp_haltpoll_gov_init);
module_exit(vbp_haltpoll_gov_exit);
MODULE_DESCRIPTION("virtio-blk-poll tests: register the haltpoll governor under TCG");
MODULE_AUTHOR("virtio-blk-poll developers");
MODULE_LICENSE("GPL");
