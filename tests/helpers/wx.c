/* SPDX-License-Identifier: MIT */
/*
 * wx: tries to get memory that is writable and executable, two ways, and
 * prints what happened. Exit 0 when both were refused, 1 when one worked.
 *   1. mmap(PROT_READ|PROT_WRITE|PROT_EXEC)
 *   2. mmap(PROT_READ|PROT_WRITE), write code, mprotect(PROT_READ|PROT_EXEC)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

int main(void)
{
	int escaped = 0;
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	if (p == MAP_FAILED) {
		printf("mmap rwx: %s\n", strerror(errno));
	} else {
		printf("mmap rwx: ALLOWED\n");
		escaped = 1;
	}
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		printf("mmap rw: %s\n", strerror(errno));
		return 2;
	}
	memset(p, 0xc3, 16); /* ret */
	if (mprotect(p, 4096, PROT_READ | PROT_EXEC) < 0) {
		printf("mprotect rx: %s\n", strerror(errno));
	} else {
		printf("mprotect rx: ALLOWED\n");
		escaped = 1;
	}
	return escaped;
}
