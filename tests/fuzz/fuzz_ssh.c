/* fuzz_ssh.c: libFuzzer target for SSH (src/proto/ssh.c): identification lines, binary packets, KEXINIT name-lists, the encrypted phase.
 * Input layout: see fuzz_proto.h. */
#include "fuzz_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_proto_run("ssh", data, size);
	return 0;
}
