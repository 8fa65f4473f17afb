/* mmapwalk: the benchmark floor. Maps a capture file and walks its record headers, summing captured
 * lengths, without looking at packet bytes. Classic pcap (either byte order, us or ns) and pcapng
 * (EPB/SPB/OPB blocks, per-section byte order) are understood.
 * Usage: mmapwalk FILE   -> prints "packets N caplen_bytes B file_bytes F" */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static uint32_t rd32(const unsigned char *p, int swap)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: mmapwalk FILE\n");
		return 2;
	}
	int fd = open(argv[1], O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || st.st_size < 24) {
		perror(argv[1]);
		return 1;
	}
	size_t n = (size_t)st.st_size;
	const unsigned char *m = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	madvise((void *)m, n, MADV_SEQUENTIAL);
	uint64_t pkts = 0, bytes = 0;
	uint32_t magic;
	memcpy(&magic, m, 4);
	if (magic == 0xa1b2c3d4 || magic == 0xd4c3b2a1 || magic == 0xa1b23c4d || magic == 0x4d3cb2a1) {
		int swap = magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1;
		size_t off = 24;
		while (off + 16 <= n) {
			uint32_t cl = rd32(m + off + 8, swap);
			if (cl > n - off - 16)
				break;
			pkts++;
			bytes += cl;
			off += 16 + (size_t)cl;
		}
	} else if (magic == 0x0a0d0d0a) {
		int swap = 0;
		size_t off = 0;
		while (off + 12 <= n) {
			uint32_t type = rd32(m + off, 0);
			if (type == 0x0a0d0d0a) { /* section header: byte-order magic decides */
				uint32_t bom;
				memcpy(&bom, m + off + 8, 4);
				swap = bom != 0x1a2b3c4d;
			} else {
				type = rd32(m + off, swap);
			}
			uint32_t len = rd32(m + off + 4, swap);
			if (len < 12 || len > n - off)
				break;
			if ((type == 6 || type == 2) && len >= 28) { /* EPB, obsolete PB */
				pkts++;
				bytes += rd32(m + off + 20, swap);
			} else if (type == 3 && len >= 16) { /* SPB: caplen = block payload */
				pkts++;
				bytes += len - 16;
			}
			off += len;
		}
	} else {
		fprintf(stderr, "%s: not a pcap or pcapng file\n", argv[1]);
		return 1;
	}
	printf("packets %llu caplen_bytes %llu file_bytes %llu\n", (unsigned long long)pkts,
	       (unsigned long long)bytes, (unsigned long long)n);
	return 0;
}
