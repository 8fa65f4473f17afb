#!/usr/bin/env python3
"""make-corpus.py: regenerates the seed corpora of the fuzz targets from tests/captures/*.

  corpus/pcap/    slices (<= 4 KB) of the pcap captures: file header + a window of records;
                  plus one pcapng slice, one gzip'd slice and the nanosecond/big-endian variants
  corpus/pcapng/  slices of the pcapng captures (SHB + IDBs + a window of blocks) and small
                  hand-made files for the features the captures lack (two sections, big-endian,
                  if_tsresol/if_tsoffset, SPB, obsolete PB, NRB, DSB)
  corpus/decode/  single frames in fuzz_decode's input layout (see fuzz_decode.c), chosen so
                  each distinct (link type, ethertype, IP protocol, TCP flags, port) appears
                  once; some re-wrapped in other link layers (SLL, SLL2, null, loop, raw, VLAN,
                  QinQ); and a few short frame sequences (TCP handshakes) for the flow analysis

Run from the top of the tree: python3 tests/fuzz/make-corpus.py. It replaces the files it made
and keeps the bug reproducers (crash-*, repro-*) that were added by hand.
Deterministic: the same captures give the same files.
"""
import gzip
import hashlib
import os
import struct
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CAPS = os.path.join(TOP, "tests", "captures")
OUT = os.path.join(TOP, "tests", "fuzz", "corpus")
MAXF = 4096
MAXN = 30


def pcap_records(data):
    magic = data[:4]
    end = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    lt = struct.unpack(end + "I", data[20:24])[0]
    pos, recs = 24, []
    while pos + 16 <= len(data):
        sec, frac, cap, ln = struct.unpack(end + "IIII", data[pos:pos + 16])
        recs.append((pos, 16 + cap, data[pos + 16:pos + 16 + cap], lt))
        pos += 16 + cap
    return data[:24], recs


def ng_blocks(data):
    pos, blocks = 0, []
    end = "<"
    while pos + 12 <= len(data):
        t = struct.unpack(end + "I", data[pos:pos + 4])[0]
        if t == 0x0A0D0D0A:
            end = "<" if data[pos + 8:pos + 12] == b"\x4d\x3c\x2b\x1a" else ">"
        t, ln = struct.unpack(end + "II", data[pos:pos + 8])
        blocks.append((t, data[pos:pos + ln]))
        pos += ln
    return blocks


