/* fuzz_common.h: shared helpers of the libFuzzer targets: input bytes to a file path without
 * disk churn (memfd_create, read back through /proc/self/fd/N) and a checked capture loop. */
#ifndef SLEUTH_FUZZ_COMMON_H
#define SLEUTH_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "capture/capture.h"

/* Any broken invariant is a crash, so libFuzzer saves the input. */
#define FUZZ_CHECK(cond)                                                               \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
			__builtin_trap();                                              \
		}                                                                      \
	} while (0)

/* Writes `n` bytes (optionally preceded by `pre`) into an anonymous memory file
 * and returns its fd (the caller closes it), or -1. `path` receives its name. */
static int fuzz_memfile(const uint8_t *pre, size_t npre, const uint8_t *d, size_t n, char *path, size_t cap)
{
	int fd = memfd_create("sleuth-fuzz", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	if ((npre && write(fd, pre, npre) != (ssize_t)npre) || (n && write(fd, d, n) != (ssize_t)n)) {
		close(fd);
		return -1;
	}
	snprintf(path, cap, "/proc/self/fd/%d", fd);
	return fd;
}

/* Opens `path` and reads every frame, checking the reader's contract. `file_size`
 * bounds the offset of an open error (UINT64_MAX for gzip input, whose offsets
 * count decompressed bytes). */
static void fuzz_capture_path(const char *path, uint64_t file_size)
{
	struct capture *c;
	struct errbuf e;
	memset(&e, 0, sizeof e);
	if (capture_open_file(&c, path, &e) < 0) {
		FUZZ_CHECK(!e.has_offset || e.offset <= file_size);
		return;
	}
	struct frame f;
	uint64_t frames = 0;
	volatile uint8_t sink = 0;
	int rc;
	/* each frame takes at least 12 bytes of file: the loop is bounded */
	while ((rc = capture_next(c, &f, &e)) == 1) {
		frames++;
		FUZZ_CHECK(f.num == frames);
		FUZZ_CHECK(f.caplen <= f.len);
		FUZZ_CHECK(f.offset < capture_size(c));
		FUZZ_CHECK(f.ts_digits <= 9);
		/* touch every byte so a slice past its buffer shows under ASan */
		for (uint32_t i = 0; i < f.caplen; i++)
			sink ^= f.data[i];
		FUZZ_CHECK(frames <= capture_size(c));
	}
	if (rc < 0 && e.has_offset)
		FUZZ_CHECK(e.offset <= capture_size(c));
	const struct capture_name *names;
	size_t nn = capture_names(c, &names);
	for (size_t i = 0; i < nn; i++) {
		FUZZ_CHECK(names[i].family == 4 || names[i].family == 6);
		sink ^= (uint8_t)strlen(names[i].name);
	}
	const struct capture_secret *sec;
	size_t ns = capture_secrets(c, &sec);
	for (size_t i = 0; i < ns; i++)
		for (uint32_t j = 0; j < sec[i].data.len; j++)
			sink ^= sec[i].data.p[j];
	(void)sink;
	capture_close(c);
}

#endif
