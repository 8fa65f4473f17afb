/* fuzz_pcap.c: libFuzzer target for the capture-file readers (pcap, pcapng, gzip'd): the input
 * is a whole file; it is opened through capture_open_file and every frame is read. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = fuzz_memfile(NULL, 0, data, size, path, sizeof path);
	if (fd < 0)
		return 0;
	int gz = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
	fuzz_capture_path(path, gz ? UINT64_MAX : size);
	close(fd);
	return 0;
}
