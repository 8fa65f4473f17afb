#!/usr/bin/env python3
"""make-ooo-first.py: derives tests/golden/captures/http-ooo-first.pcap from tests/captures/http.pcap.

The first HTTP connection is moved from port 80 to 8123 (a port with no dissector, so only the
content can name the protocol), and its request is cut in two segments that arrive in the wrong
order: the second half first. The dissector must be chosen on the bytes at the start of the
stream once they arrive (records commands reassemble), not on the first segment seen (which
starts in the middle of the request line) nor by port. Everything else is left as it is; edited
packets get their IPv4 and TCP checksums recomputed.
Usage: make-ooo-first.py [SRC [DST]]"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcapw import read_pcap, rebuild, tcp_of, write_pcap  # noqa: E402

src = sys.argv[1] if len(sys.argv) > 1 else "tests/captures/http.pcap"
dst = sys.argv[2] if len(sys.argv) > 2 else "tests/golden/captures/http-ooo-first.pcap"
NEW_PORT = 8123
CUT = 9  # "GET /xxxx" | rest of the request

hdr, pk = read_pcap(src)
first = next(p for _, _, p in pk if tcp_of(p) and tcp_of(p)[4] == 80 and tcp_of(p)[7] & 0x02)
cport = tcp_of(first)[3]

out = []
for ts, tu, p in pk:
    t = tcp_of(p)
    if not t or cport not in (t[3], t[4]) or 80 not in (t[3], t[4]):
        out.append((ts, tu, p))
        continue
    sp, dp = (NEW_PORT if t[3] == 80 else t[3]), (NEW_PORT if t[4] == 80 else t[4])
    data = p[t[2]:]
    if t[4] == 80 and data.startswith(b"GET ") and len(data) > CUT:
        head = rebuild(p, payload=data[:CUT], sport=sp, dport=dp)
        tail = rebuild(p, seq=(t[5] + CUT) & 0xFFFFFFFF, payload=data[CUT:], sport=sp, dport=dp)
        out.append((ts, tu, tail))
        out.append((ts, tu, head))
        continue
    out.append((ts, tu, rebuild(p, sport=sp, dport=dp)))
write_pcap(dst, hdr, out)
print(dst, len(out), "frames")
