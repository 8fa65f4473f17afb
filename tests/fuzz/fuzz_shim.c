/* fuzz_shim.c: exact-size "mappings" for the fuzz build. build.sh compiles src/capture/capture.c
 * with -Dmmap=fuzz_mmap -Dmunmap=fuzz_munmap -Dmadvise=fuzz_madvise, so a capture file is read
 * into a malloc'd buffer of exactly its size. A real mapping rounds up to a page and reads
 * past the end return zeros; here ASan reports the first byte read past the end of the file. */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

void *fuzz_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int fuzz_munmap(void *addr, size_t len);
int fuzz_madvise(void *addr, size_t len, int advice);

void *fuzz_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	(void)addr;
	(void)prot;
	(void)flags;
	uint8_t *p = malloc(len ? len : 1);
	if (!p)
		return MAP_FAILED;
	size_t got = 0;
	while (got < len) {
		ssize_t n = pread(fd, p + got, len - got, off + (off_t)got);
		if (n <= 0) {
			free(p);
			return MAP_FAILED;
		}
		got += (size_t)n;
	}
	return p;
}

int fuzz_munmap(void *addr, size_t len)
{
	(void)len;
	free(addr);
	return 0;
}

int fuzz_madvise(void *addr, size_t len, int advice)
{
	(void)addr;
	(void)len;
	(void)advice;
	return 0;
}
