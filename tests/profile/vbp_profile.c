// SPDX-License-Identifier: GPL-2.0
/*
 * vbp_profile - a QEMU TCG plugin that counts what a guest executes
 * between two marker instructions.
 *
 * Built against qemu-plugin.h of Debian 12's QEMU 7.2 (plugin API 1);
 * scripts/deps.sh fetches the header; tests/profile/costprofile.py builds,
 * loads the plugin and reads what it writes.
 *
 * The marker is "xchg %bx,%bx" (66 87 db): harmless, never emitted by a
 * compiler, recognised when a block is translated.  The first marker a
 * guest executes opens a window, the next one closes it, and so on; each
 * closed window k is written to OUT.k (then renamed into place, so the
 * host never reads a half-written file).
 *
 * The second marker, "xchg %cx,%cx" (66 87 c9), opens an instant-device
 * window: there, every MMIO store to a virtio block device's notify
 * region (QEMU names it "virtio-pci-notify-" and the device's name:
 * virtio-blk, vhost-user-blk), or to an NVMe submission queue doorbell,
 * holds the vCPU for STALL_US microseconds
 * of host time after the store.  QEMU's main loop completes
 * the request and raises its interrupt meanwhile, while the guest's clock
 * (instructions, under -icount) stands still: the guest sees a device
 * that answers at once, so a waiter never sleeps and a poller's first
 * poll finds the completion.  Either marker closes an open window.
 *
 * Counts are kept by inline adds that run all the time (no helper call per
 * block), and a window is the difference between two snapshots taken at
 * its markers.  Per translated block (keyed by start address and length):
 * executions.  Per HLT instruction: executions.  Memory accesses of kernel
 * move instructions (the only ones Linux reaches device registers with)
 * go through a callback that, inside a window only, records accesses that
 * reach MMIO, by region name and physical address.
 *
 * Output (text, one record a line):
 *   window K
 *   insns kernel|user N       instructions in blocks started in the window
 *   hlt N                     HLT executions
 *   stalls N                  stores held (instant-device windows only)
 *   mmio w|r REGION ADDR N    MMIO accesses (ADDR hex physical)
 *   tb ADDR LEN EXECS         kernel blocks that ran (ADDR hex virtual)
 *
 * Plugin arguments: out=PATH (required), stall_us=N (default 2000).
 *
 * Locking: QEMU runs this plugin from its vCPU threads.  The harness runs
 * single-threaded TCG (one thread for all vCPUs, required by -icount), so
 * callbacks never run concurrently; tb_lock still guards the block table
 * and the MMIO table against a multi-threaded TCG, where the counts would
 * be inexact but the tables stay consistent.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define KERNEL_BASE 0xffff800000000000ULL

static const unsigned char marker[] = { 0x66, 0x87, 0xdb };
static const unsigned char marker_instant[] = { 0x66, 0x87, 0xc9 };

/* One translated block: exec count (inline add), snapshot at window start. */
struct tb_rec {
	uint64_t vaddr;
	uint64_t execs;
	uint64_t start;
	uint32_t insns;
	struct tb_rec *next;
};

/* One MMIO target: interned region name, physical address, store or load. */
struct mmio_rec {
	const char *name;
	uint64_t addr;
	int store;
	uint64_t count;
	struct mmio_rec *next;
};

#define TB_BITS 16
#define MMIO_BITS 10

static pthread_mutex_t tb_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tb_rec *tb_hash[1 << TB_BITS];
static struct tb_rec **tb_all;		/* every record, for the snapshots */
static size_t tb_n, tb_cap;
static struct mmio_rec *mmio_hash[1 << MMIO_BITS];

static uint64_t hlt_execs, hlt_start;
static int counting;
static int instant;			/* the open window stalls stores */
static uint64_t stalls;
static unsigned long stall_us = 2000;

/*
 * Does a store to addr in region name submit block I/O?  A virtio block
 * device's notify region, or a submission queue doorbell of QEMU's NVMe
 * controller (region "nvme"): registers below offset 0x1000, then the
 * doorbells with a 4-byte stride, submission and completion queues
 * alternating.  The BAR is aligned to its size (16 KiB or more), so
 * bit 12 of the address marks a doorbell and bit 2 a completion one.
 */
static int blk_submit(const char *name, uint64_t addr)
{
	static const char prefix[] = "virtio-pci-notify-";
	size_t len = strlen(name);

	if (!strcmp(name, "nvme"))
		return (addr & 0x1000) && !(addr & 4);
	return !strncmp(name, prefix, sizeof(prefix) - 1) && len >= 3 &&
		!strcmp(name + len - 3, "blk");
}
static unsigned int window;
static char *out_path;

