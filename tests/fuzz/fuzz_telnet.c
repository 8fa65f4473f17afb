/* fuzz_telnet.c: libFuzzer target for Telnet (src/proto/telnet.c): IAC command state across segments, prompts and keystrokes.
 * Input layout: see fuzz_proto.h. */
#include "fuzz_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_proto_run("telnet", data, size);
	return 0;
}
