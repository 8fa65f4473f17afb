#!/usr/bin/env python3
"""make-sip-rtp.py: writes tests/golden/captures/sip-rtp.pcap, a call set up with SIP/SDP whose
media endpoints are used by several RTP senders, interleaved with unrelated DNS-like datagrams.

SDP announcements become expectations; a conversation using an announced endpoint takes the UDP
stream of that expectation (the first one gives it a number, later ones share it), as Wireshark
numbers them. The senders have different address pairs, so `sleuth log -j N` puts them in
different shards: the test checks that the merged stream numbers are the ones one thread gives.
Every packet is written here from its fields (Ethernet, IPv4 with checksum, UDP without one).
Usage: make-sip-rtp.py [DST]"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcapw import csum  # noqa: E402

dst = sys.argv[1] if len(sys.argv) > 1 else "tests/golden/captures/sip-rtp.pcap"


def ip4(s):
    return bytes(int(x) for x in s.split("."))


def udp_frame(src, sport, dst_, dport, payload, ident):
    udp = struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload
    iph = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), ident, 0, 64, 17, 0, ip4(src), ip4(dst_))
    iph = iph[:10] + struct.pack(">H", csum(iph)) + iph[12:]
    eth = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
    return eth + iph + udp


def sip(first, media_ip, media_port, extra):
    sdp = ("v=0\r\no=- 1 1 IN IP4 %s\r\ns=call\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio %d RTP/AVP 0\r\n"
           "a=rtpmap:0 PCMU/8000\r\n" % (media_ip, media_ip, media_port))
    head = (first + "\r\nVia: SIP/2.0/UDP 10.1.0.2:5060;branch=z9hG4bK776asdhds\r\n"
            "From: <sip:alice@example.test>;tag=1928301774\r\nTo: <sip:bob@example.test>" + extra + "\r\n"
            "Call-ID: a84b4c76e66710@10.1.0.2\r\nCSeq: 314159 INVITE\r\n"
            "Contact: <sip:alice@10.1.0.2>\r\nContent-Type: application/sdp\r\n"
            "Content-Length: %d\r\n\r\n" % len(sdp))
    return (head + sdp).encode()


def rtp(seq, ssrc):
    return struct.pack(">BBHII", 0x80, 0, seq, seq * 160, ssrc) + bytes(160)


def dnsq(qid):
    return struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + b"\x07example\x04test\x00\x00\x01\x00\x01"


frames = []
frames.append(("10.1.0.9", 40001, "10.1.0.1", 53, dnsq(1)))
frames.append(("10.1.0.2", 5060, "10.1.0.1", 5060,
               sip("INVITE sip:bob@example.test SIP/2.0", "10.1.0.50", 40000, "")))
frames.append(("10.1.0.1", 5060, "10.1.0.2", 5060,
               sip("SIP/2.0 200 OK", "10.1.0.60", 50000, ";tag=a6c85cf")))
senders = [("10.1.0.60", 50000, "10.1.0.50", 40000),   # the two announced endpoints talk
           ("10.1.0.70", 30000, "10.1.0.50", 40000),   # another sender to the first endpoint
           ("10.1.0.80", 31000, "10.1.0.50", 40000),   # and a third: same stream as the second
           ("10.1.0.90", 32000, "10.1.0.60", 50000)]   # a sender to the second endpoint
for rnd in range(3):
    for i, (a, ap, b, bp) in enumerate(senders):
        frames.append((a, ap, b, bp, rtp(rnd, 0x1000 + i)))
    frames.append(("10.1.0.9", 40010 + rnd, "10.1.0.1", 53, dnsq(2 + rnd)))

out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
for n, (a, ap, b, bp, pl) in enumerate(frames):
    f = udp_frame(a, ap, b, bp, pl, 0x100 + n)
    out.append(struct.pack("<IIII", 1790000000 + n // 10, (n % 10) * 100000, len(f), len(f)) + f)
with open(dst, "wb") as fh:
    fh.write(b"".join(out))