static unsigned int hash64(uint64_t v, unsigned int bits)
{
	v ^= v >> 33;
	v *= 0xff51afd7ed558ccdULL;
	v ^= v >> 33;
	return (unsigned int)(v >> (64 - bits));
}

static struct tb_rec *tb_get(uint64_t vaddr, uint32_t insns)
{
	unsigned int h = hash64(vaddr * 31 + insns, TB_BITS);
	struct tb_rec *r;

	for (r = tb_hash[h]; r; r = r->next)
		if (r->vaddr == vaddr && r->insns == insns)
			return r;
	r = calloc(1, sizeof(*r));
	if (!r)
		abort();
	r->vaddr = vaddr;
	r->insns = insns;
	r->next = tb_hash[h];
	tb_hash[h] = r;
	if (tb_n == tb_cap) {
		tb_cap = tb_cap ? tb_cap * 2 : 65536;
		tb_all = realloc(tb_all, tb_cap * sizeof(*tb_all));
		if (!tb_all)
			abort();
	}
	tb_all[tb_n++] = r;
	/* a block that appears inside a window counts from zero */
	r->start = 0;
	return r;
}

static void mmio_count(const char *name, uint64_t addr, int store)
{
	unsigned int h = hash64(addr ^ ((uint64_t)(uintptr_t)name << 1) ^
				store, MMIO_BITS);
	struct mmio_rec *r;

	for (r = mmio_hash[h]; r; r = r->next)
		if (r->addr == addr && r->name == name && r->store == store)
			break;
	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r)
			abort();
		r->name = name;
		r->addr = addr;
		r->store = store;
		r->next = mmio_hash[h];
		mmio_hash[h] = r;
	}
	r->count++;
}

static void window_open(int instant_device)
{
	size_t i;
	unsigned int h;
	struct mmio_rec *m;

	for (i = 0; i < tb_n; i++)
		tb_all[i]->start = tb_all[i]->execs;
	hlt_start = hlt_execs;
	for (h = 0; h < (1u << MMIO_BITS); h++)
		for (m = mmio_hash[h]; m; m = m->next)
			m->count = 0;
	stalls = 0;
	instant = instant_device;
	counting = 1;
}

static void window_close(void)
{
	char *tmp, *dst;
	size_t i, len = strlen(out_path) + 32;
	uint64_t kern = 0, user = 0;
	unsigned int h;
	struct mmio_rec *m;
	FILE *f;

	counting = 0;
	tmp = malloc(len);
	dst = malloc(len);
	if (!tmp || !dst)
		abort();
	snprintf(dst, len, "%s.%u", out_path, window);
	snprintf(tmp, len, "%s.%u.tmp", out_path, window);
	f = fopen(tmp, "w");
	if (!f) {
		qemu_plugin_outs("vbp_profile: cannot write the window file\n");
		goto out;
	}
	for (i = 0; i < tb_n; i++) {
		struct tb_rec *r = tb_all[i];
		uint64_t n = r->execs - r->start;

		if (r->vaddr >= KERNEL_BASE)
			kern += n * r->insns;
		else
			user += n * r->insns;
	}
	fprintf(f, "window %u\n", window);
	fprintf(f, "insns kernel %" PRIu64 "\n", kern);
	fprintf(f, "insns user %" PRIu64 "\n", user);
	fprintf(f, "hlt %" PRIu64 "\n", hlt_execs - hlt_start);
	if (instant)
		fprintf(f, "stalls %" PRIu64 "\n", stalls);
	for (h = 0; h < (1u << MMIO_BITS); h++)
		for (m = mmio_hash[h]; m; m = m->next)
			if (m->count)
				fprintf(f, "mmio %c %s %" PRIx64 " %" PRIu64 "\n",
					m->store ? 'w' : 'r', m->name,
					m->addr, m->count);
	for (i = 0; i < tb_n; i++) {
		struct tb_rec *r = tb_all[i];

		if (r->vaddr >= KERNEL_BASE && r->execs != r->start)
			fprintf(f, "tb %" PRIx64 " %u %" PRIu64 "\n",
				r->vaddr, r->insns, r->execs - r->start);
	}
	if (fclose(f) == 0)
		rename(tmp, dst);
out:
	window++;
	free(tmp);
	free(dst);
}

/* udata: non-NULL for the instant-device marker */
static void on_marker(unsigned int vcpu, void *udata)
{
	pthread_mutex_lock(&tb_lock);
	if (counting)
		window_close();
	else
		window_open(udata != NULL);
	pthread_mutex_unlock(&tb_lock);
}

/* Hold the vCPU (the lock is not held: QEMU's main loop runs meanwhile). */
static void stall(void)
{
	struct timespec ts = {
		.tv_sec = stall_us / 1000000,
		.tv_nsec = (long)(stall_us % 1000000) * 1000,
	};

	while (nanosleep(&ts, &ts))
		;
}

