#!/usr/bin/env python3
"""Make a big benchmark capture out of small ones (sleuth's own generator).

    mkbig.py OUT.pcap SIZE_MB IN.pcap...

The Ethernet packets of the inputs (classic pcap, any byte order, us or ns stamps) are laid end to end
into one "round"; idle gaps inside a round are capped at 50 ms so a round lasts seconds, not days.
The round is then written again and again until OUT reaches SIZE_MB MiB. Round k gets its own
addresses (the two low bytes of every IPv4 and IPv6 address are XORed with k, the IPv4 header and
TCP/UDP checksums adjusted to match), so every round adds new flows instead of repeating old ones,
and its timestamps continue after round k-1. Output: little-endian microsecond pcap, linktype 1.
"""
import struct
import sys

GAP_CAP = 0.05


def read_pcap(path):
    """Yield (seconds_float, orig_len, bytes) of an Ethernet pcap; nothing for anything else."""
    with open(path, 'rb') as fh:
        data = fh.read()
    if len(data) < 24:
        return
    kinds = {b'\xd4\xc3\xb2\xa1': ('<', 1e-6), b'\xa1\xb2\xc3\xd4': ('>', 1e-6),
             b'\x4d\x3c\xb2\xa1': ('<', 1e-9), b'\xa1\xb2\x3c\x4d': ('>', 1e-9)}
    kind = kinds.get(data[:4])
    if kind is None:
        sys.stderr.write('mkbig: %s: not a classic pcap, skipped\n' % path)
        return
    order, unit = kind
    if struct.unpack(order + 'I', data[20:24])[0] != 1:
        sys.stderr.write('mkbig: %s: not Ethernet, skipped\n' % path)
        return
    hdr = struct.Struct(order + 'IIII')
    pos = 24
    while pos + 16 <= len(data):
        sec, frac, caplen, origlen = hdr.unpack_from(data, pos)
        body = data[pos + 16:pos + 16 + caplen]
        if len(body) != caplen:
            break
        yield sec + frac * unit, origlen, body
        pos += 16 + caplen


def csum_fix(buf, at, old_words, new_words):
    """Incremental Internet checksum update (RFC 1624) of the 16-bit field at offset `at`."""
    if at + 2 > len(buf):
        return
    c = (~((buf[at] << 8) | buf[at + 1])) & 0xffff
    for w in old_words:
        c += (~w) & 0xffff
    for w in new_words:
        c += w
    while c >> 16:
        c = (c & 0xffff) + (c >> 16)
    c = (~c) & 0xffff
    buf[at] = c >> 8
    buf[at + 1] = c & 0xff


def relabel(pkt, key):
    """Return pkt with its IP addresses moved into round `key`'s address space."""
    if key == 0:
        return pkt
    p = bytearray(pkt)
    l3 = 14
    etype = p[12:14]
    while etype in (b'\x81\x00', b'\x88\xa8') and len(p) >= l3 + 4:
        etype = p[l3 + 2:l3 + 4]
        l3 += 4
    hi, lo = key >> 8, key & 0xff
    if etype == b'\x08\x00' and len(p) >= l3 + 20:
        ihl = (p[l3] & 0x0f) * 4
        spots = (l3 + 14, l3 + 18)            # low 16 bits of source and destination
        proto = p[l3 + 9]
        frag = ((p[l3 + 6] & 0x1f) << 8) | p[l3 + 7]
        l4 = l3 + ihl
        ip_csum = l3 + 10
    elif etype == b'\x86\xdd' and len(p) >= l3 + 40:
        spots = (l3 + 22, l3 + 38)
        proto = p[l3 + 6]
        frag = 0
        l4 = l3 + 40
        ip_csum = None
    else:
        return pkt
    old = [(p[s] << 8) | p[s + 1] for s in spots]
    for s in spots:
        p[s] ^= hi
        p[s + 1] ^= lo
    new = [(p[s] << 8) | p[s + 1] for s in spots]
    if ip_csum is not None:
        csum_fix(p, ip_csum, old, new)
    if frag == 0:
        if proto == 6:
            csum_fix(p, l4 + 16, old, new)
        elif proto == 17 and len(p) >= l4 + 8 and (p[l4 + 6] or p[l4 + 7]):
            csum_fix(p, l4 + 6, old, new)  # UDP over IPv4: 0 means "no checksum", keep it
        elif proto == 58:
            csum_fix(p, l4 + 2, old, new)  # ICMPv6 covers the IPv6 pseudo-header too
    return bytes(p)


def main():
    if len(sys.argv) < 4:
        sys.exit('usage: mkbig.py OUT.pcap SIZE_MB IN.pcap...')
    out, want = sys.argv[1], int(sys.argv[2]) << 20
    rnd = []           # (offset within the round, origlen, bytes)
    clock = 0.0
    for path in sys.argv[3:]:
        last = None
        for t, origlen, body in read_pcap(path):
            if last is not None:
                clock += min(max(t - last, 0.0), GAP_CAP)
            last = t
            rnd.append((clock, origlen, body))
        clock += GAP_CAP
    if not rnd:
        sys.exit('mkbig: no Ethernet pcap packets in the inputs')
    span = clock + 1.0
    start = 1_600_000_000
    rec = struct.Struct('<IIII')
    size = 24
    rounds = 0
    with open(out, 'wb') as fh:
        fh.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
        while size < want:
            key = rounds % 65536
            base = start + rounds * span
            chunk = []
            for off, origlen, body in rnd:
                stamp = base + off
                sec = int(stamp)
                usec = min(int(round((stamp - sec) * 1e6)), 999999)
                body = relabel(body, key)
                chunk.append(rec.pack(sec, usec, len(body), origlen))
                chunk.append(body)
                size += 16 + len(body)
            fh.write(b''.join(chunk))
            rounds += 1
    print('mkbig: %s: %d rounds of %d packets, %d bytes' % (out, rounds, len(rnd), size))


if __name__ == '__main__':
    main()
