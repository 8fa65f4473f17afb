#!/usr/bin/env python3
"""Conformance against tshark 4.0 references: runs `sleuth packets -T fields` over every capture of
../shared/captures and reports, per column, the share of packets that agree with the reference TSV."""
import argparse
import collections
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gates  # noqa: E402

FIELDS = ["frame.number", "frame.time_epoch", "frame.len", "eth.src", "eth.dst", "ip.src", "ipv6.src",
          "ip.dst", "ipv6.dst", "tcp.srcport", "udp.srcport", "tcp.dstport", "udp.dstport", "tcp.stream",
          "udp.stream", "_ws.col.Protocol", "_ws.col.Info"]
# Columns scored over every packet, and the groups the thresholds name.
GROUPS = {
    "frame.number": ["frame.number"],
    "frame.len": ["frame.len"],
    "frame.time_epoch": ["frame.time_epoch"],
    "eth": ["eth.src", "eth.dst"],
    "addresses": ["ip.src", "ipv6.src", "ip.dst", "ipv6.dst"],
    "ports": ["tcp.srcport", "udp.srcport", "tcp.dstport", "udp.dstport"],
    "tcp.stream": ["tcp.stream"],
    "udp.stream": ["udp.stream"],
}
L4_PROTOS = {"TCP", "UDP", "ARP", "ICMP", "ICMPv6", "IPv4", "IPv6"}
# tshark Protocol column values of the application protocols sleuth dissects (issue 3), grouped
# under the name the report and the gates use ("app:HTTP" ...).
APP_GROUPS = {
    "HTTP": ["HTTP", "HTTP/XML", "HTTP/JSON", "OCSP", "PKIX-CRL"],
    "FTP": ["FTP"], "FTP-DATA": ["FTP-DATA"],
    "DNS": ["DNS", "MDNS", "LLMNR"],
    "TLS": ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3", "SSLv2", "SSLv3", "SSL", "TLS"],
    "QUIC": ["QUIC", "GQUIC"],
    "SMTP": ["SMTP", "IMF", "SMTP/IMF"], "POP": ["POP", "POP/IMF"], "IMAP": ["IMAP", "IMAP/IMF"],
    "TELNET": ["TELNET"], "SSH": ["SSH", "SSHv1", "SSHv2"],
    "DHCP": ["DHCP", "BOOTP", "DHCPv6"],
}
APP_OF = {v: k for k, vs in APP_GROUPS.items() for v in vs}


def read_tsv(text):
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    rows = {}
    for line in lines[1:]:
        cells = line.split("\t")
        cells += [""] * (len(FIELDS) - len(cells))
        rows[cells[0]] = cells
    return rows


