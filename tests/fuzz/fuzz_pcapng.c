/* fuzz_pcapng.c: libFuzzer target for the pcapng reader: the first four bytes are forced to the
 * Section Header Block type (shorter inputs are prefixed with it), the rest is the file. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t shb[4] = { 0x0a, 0x0d, 0x0d, 0x0a };
	char path[64];
	const uint8_t *rest = size >= 4 ? data + 4 : data;
	size_t nrest = size >= 4 ? size - 4 : size;
	int fd = fuzz_memfile(shb, sizeof shb, rest, nrest, path, sizeof path);
	if (fd < 0)
		return 0;
	fuzz_capture_path(path, nrest + sizeof shb);
	close(fd);
	return 0;
}