static void on_mem(unsigned int vcpu, qemu_plugin_meminfo_t info,
		   uint64_t vaddr, void *udata)
{
	struct qemu_plugin_hwaddr *hw;
	const char *name;
	uint64_t addr;
	int store, hold;

	if (!counting)
		return;
	hw = qemu_plugin_get_hwaddr(info, vaddr);
	if (!hw || !qemu_plugin_hwaddr_is_io(hw))
		return;
	name = qemu_plugin_hwaddr_device_name(hw);
	store = qemu_plugin_mem_is_store(info);
	pthread_mutex_lock(&tb_lock);
	addr = qemu_plugin_hwaddr_phys_addr(hw);
	mmio_count(name, addr, store);
	hold = instant && store && blk_submit(name, addr);
	if (hold)
		stalls++;
	pthread_mutex_unlock(&tb_lock);
	if (hold)
		stall();
}

/*
 * Can insn be a device register access?  Linux reaches MMIO with plain
 * moves (writel/readl and friends, the LAPIC EOI store): MOV r/m forms
 * 88-8b, MOV imm c6/c7, MOV moffs a0-a3, and MOVZX 0f b6/b7 for narrow
 * reads.  Instrumenting only those keeps the memory callbacks off every
 * other instruction, string and atomic ones included (a callback on the
 * cmpxchg16b of SLUB's fast path was followed by a spurious #DB in a
 * guest under -icount).
 */
static int may_be_mmio(const unsigned char *b, size_t len)
{
	size_t i = 0;

	while (i < len && (b[i] == 0x66 || b[i] == 0x67 || b[i] == 0x2e ||
			   b[i] == 0x3e || b[i] == 0x26 || b[i] == 0x36 ||
			   b[i] == 0x64 || b[i] == 0x65))
		i++;
	if (i < len && (b[i] & 0xf0) == 0x40)	/* REX */
		i++;
	if (i >= len)
		return 0;
	if ((b[i] >= 0x88 && b[i] <= 0x8b) || b[i] == 0xc6 || b[i] == 0xc7 ||
	    (b[i] >= 0xa0 && b[i] <= 0xa3))
		return 1;
	return b[i] == 0x0f && i + 1 < len &&
		(b[i + 1] == 0xb6 || b[i + 1] == 0xb7);
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t i, n = qemu_plugin_tb_n_insns(tb);
	uint64_t vaddr = qemu_plugin_tb_vaddr(tb);
	int kernel = vaddr >= KERNEL_BASE;
	struct tb_rec *r;

	pthread_mutex_lock(&tb_lock);
	r = tb_get(vaddr, (uint32_t)n);
	pthread_mutex_unlock(&tb_lock);
	qemu_plugin_register_vcpu_tb_exec_inline(tb,
						 QEMU_PLUGIN_INLINE_ADD_U64,
						 &r->execs, 1);
	for (i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		const unsigned char *b = qemu_plugin_insn_data(insn);
		size_t len = qemu_plugin_insn_size(insn);

		if (len == sizeof(marker) && !memcmp(b, marker, len))
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_marker,
						QEMU_PLUGIN_CB_NO_REGS, NULL);
		else if (len == sizeof(marker_instant) &&
			 !memcmp(b, marker_instant, len))
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_marker,
						QEMU_PLUGIN_CB_NO_REGS,
						(void *)marker_instant);
		else if (len == 1 && b[0] == 0xf4)
			qemu_plugin_register_vcpu_insn_exec_inline(insn,
						QEMU_PLUGIN_INLINE_ADD_U64,
						&hlt_execs, 1);
		if (kernel && may_be_mmio(b, len))
			qemu_plugin_register_vcpu_mem_cb(insn, on_mem,
						QEMU_PLUGIN_CB_NO_REGS,
						QEMU_PLUGIN_MEM_RW, NULL);
	}
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id,
					   const qemu_info_t *info,
					   int argc, char **argv)
{
	int i;

	if (!info->system_emulation) {
		qemu_plugin_outs("vbp_profile: system emulation only\n");
		return -1;
	}
	for (i = 0; i < argc; i++) {
		char *end;

		if (!strncmp(argv[i], "out=", 4)) {
			out_path = argv[i] + 4;
		} else if (!strncmp(argv[i], "stall_us=", 9)) {
			stall_us = strtoul(argv[i] + 9, &end, 10);
			if (*end || !argv[i][9] || stall_us > 1000000) {
				qemu_plugin_outs("vbp_profile: stall_us must be 0 to 1000000\n");
				return -1;
			}
		} else {
			qemu_plugin_outs("vbp_profile: unknown argument\n");
			return -1;
		}
	}
	if (!out_path) {
		qemu_plugin_outs("vbp_profile: out=PATH is required\n");
		return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	return 0;
}
