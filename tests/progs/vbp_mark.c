// SPDX-License-Identifier: GPL-2.0
/*
 * vbp_mark - execute the profile marker instruction once and exit.
 *
 * tests/profile/vbp_profile.c (a QEMU TCG plugin) opens a counting window
 * at the first "xchg %bx,%bx" the guest executes and closes it at the
 * next.  The instruction changes nothing.  Built static so that running it
 * touches no shared library.
 */
int main(void)
{
	__asm__ volatile("xchg %%bx, %%bx" ::: "memory");
	return 0;
}
