// SPDX-License-Identifier: GPL-2.0
/*
 * fail_nth_write - write a string to a file with the Nth fault-injection
 * site this thread passes made to fail (CONFIG_FAULT_INJECTION's
 * /proc/thread-self/fail-nth), and tell whether the fault was injected.
 *
 * Usage: fail_nth_write N FILE STRING
 *
 * FILE is opened before the fault is armed, so what is counted is the
 * write() itself: for a driver's sysfs "bind" file, the probe.  Prints one
 * line, "injected <result>" or "not-reached <result>", where <result> is
 * "ok" or the errno name of the failed write.  Exit status: 0 injected,
 * 1 not reached (every site passed), 2 usage or setup error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int die(const char *what)
{
	fprintf(stderr, "fail_nth_write: %s: %s\n", what, strerror(errno));
	return 2;
}

int main(int argc, char **argv)
{
	const char *nth_path = "/proc/thread-self/fail-nth";
	char left[32] = "";
	int fd, nth, err = 0;
	ssize_t n;

	if (argc != 4 || atoi(argv[1]) <= 0) {
		fprintf(stderr, "usage: fail_nth_write N FILE STRING\n");
		return 2;
	}
	fd = open(argv[2], O_WRONLY);
	if (fd < 0)
		return die(argv[2]);
	nth = open(nth_path, O_RDWR);
	if (nth < 0)
		return die(nth_path);

	/* Nothing but the write itself between arming and reading back. */
	if (write(nth, argv[1], strlen(argv[1])) < 0)
		return die("arm fail-nth");
	if (write(fd, argv[3], strlen(argv[3])) < 0)
		err = errno;
	n = pread(nth, left, sizeof(left) - 1, 0);
	if (n < 0)
		return die("read fail-nth");
	left[n] = '\0';
	/* Disarm, in case the fault was not reached. */
	if (write(nth, "0", 1) < 0)
		return die("disarm fail-nth");

	printf("%s %s\n", atoi(left) == 0 ? "injected" : "not-reached",
	       err ? strerror(err) : "ok");
	return atoi(left) == 0 ? 0 : 1;
}
