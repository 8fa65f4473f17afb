#!/usr/bin/env python3
"""Conformance of `sleuth conv tcp` and `sleuth conv udp` against tshark 4.0 references: for every capture of
../shared/captures, the rows of reference/<path>.conv.txt (tshark -q -n -z conv,tcp -z conv,udp) are matched with
sleuth's rows on the addresses and ports of both sides and the frames and bytes of each direction (bytes as tshark
prints them: "812 bytes", "20 kB"). Prints the share of conversations that agree and gates on conv-thresholds.tsv."""
import argparse
import collections
import concurrent.futures
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gates  # noqa: E402

ROW = re.compile(r"^(\S+)\s+<->\s+(\S+)\s+(\d+) (\d+ bytes|\d+ [kMGT]B)\s+(\d+) (\d+ bytes|\d+ [kMGT]B)\s+"
                 r"(\d+) (\d+ bytes|\d+ [kMGT]B)\s+(-?[\d.]+)\s+(-?[\d.]+)\s*$")


def parse_conv(text):
    """{"TCP": [row, ...], "UDP": [...]} where a row is (a, b, rx_frames, rx_bytes, tx_frames, tx_bytes)."""
    out = {}
    kind = None
    for line in text.split("\n"):
        m = re.match(r"^(\S+) Conversations$", line)
        if m:
            kind = m.group(1)
            out.setdefault(kind, [])
            continue
        m = ROW.match(line)
        if m and kind:
            out[kind].append(m.groups()[:6])
    return out


def run_one(binary, capdir, rel):
    env = dict(os.environ, TZ="UTC", LC_ALL="C")
    got = {}
    crash = None
    for kind in ("tcp", "udp"):
        try:
            p = subprocess.run([binary, "conv", kind, os.path.join(capdir, rel)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=env, timeout=600)
        except subprocess.TimeoutExpired:
            crash = (rel, -1, "timeout")
            continue
        except OSError as e:
            crash = (rel, -1, str(e))
            continue
        if p.returncode not in (0, 1):
            crash = (rel, p.returncode, p.stderr.decode("utf-8", "replace").strip()[:200])
        got.update(parse_conv(p.stdout.decode("utf-8", "replace")))
    return rel, got, crash


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sleuth", default="./sleuth")
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--thresholds", default=os.path.join(os.path.dirname(__file__), "conv-thresholds.tsv"))
    ap.add_argument("--worst", type=int, default=8)
    ap.add_argument("--diff", help="print the differing rows of captures whose path contains this")
    ap.add_argument("-j", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()

    capdir = os.path.join(args.shared, "captures")
    refdir = os.path.join(capdir, "reference")
    if not os.path.isdir(refdir):
        print("conv conformance: SKIP: %s not found (tshark references live in ../shared)" % refdir)
        return 0
    rels = []
    for root, _dirs, files in os.walk(refdir):
        for f in files:
            if f.endswith(".conv.txt"):
                rel = os.path.relpath(os.path.join(root, f), refdir)[: -len(".conv.txt")]
                if os.path.exists(os.path.join(capdir, rel)):
                    rels.append(rel)
    rels.sort()

    agree = collections.Counter()
    total = collections.Counter()
    worst = []
    crashes = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.j) as ex:
        results = list(ex.map(lambda r: run_one(args.sleuth, capdir, r), rels))
    for rel, got, crash in results:
        if crash:
            crashes.append(crash)
        with open(os.path.join(refdir, rel + ".conv.txt"), encoding="utf-8", errors="replace") as f:
            ref = parse_conv(f.read())
        bad = 0
        for kind in ("TCP", "UDP"):
            want = collections.Counter(ref.get(kind, []))
            have = collections.Counter(got.get(kind, []))
            matched = sum((want & have).values())
            # a conversation counts once whichever side has it: missing, extra and different rows all disagree
            n = max(sum(want.values()), sum(have.values()))
            total[kind] += n
            agree[kind] += matched
            bad += n - matched
            if args.diff and args.diff in rel and n != matched:
                for row in sorted((want - have).elements()):
                    print("%s %s tshark: %s" % (rel, kind, " ".join(row)))
                for row in sorted((have - want).elements()):
                    print("%s %s sleuth: %s" % (rel, kind, " ".join(row)))
        if bad:
            worst.append((bad, rel))

    print("conv conformance against tshark 4.0 references: %d captures" % len(rels))
    pct = {}
    for kind in ("TCP", "UDP"):
        pct["conv." + kind.lower()] = 100.0 * agree[kind] / total[kind] if total[kind] else 100.0
        print("  conv.%-4s %8.3f%%  (%d of %d conversations: frames and bytes each way)" %
              (kind.lower(), pct["conv." + kind.lower()], agree[kind], total[kind]))
    allk = sum(total.values())
    pct["conv.all"] = 100.0 * sum(agree.values()) / allk if allk else 100.0
    print("  conv.all  %8.3f%%  (%d of %d)" % (pct["conv.all"], sum(agree.values()), allk))
    worst.sort(key=lambda w: (-w[0], w[1]))
    if worst:
        print("  worst captures (conversations that differ):")
        for bad, rel in worst[: args.worst]:
            print("    %5d  %s" % (bad, rel))
    failed = gates.check(pct, crashes, args.thresholds)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
