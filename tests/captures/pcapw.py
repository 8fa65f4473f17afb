"""pcapw.py: small helpers for the scripts that write the project's test captures."""
import struct


def csum(b):
    """The Internet checksum (RFC 1071) of `b`."""
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(">%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def read_pcap(path):
    """(header, [[ts, usec, frame], ...]) of a little-endian microsecond pcap file."""
    d = open(path, "rb").read()
    hdr, off, pk = d[:24], 24, []
    assert struct.unpack("<I", hdr[:4])[0] == 0xA1B2C3D4, "little-endian microsecond pcap expected"
    while off < len(d):
        ts, tu, cl, _ = struct.unpack("<IIII", d[off:off + 16])
        pk.append([ts, tu, d[off + 16:off + 16 + cl]])
        off += 16 + cl
    return hdr, pk


def write_pcap(path, hdr, frames):
    """Writes `hdr` and the (ts, usec, frame) records."""
    with open(path, "wb") as f:
        f.write(hdr)
        for ts, tu, p in frames:
            f.write(struct.pack("<IIII", ts, tu, len(p), len(p)) + p)


def tcp_of(p):
    """(ihl, tcp offset, data offset, sport, dport, seq, ack, flags) of an Ethernet/IPv4/TCP frame, or None."""
    if len(p) < 34 or p[12:14] != b"\x08\x00" or p[23] != 6:
        return None
    ihl = (p[14] & 15) * 4
    t = 14 + ihl
    sport, dport, seq, ack = struct.unpack(">HHII", p[t:t + 12])
    doff = (p[t + 12] >> 4) * 4
    return ihl, t, t + doff, sport, dport, seq, ack, p[t + 13]


def rebuild(p, seq=None, ack=None, payload=None, sport=None, dport=None):
    """The frame with its TCP seq/ack/ports/payload replaced and both checksums recomputed."""
    ihl, t, data, osp, odp, oseq, oack, _ = tcp_of(p)
    ip = bytearray(p[14:14 + ihl])
    th = bytearray(p[t:data])
    pl = p[data:] if payload is None else payload
    struct.pack_into(">HHII", th, 0, osp if sport is None else sport, odp if dport is None else dport,
                     oseq if seq is None else seq, oack if ack is None else ack)
    struct.pack_into(">H", ip, 2, ihl + len(th) + len(pl))
    struct.pack_into(">H", ip, 10, 0)
    struct.pack_into(">H", ip, 10, csum(bytes(ip)))
    struct.pack_into(">H", th, 16, 0)
    pseudo = bytes(ip[12:20]) + struct.pack(">BBH", 0, 6, len(th) + len(pl))
    struct.pack_into(">H", th, 16, csum(pseudo + bytes(th) + pl))
    return p[:14] + bytes(ip) + bytes(th) + pl
