#!/usr/bin/env python3
"""Field-level agreement with a live tshark (development tool; needs tshark 4.0 installed):
runs `tshark -T fields` and `sleuth packets -T fields` with the same fields over captures and
prints, per field, the share of packets that agree. Results are cached under --cache."""
import argparse
import collections
import hashlib
import os
import subprocess
import sys

DEFAULT_FIELDS = ("frame.len frame.cap_len frame.time_relative frame.time_delta eth.type ip.ttl ip.id ip.len "
                  "ip.proto ip.flags ip.dsfield ipv6.nxt ipv6.hlim tcp.seq tcp.ack tcp.len tcp.nxtseq tcp.hdr_len "
                  "tcp.flags tcp.window_size_value tcp.window_size tcp.window_size_scalefactor "
                  "tcp.analysis.acks_frame tcp.analysis.ack_rtt tcp.analysis.initial_rtt "
                  "tcp.analysis.bytes_in_flight tcp.analysis.push_bytes_sent tcp.analysis.duplicate_ack_num "
                  "tcp.analysis.duplicate_ack_frame tcp.analysis.flags udp.length icmp.type icmp.code "
                  "arp.opcode").split()


def run(cmd, cache):
    key = hashlib.sha1(" ".join(cmd).encode()).hexdigest()
    path = os.path.join(cache, key) if cache else None
    if path and os.path.exists(path) and cmd[0] != "./sleuth" and "sleuth" not in cmd[0]:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    env = dict(os.environ, TZ="UTC", LC_ALL="C")
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, timeout=600).stdout
    text = out.decode("utf-8", "replace")
    if path and "sleuth" not in cmd[0]:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    return text


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sleuth", default="./sleuth")
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--cache", default="/tmp/sleuth-tshark-cache")
    ap.add_argument("--fields", default=" ".join(DEFAULT_FIELDS))
    ap.add_argument("--only", default="", help="substring of capture paths to include")
    ap.add_argument("--show", default="", help="field whose mismatches to print")
    args = ap.parse_args()
    os.makedirs(args.cache, exist_ok=True)
    fields = args.fields.split()
    capdir = os.path.join(args.shared, "captures")
    with open(os.path.join(capdir, "MANIFEST.tsv")) as f:
        next(f)
        paths = [l.split("\t")[0] for l in f if args.only in l.split("\t")[0]]
    agree, total = collections.Counter(), collections.Counter()
    shown = 0
    for rel in paths:
        cap = os.path.join(capdir, rel)
        ef = []
        for fl in fields:
            ef += ["-e", fl]
        t = run(["tshark", "-n", "-r", cap, "-T", "fields", "-E", "occurrence=f"] + ef, args.cache).split("\n")
        s = run([args.sleuth, "packets", "-n", "-r", cap, "-T", "fields", "-E", "occurrence=f"] + ef, None).split("\n")
        for i, tl in enumerate(t):
            if not tl:
                continue
            tc = tl.split("\t")
            sc = (s[i] if i < len(s) else "").split("\t")
            sc += [""] * (len(fields) - len(sc))
            for j, fl in enumerate(fields):
                if tc[j] == "" and sc[j] == "":
                    continue
                total[fl] += 1
                ok = tc[j] == sc[j]
                agree[fl] += ok
                if not ok and fl == args.show and shown < 60:
                    shown += 1
                    print("%s #%d %s: tshark=%r sleuth=%r" % (rel, i + 1, fl, tc[j], sc[j]))
    for fl in fields:
        if total[fl]:
            print("%-40s %8.3f%%  (%d of %d present)" % (fl, 100.0 * agree[fl] / total[fl], agree[fl], total[fl]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
