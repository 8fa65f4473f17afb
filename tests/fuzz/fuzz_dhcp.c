/* fuzz_dhcp.c: libFuzzer target for DHCP/BOOTP and DHCPv6 (src/proto/dhcp.c, dhcpv6.c):
 * headers and option lists, each datagram to both. Input layout: see fuzz_proto.h. */
#include "fuzz_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_proto_run("dhcp", data, size);
	fuzz_proto_run("dhcpv6", data, size);
	return 0;
}
