#!/usr/bin/env python3
"""make-reorder.py: derives tests/golden/captures/http-reorder.pcap from tests/captures/http.pcap.

The GET /blob.bin connection (51200-byte body in 36 server segments, S1..S36) is edited so that
its data arrives out of order, as on a path that reorders and retransmits:
  - S3 and S4 swapped (out of order, close in time);
  - S10 arrives six segments late, after S16;
  - S22 is missing where it belongs; S23 comes first, then one repacketized segment X carrying
    S22 and S23 whose S23 half is corrupted (0xEE bytes: the first copy of those bytes, S23, must
    win), then S22 itself again (a retransmission of bytes already there);
  - S30 comes before S29, followed by a copy of S30 full of 0xEE (again the first copy wins).
The server's initial sequence number is moved to 0xffffb000, so the body crosses the 32-bit
sequence wrap (near S15). The client's ACKs are rewritten to what it has received in the new
order (a cumulative ACK never covers a hole). Every other connection and every timestamp stay as they are (a packet
takes the timestamp of the slot it is put in); IPv4 and TCP checksums of edited packets are
recomputed. Reassembly must rebuild the body exactly: sha256
c50adbb78645782cfce8cfe67619efee270b518751d8917f81aa44f3916b26c5, as tshark --export-objects gives from
http.pcap (tshark 4.0 with tcp.reassemble_out_of_order:TRUE keeps the corrupted copy).
Usage: make-reorder.py [SRC [DST]]"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcapw import read_pcap, rebuild, tcp_of, write_pcap  # noqa: E402

src = sys.argv[1] if len(sys.argv) > 1 else "tests/captures/http.pcap"
dst = sys.argv[2] if len(sys.argv) > 2 else "tests/golden/captures/http-reorder.pcap"
NEW_ISN = 0xFFFFB000

hdr, pk = read_pcap(src)


# the connection: the client's segment starting "GET /blob.bin"
req = next(i for i, (_, _, p) in enumerate(pk) if tcp_of(p) and p[tcp_of(p)[2]:].startswith(b"GET /blob.bin"))
_, _, _, cport, sport, _, _, _ = tcp_of(pk[req][2])


def side(p):
    t = tcp_of(p)
    if not t:
        return None
    if (t[3], t[4]) == (sport, cport):
        return "server"
    if (t[3], t[4]) == (cport, sport):
        return "client"
    return None


syn_ack = next(p for _, _, p in pk if side(p) == "server" and tcp_of(p)[7] & 0x12 == 0x12)
delta = (NEW_ISN - tcp_of(syn_ack)[5]) & 0xFFFFFFFF
for r in pk:  # move the server's sequence space (and the client's acknowledgements with it)
    s = side(r[2])
    if s == "server":
        r[2] = rebuild(r[2], seq=(tcp_of(r[2])[5] + delta) & 0xFFFFFFFF)
    elif s == "client" and tcp_of(r[2])[7] & 0x10:
        r[2] = rebuild(r[2], ack=(tcp_of(r[2])[6] + delta) & 0xFFFFFFFF)

slots = [i for i, (_, _, p) in enumerate(pk) if side(p) == "server" and len(p) > tcp_of(p)[2]]
assert len(slots) == 36, len(slots)
S = {k + 1: pk[i][2] for k, i in enumerate(slots)}  # S[1]..S[36]


def payload(p):
    return p[tcp_of(p)[2]:]


x = rebuild(S[22], payload=payload(S[22]) + b"\xee" * len(payload(S[23])))
garbage30 = rebuild(S[30], payload=b"\xee" * len(payload(S[30])))
order = {k: [S[k]] for k in S}
order[3], order[4] = [S[4]], [S[3]]
order[10] = [S[11]]
for k in range(11, 16):
    order[k] = [S[k + 1]]
order[16] = [S[10]]
order[22] = [S[23]]
order[23] = [x, S[22]]
order[29] = [S[30], garbage30]
order[30] = [S[29]]

out = []
slot_of = {i: k + 1 for k, i in enumerate(slots)}
for i, (ts, tu, p) in enumerate(pk):
    if i in slot_of:
        out.extend((ts, tu, q) for q in order[slot_of[i]])
    else:
        out.append((ts, tu, p))

# the client acknowledges what it has received in this order (a cumulative ACK never covers a
# hole), as a receiver behind the reordering path would: ACK = the end of the contiguous bytes
got = []  # (start, end) of server bytes received, relative to the new ISN
isn = NEW_ISN
for k, (ts, tu, p) in enumerate(out):
    s_ = side(p)
    t = tcp_of(p)
    if s_ == "server":
        start = (t[5] - isn) & 0xFFFFFFFF
        end = start + len(p) - t[2] + (1 if t[7] & 0x03 else 0)  # SYN or FIN take one
        got.append((start, end))
    elif s_ == "client" and t[7] & 0x10 and got:
        contiguous = 0
        for a, b in sorted(got):
            if a > contiguous:
                break
            contiguous = max(contiguous, b)
        ack_rel = (t[6] - isn) & 0xFFFFFFFF
        if ack_rel > contiguous:
            out[k] = (ts, tu, rebuild(p, ack=(isn + contiguous) & 0xFFFFFFFF))
write_pcap(dst, hdr, out)
print(dst, len(out), "frames")