def windows(n, count):
    """`count` start indexes spread over n items."""
    if n == 0:
        return []
    return sorted({(i * n) // count for i in range(count)})


def put(d, name, blob):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(blob)


def pcap_slices(path, starts):
    data = open(path, "rb").read()
    hdr, recs = pcap_records(data)
    out = []
    for s in windows(len(recs), starts):
        blob = hdr
        for i in range(s, len(recs)):
            pos, ln, _, _ = recs[i]
            if len(blob) + ln > MAXF:
                break
            blob += data[pos:pos + ln]
        if len(blob) > 24:
            out.append(blob)
    return out


def ng_slices(path, starts):
    data = open(path, "rb").read()
    blocks = ng_blocks(data)
    head = b"".join(b for t, b in blocks if t in (0x0A0D0D0A, 1))[:2048]
    body = [b for t, b in blocks if t not in (0x0A0D0D0A, 1)]
    out = []
    for s in windows(len(body), starts):
        blob = head
        for b in body[s:]:
            if len(blob) + len(b) > MAXF:
                break
            blob += b
        out.append(blob)
    return out


# ---- hand-made pcapng features --------------------------------------------------------
def blk(t, body, e="<"):
    body += b"\0" * (-len(body) % 4)
    n = len(body) + 12
    return struct.pack(e + "II", t, n) + body + struct.pack(e + "I", n)


def opt(code, val, e="<"):
    return struct.pack(e + "HH", code, len(val)) + val + b"\0" * (-len(val) % 4)


def shb(e="<"):
    return blk(0x0A0D0D0A, struct.pack(e + "IHHq", 0x1A2B3C4D, 1, 0, -1), e)


def idb(lt, snap=0, opts=b"", e="<"):
    if opts:
        opts += struct.pack(e + "HH", 0, 0)
    return blk(1, struct.pack(e + "HHI", lt, 0, snap) + opts, e)


def epb(iface, ts, frame, e="<"):
    return blk(6, struct.pack(e + "IIIII", iface, ts >> 32, ts & 0xFFFFFFFF, len(frame), len(frame)) + frame, e)


def crafted_pcapng(frames):
    eth, raw = frames
    out = {}
    e = "<"
    ts9 = 1700000000123456789
    # two interfaces (Ethernet + raw IP, ns resolution + offset), NRB, DSB, SPB, PB, ISB
    nrb = blk(4, struct.pack("<HH", 1, 4 + 10) + bytes([10, 99, 0, 1]) + b"srv.test\0x" + b"\0" * 2 +
              struct.pack("<HH", 2, 16 + 9) + bytes(16) + b"v6.test\0\0" + b"\0" * 3 + struct.pack("<HH", 0, 0))
    dsb = blk(10, struct.pack("<II", 0x544C534B, 11) + b"CLIENT_RAND")
    isb = blk(5, struct.pack("<III", 0, 0, 0))
    one = (shb() + idb(1, 0, opt(9, b"\x09") + opt(14, struct.pack("<q", 3600))) + idb(101, 65535, opt(9, b"\x86")) +
           nrb + dsb + epb(0, ts9, eth) + epb(1, 1 << 36, raw) + blk(3, struct.pack("<I", len(eth)) + eth) +
           blk(2, struct.pack("<HHIIII", 0, 0, 0, 1000000, len(eth), len(eth)) + eth) + isb)
    out["crafted-features.pcapng"] = one
    # second section, big-endian, other link type
    E = ">"
    two = one + shb(E) + idb(101, 0, b"", E) + epb(0, 5, raw, E)
    out["crafted-two-sections.pcapng"] = two
    # huge timestamps: if_tsresol 10^0 and a large offset
    big = shb() + idb(1, 0, opt(9, b"\x00") + opt(14, struct.pack("<q", (1 << 62)))) + epb(0, (1 << 63) + 5, eth)
    out["crafted-huge-time.pcapng"] = big
    # reproducer: if_tsresol 10^0, if_tsoffset 2^62, timestamp 0x6000000000000000: the
    # seconds plus the offset overflow int64 in pcapng_fill_ts
    ovf = (shb() + idb(101, 0, opt(9, b"\x00") + opt(14, struct.pack("<q", 1 << 62))) +
           epb(0, 0x6000000000000000, raw))
    out["crafted-tsoffset-overflow.pcapng"] = ovf
    return out


# ---- decode seeds -----------------------------------------------------------------------
LTS = [1, 113, 276, 0, 108, 101, 228, 229, 12, 14]


def dec_input(lt, frames, sec=1700000000):
    b = bytes([LTS.index(lt)]) + struct.pack(">q", sec)
    for f, extra, step in frames:
        b += struct.pack(">HHB", len(f), extra, step) + f
    return b


def frame_key(lt, f):
    if lt != 1 or len(f) < 14:
        return (lt, len(f) > 0)
    et = struct.unpack(">H", f[12:14])[0]
    off = 14
    while et in (0x8100, 0x88A8) and len(f) >= off + 4:
        et = struct.unpack(">H", f[off + 2:off + 4])[0]
        off += 4
    proto = flags = port = None
    if et == 0x0800 and len(f) >= off + 20:
        proto = f[off + 9]
        off += (f[off] & 15) * 4
    elif et == 0x86DD and len(f) >= off + 40:
        proto = f[off + 6]
        off += 40
    if proto in (6, 17) and len(f) >= off + 14:
        sp, dp = struct.unpack(">HH", f[off:off + 4])
        port = min(sp, dp)
        if proto == 6:
            flags = f[off + 13]
    elif proto in (1, 58) and len(f) > off:
        port = f[off]
    return (lt, et, proto, flags, port)


def rewrap(f):
    """The same IP packet under the other link layers fuzz_decode knows."""
    et, ip = f[12:14], f[14:]
    v = ip[0] >> 4 if ip else 4
    out = {}
    out["sll"] = (113, struct.pack(">HHH", 0, 1, 6) + f[6:12] + b"\0\0" + et + ip)
    out["sll2"] = (276, et + b"\0\0" + struct.pack(">IHBB", 2, 1, 0, 6) + f[6:12] + b"\0\0" + ip)
    out["null"] = (0, struct.pack("<I", 2 if v == 4 else 24) + ip)
    out["loop"] = (108, struct.pack(">I", 2 if v == 4 else 24) + ip)
    out["raw"] = (101, ip)
    out["vlan"] = (1, f[:12] + b"\x81\x00\x00\x64" + et + ip)
    out["qinq"] = (1, f[:12] + b"\x88\xa8\x00\x0a\x81\x00\x00\x64" + et + ip)
    return out


def main():
    # replace what this script made; keep bug reproducers (crash-*, repro-*) added by hand
    for t in ("pcap", "pcapng", "decode"):
        d = os.path.join(OUT, t)
        for name in os.listdir(d) if os.path.isdir(d) else []:
            if not name.startswith(("crash-", "repro-")):
                os.unlink(os.path.join(d, name))
    pcaps = ["dns.pcap", "dns-nano.pcap", "http.pcap", "https.pcap", "ftp-active.pcap", "ftp-ipv6.pcap",
             "icmp-arp.pcap", "ssh.pcap", "ftp-passive.pcap"]
    d = os.path.join(OUT, "pcap")
    n = 0
    for p in pcaps:
        for i, blob in enumerate(pcap_slices(os.path.join(CAPS, p), 3)):
            put(d, "%s-%d" % (p.replace(".pcap", ""), i), blob)
            n += 1
    first = pcap_slices(os.path.join(CAPS, "dns.pcap"), 1)[0]
    be = bytearray(first)  # big-endian copy of the dns slice
    hdr = struct.unpack("<IHHiIII", first[:24])
    be[:24] = struct.pack(">IHHiIII", *hdr)
    pos = 24
    while pos + 16 <= len(first):
        r = struct.unpack("<IIII", first[pos:pos + 16])
        be[pos:pos + 16] = struct.pack(">IIII", *r)
        pos += 16 + r[2]
    put(d, "dns-bigendian", bytes(be))
    put(d, "dns.gz", gzip.compress(first, 9, mtime=0))
    put(d, "dns-ng", ng_slices(os.path.join(CAPS, "dns.pcapng"), 1)[0])
    n += 3
    assert n <= MAXN, n

    d = os.path.join(OUT, "pcapng")
    n = 0
    for p, k in (("dns.pcapng", 6), ("https.pcapng", 8), ("mixed.pcapng", 10)):
        for i, blob in enumerate(ng_slices(os.path.join(CAPS, p), k)):
            put(d, "%s-%d" % (p.replace(".pcapng", ""), i), blob)
            n += 1
    _, recs = pcap_records(open(os.path.join(CAPS, "dns.pcap"), "rb").read())
    eth = recs[0][2]
    for name, blob in crafted_pcapng((eth, eth[14:])).items():
        put(d, name, blob)
        n += 1
    assert n <= MAXN, n

    d = os.path.join(OUT, "decode")
    seen, singles = set(), []
    for p in pcaps:
        _, recs = pcap_records(open(os.path.join(CAPS, p), "rb").read())
        for _, _, f, lt in recs:
            k = frame_key(lt, f)
            if k not in seen and len(f) <= 1600:
                seen.add(k)
                singles.append((p, f, lt))
    # keep the smallest frame per protocol shape, at most 20
    singles.sort(key=lambda x: (len(x[1]), x[0]))
    n = 0
    for p, f, lt in singles[:20]:
        put(d, "frame-" + hashlib.sha1(f).hexdigest()[:12], dec_input(lt, [(f, 0, 0)]))
        n += 1
    # other link layers around one TCP SYN (IPv4) and one IPv6 frame
    _, recs = pcap_records(open(os.path.join(CAPS, "http.pcap"), "rb").read())
    syn = recs[0][2]
    for name, (lt, f) in rewrap(syn).items():
        if name in ("sll", "sll2", "null", "vlan", "qinq"):
            put(d, "wrap-" + name, dec_input(lt, [(f, 0, 0)]))
            n += 1
    # flow sequences: the first 8 frames of http.pcap (handshake, request, data) and a cut frame
    put(d, "seq-http", dec_input(1, [(r[2], 0, 1) for r in recs[:8]]))
    put(d, "seq-cut", dec_input(1, [(recs[3][2][:60], len(recs[3][2]) - 60, 1)]))
    n += 2
    assert n <= MAXN, n


if __name__ == "__main__":
    sys.exit(main())
