// SPDX-License-Identifier: GPL-2.0
/*
 * vbp_mark - execute the profile marker instruction once and exit.
 *
 * tests/profile/vbp_profile.c (a QEMU TCG plugin) opens a counting window
 * at the first "xchg %bx,%bx" the guest executes and closes it at the
 * next.  The instruction changes nothing.  Built static so that running it
 * touches no shared library.
 *
 * "vbp_mark instant" executes the other marker, "xchg %cx,%cx", which
 * opens an instant-device window instead (see the plugin).
 */
#include <string.h>

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "instant"))
		__asm__ volatile("xchg %%cx, %%cx" ::: "memory");
	else
		__asm__ volatile("xchg %%bx, %%bx" ::: "memory");
	return 0;
}