def run_sleuth(binary, path):
    cmd = [binary, "packets", "-n", "-T", "fields", "-E", "header=y", "-E", "separator=/t", "-E", "occurrence=f"]
    for f in FIELDS:
        cmd += ["-e", f]
    cmd.append(path)
    env = dict(os.environ, TZ="UTC", LC_ALL="C")
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=600)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sleuth", default="./sleuth")
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--thresholds", default=os.path.join(os.path.dirname(__file__), "thresholds.tsv"))
    ap.add_argument("--worst", type=int, default=8)
    ap.add_argument("--diff", help="print differing rows of captures whose path contains this")
    ap.add_argument("--column", default="_ws.col.Info", help="column shown with --diff")
    ap.add_argument("--max-rows", type=int, default=400, help="rows shown per capture with --diff")
    ap.add_argument("--only", help="score only captures whose path contains this")
    ap.add_argument("--app", action="store_true", help="--diff shows application-protocol rows too")
    args = ap.parse_args()

    capdir = os.path.join(args.shared, "captures")
    manifest = os.path.join(capdir, "MANIFEST.tsv")
    if not os.path.exists(manifest):
        print("conformance: SKIP: %s not found (tshark references live in ../shared)" % manifest)
        return 0
    paths = []
    with open(manifest) as f:
        next(f)
        for line in f:
            paths.append(line.split("\t")[0])

    agree = collections.Counter()
    total = collections.Counter()
    per_proto_ok = collections.Counter()
    per_proto_n = collections.Counter()
    worst = []
    crashes = []
    for rel in paths:
        if args.only and args.only not in rel:
            continue
        ref_path = os.path.join(capdir, "reference", rel + ".tsv")
        if not os.path.exists(ref_path):
            continue
        with open(ref_path, encoding="utf-8", errors="replace") as f:
            ref = read_tsv(f.read())
        rc, out, err = run_sleuth(args.sleuth, os.path.join(capdir, rel))
        if rc not in (0, 1) or rc < 0:
            crashes.append((rel, rc, err.strip()[:200]))
        got = read_tsv(out)
        bad = 0
        shown = 0
        for num, r in ref.items():
            g = got.get(num, [""] * len(FIELDS))
            for gname, cols in GROUPS.items():
                ok = all(g[FIELDS.index(c)] == r[FIELDS.index(c)] for c in cols)
                total[gname] += 1
                agree[gname] += ok
            proto = r[15]
            if proto in L4_PROTOS:
                for c, idx in (("_ws.col.Protocol", 15), ("_ws.col.Info", 16)):
                    total[c] += 1
                    ok = g[idx] == r[idx]
                    agree[c] += ok
                    if c == "_ws.col.Info":
                        per_proto_n[proto] += 1
                        per_proto_ok[proto] += ok
                        if not ok:
                            bad += 1
            app = APP_OF.get(proto)
            if app:
                for c, idx in (("Protocol", 15), ("Info", 16)):
                    key = "app:%s:%s" % (app, c)
                    total[key] += 1
                    agree[key] += g[idx] == r[idx]
            scored = proto in L4_PROTOS or (args.app and app)
            if args.diff and args.diff in rel and (scored or not args.column.startswith("_ws")):
                idx = FIELDS.index(args.column)
                if g[idx] != r[idx] and shown < args.max_rows:
                    shown += 1
                    print("%s #%s\n  tshark: %s\n  sleuth: %s" % (rel, num, r[idx], g[idx]))
        if bad:
            worst.append((bad, len(ref), rel))

    print("conformance against tshark 4.0 references: %d captures, %d packets" % (len(paths), total["frame.number"]))
    results = {}
    for name in list(GROUPS) + ["_ws.col.Protocol", "_ws.col.Info"]:
        pct = 100.0 * agree[name] / total[name] if total[name] else 100.0
        results[name] = pct
        print("  %-18s %8.3f%%  (%d of %d)" % (name, pct, agree[name], total[name]))
    print("  Info per tshark Protocol:")
    for p in sorted(per_proto_n, key=lambda k: -per_proto_n[k]):
        print("    %-8s %8.3f%%  (%d of %d)" % (p, 100.0 * per_proto_ok[p] / per_proto_n[p], per_proto_ok[p], per_proto_n[p]))
    print("  application protocols (tshark Protocol column; share of packets with equal Protocol / Info):")
    for app in APP_GROUPS:
        n = total["app:%s:Protocol" % app]
        if not n:
            continue
        pp = 100.0 * agree["app:%s:Protocol" % app] / n
        pi = 100.0 * agree["app:%s:Info" % app] / n
        results["app:%s:Protocol" % app] = pp
        results["app:%s:Info" % app] = pi
        print("    %-9s Protocol %8.3f%%  Info %8.3f%%  (%d packets)" % (app, pp, pi, n))
    worst.sort(reverse=True)
    print("  worst captures (Info mismatches over TCP/UDP/ARP/ICMP/IP packets):")
    for bad, n, rel in worst[: args.worst]:
        print("    %5d of %5d  %s" % (bad, n, rel))
    failed = gates.check(results, crashes, args.thresholds)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
