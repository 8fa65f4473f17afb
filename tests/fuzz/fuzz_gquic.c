/* fuzz_gquic.c: libFuzzer target for Google QUIC (src/proto/gquic.c): public and Q046+ headers
 * in both directions. Input layout: see fuzz_proto.h. */
#include "fuzz_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_proto_run("gquic", data, size);
	return 0;
}
