#!/usr/bin/env python3
"""make-tcp-analysis.py: derives tests/golden/captures/tcp-analysis.pcap from tests/captures/http.pcap
(the GET /blob.bin connection, frames 31-110) with edits that make tshark's TCP analysis fire: a
duplicated data segment (retransmission), two swapped segments (out of order), a dropped segment
(previous segment not captured, ACKed unseen segment), a repeated ACK (duplicate ACK) and an ACK
whose window is set to 0 (zero window). Checksums are left as they are (tshark does not check)."""
import struct
import sys

src = sys.argv[1] if len(sys.argv) > 1 else "tests/captures/http.pcap"
dst = sys.argv[2] if len(sys.argv) > 2 else "tests/golden/captures/tcp-analysis.pcap"
d = open(src, "rb").read()
hdr, off, pk = d[:24], 24, []
while off < len(d):
    ts, tu, cl, ol = struct.unpack("<IIII", d[off:off + 16])
    pk.append([ts, tu, d[off + 16:off + 16 + cl], ol])
    off += 16 + cl
out = [list(p) for p in pk[30:110]]          # original frames 31..110
def orig(n):
    return list(pk[n - 1])
def at(n):                                   # position of original frame n in `out`
    return n - 31
# zero window: original frame 59 (client ACK) advertises window 0
b = bytearray(out[at(59)][2]); b[14 + 20 + 14:14 + 20 + 16] = b"\0\0"; out[at(59)][2] = bytes(b)
# dropped segment: original frame 50 (server data)
# swap original frames 44 and 46 (server data), keeping the timestamps in place
out[at(44)][2], out[at(46)][2] = out[at(46)][2], out[at(44)][2]
out[at(44)][3], out[at(46)][3] = out[at(46)][3], out[at(44)][3]
res = []
for i, p in enumerate(out):
    n = i + 31
    if n == 50:
        continue
    res.append(p)
    if n == 40:                              # retransmit original frame 38 after frame 40
        r = orig(38); r[0], r[1] = p[0], p[1] + 1 if p[1] < 999999 else p[1]; res.append(r)
    if n == 57:                              # the same ACK twice
        r = list(p); r[1] = p[1] + 1 if p[1] < 999999 else p[1]; res.append(r)
with open(dst, "wb") as f:
    f.write(hdr)
    for ts, tu, data, ol in res:
        f.write(struct.pack("<IIII", ts, tu, len(data), ol) + data)
print(dst, len(res), "frames")
