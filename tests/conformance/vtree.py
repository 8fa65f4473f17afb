#!/usr/bin/env python3
"""vtree.py: the application layer of the packet detail tree (-V) against tshark 4.0.

For every capture given (files or directories), takes tshark's `-n -V` output (run now, read from a
cache, or read from a recorded reference) and sleuth's `packets -n -V`, cuts both into frames and,
in each frame, into the subtrees of the application protocols (a top line such as "Hypertext
Transfer Protocol" and the indented lines under it). Per protocol it reports the share of tshark's
lines that sleuth prints identically (same text, same indentation, in the same order: the lines of
the longest common subsequence of the two frame's subtrees) and how many lines sleuth prints that
tshark does not.

  vtree.py --sleuth ./sleuth tests/captures ../shared/captures/dns          score
  vtree.py --record DIR CAPTURE...             write tshark's application subtrees (reference files)
  vtree.py --recorded DIR --gate FILE          score against references only (no tshark needed)
  vtree.py --diff DNS CAPTURE                  show the differing lines of one protocol
  sleuth packets -n -V X | vtree.py --reduce --like REF   the subtrees a golden reference holds
"""
import argparse
import difflib
import hashlib
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gates  # noqa: E402

# Top lines of the application protocols, as tshark 4.0 prints them, grouped by the name the
# report uses.
TOPS = [
    ("HTTP", r"Hypertext Transfer Protocol"),
    ("FTP", r"File Transfer Protocol \(FTP\)"),
    ("FTP-DATA", r"FTP Data"),
    ("DNS", r"(Domain Name System|Multicast Domain Name System|Link-local Multicast Name Resolution) \("),
    ("TLS", r"(Transport Layer Security|Secure Sockets Layer)$"),
    ("QUIC", r"(QUIC IETF|GQUIC)$"),
    ("SMTP", r"Simple Mail Transfer Protocol$"),
    ("POP", r"Post Office Protocol$"),
    ("IMAP", r"Internet Message Access Protocol$"),
    ("TELNET", r"Telnet$"),
    ("SSH", r"SSH Protocol$"),
    ("DHCP", r"Dynamic Host Configuration Protocol \("),
    ("DHCPv6", r"DHCPv6$"),
]
TOP_RE = [(name, re.compile(rx)) for name, rx in TOPS]
FRAME_RE = re.compile(r"^Frame (\d+): ")
CAPTURE_EXT = (".pcap", ".pcapng", ".cap", ".pcap.gz")
ENV = dict(os.environ, TZ="UTC", LC_ALL="C")


def app_of(line):
    for name, rx in TOP_RE:
        if rx.match(line):
            return name
    return None


def split_app(text):
    """{frame: {proto: [lines]}}: the application subtrees of every frame, in order."""
    frames = {}
    cur = None
    proto = None
    for line in text.split("\n"):
        m = FRAME_RE.match(line)
        if m:
            cur = frames.setdefault(int(m.group(1)), {})
            proto = None
            continue
        if cur is None:
            continue
        if not line:
            proto = None
            continue
        if not line.startswith(" "):
            proto = app_of(line)
            if proto is None:
                continue
        if proto is not None:
            cur.setdefault(proto, []).append(line)
    return frames


HEADER = "# tshark 4.0 -n -V, application subtrees:"


def reduced(text, only=None):
    """tshark's output cut to what the score needs: frame lines and application subtrees (of the
    protocols in `only` when given), with a header naming them."""
    names = [name for name, _ in TOPS if not only or name in only]
    out = [HEADER + " " + ",".join(names)]
    for frame, protos in sorted(split_app(text).items()):
        if not any(protos.get(n) for n in names):
            continue
        out.append("Frame %d: " % frame)
        for name in names:
            for line in protos.get(name, []):
                out.append(line)
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def header_protos(path):
    with open(path, encoding="utf-8") as f:
        first = f.readline().rstrip("\n")
    if not first.startswith(HEADER):
        return None
    return [n for n in first[len(HEADER):].strip().split(",") if n]


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV, timeout=1800)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def tshark_text(path, args):
    """tshark's reduced output: a recorded reference, the cache, or a fresh run."""
    base = os.path.basename(path)
    if args.recorded:
        ref = os.path.join(args.recorded, base + ".vtree")
        if os.path.exists(ref):
            with open(ref, encoding="utf-8") as f:
                return f.read()
        if not args.tshark_ok:
            return None
    key = None
    if args.cache:
        st = os.stat(path)
        key = os.path.join(args.cache, hashlib.sha1(("%s|%d|%d" % (os.path.abspath(path), st.st_size,
                                                                    int(st.st_mtime))).encode()).hexdigest())
        if os.path.exists(key):
            with open(key, encoding="utf-8") as f:
                return f.read()
    rc, out, err = run([args.tshark, "-n", "-V", "-r", path])
    text = reduced(out)
    if key:
        os.makedirs(args.cache, exist_ok=True)
        with open(key, "w", encoding="utf-8") as f:
            f.write(text)
    return text


def captures(paths):
    for p in paths:
        if os.path.isdir(p):
            for root, _, files in sorted(os.walk(p)):
                for f in sorted(files):
                    if f.endswith(CAPTURE_EXT):
                        yield os.path.join(root, f)
        elif os.path.exists(p):
            yield p


def score_frame(t, s):
    sm = difflib.SequenceMatcher(None, t, s, autojunk=False)
    return sum(b.size for b in sm.get_matching_blocks())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("paths", nargs="*")
    ap.add_argument("--sleuth", default="./sleuth")
    ap.add_argument("--tshark", default="tshark")
    ap.add_argument("--cache", help="directory keeping tshark's reduced output between runs")
    ap.add_argument("--recorded", help="directory of recorded references (CAPTURE.vtree)")
    ap.add_argument("--testlist", help="also score the golden tests' recorded references (TESTLIST lines *.vtree)")
    ap.add_argument("--record", help="write tshark's reduced output of each capture to this directory")
    ap.add_argument("--gate", help="thresholds file: PROTO GATE TARGET (exit 1 below a gate)")
    ap.add_argument("--diff", help="print the differing subtrees of this protocol")
    ap.add_argument("--max-diff", type=int, default=40, help="frames shown with --diff")
    ap.add_argument("--per-capture", action="store_true", help="one line per capture and protocol")
    ap.add_argument("--reduce", action="store_true", help="filter stdin (a -V output) to the application subtrees")
    ap.add_argument("--like", help="with --reduce/--record: only the protocols this reference's header names")
    ap.add_argument("--only", help="with --reduce/--record: only these protocols (comma separated)")
    args = ap.parse_args()
    only = args.only.split(",") if args.only else header_protos(args.like) if args.like else None
    if args.reduce:
        sys.stdout.write(reduced(sys.stdin.read(), only))
        return 0
    args.tshark_ok = not args.recorded and not args.testlist
    here = os.path.dirname(os.path.abspath(__file__))
    capdirs = (os.path.join(here, "..", "golden", "captures"), os.path.join(here, "..", "captures"))
    # (capture, recorded reference or None: tshark or the cache)
    jobs = [(c, None) for c in captures(args.paths)]
    if args.recorded and not args.paths:
        jobs = []
        for f in sorted(os.listdir(args.recorded)):
            if f.endswith(".vtree"):
                name = f[:-len(".vtree")]
                found = [os.path.join(d, name) for d in capdirs if os.path.exists(os.path.join(d, name))]
                if not found:
                    print("  MISSING capture for %s" % f)
                    return 1
                jobs.append((found[0], os.path.join(args.recorded, f)))
    if args.testlist:
        expdir = os.path.join(os.path.dirname(os.path.abspath(args.testlist)), "expected")
        with open(args.testlist) as f:
            for line in f:
                w = line.split()
                if len(w) < 3 or w[0].startswith("#") or not w[2].endswith(".vtree"):
                    continue
                found = [os.path.join(d, w[1]) for d in capdirs if os.path.exists(os.path.join(d, w[1]))]
                if found:
                    jobs.append((found[0], os.path.join(expdir, w[2])))
    caps = [c for c, _ in jobs]
    if args.record:
        os.makedirs(args.record, exist_ok=True)
        for c in caps:
            rc, out, err = run([args.tshark, "-n", "-V", "-r", c])
            with open(os.path.join(args.record, os.path.basename(c) + ".vtree"), "w", encoding="utf-8") as f:
                f.write(reduced(out, only))
            print("recorded %s" % c)
        return 0

    total = {}
    shown = 0
    crashes = []
    for c, refpath in jobs:
        if refpath:
            with open(refpath, encoding="utf-8") as f:
                ref = f.read()
        else:
            ref = tshark_text(c, args)
        if ref is None:
            continue
        rc, out, err = run([args.sleuth, "packets", "-n", "-V", c])
        if rc not in (0, 1) or "Sanitizer" in err:
            crashes.append((c, rc, err.strip().split("\n")[-1] if err.strip() else ""))
        # a reference recorded for some protocols scores those only
        names = header_protos(refpath) if refpath else None
        if names:
            out = reduced(out, names)
        tf, sf = split_app(ref), split_app(out)
        percap = {}
        for frame in sorted(set(tf) | set(sf)):
            tp, sp = tf.get(frame, {}), sf.get(frame, {})
            for proto in set(tp) | set(sp):
                t, s = tp.get(proto, []), sp.get(proto, [])
                m = score_frame(t, s)
                for acc in (total, percap):
                    v = acc.setdefault(proto, [0, 0, 0])
                    v[0] += len(t)
                    v[1] += m
                    v[2] += len(s) - m
                if args.diff == proto and (m != len(t) or len(s) != m):
                    if shown < args.max_diff:
                        shown += 1
                        print("=== %s frame %d" % (c, frame))
                        for line in difflib.unified_diff(t, s, "tshark", "sleuth", n=1, lineterm=""):
                            print(line)
        if args.per_capture:
            for proto, (n, m, extra) in sorted(percap.items()):
                print("  %-8s %6.2f%% %6d/%-6d +%-5d %s" % (proto, 100.0 * m / n if n else 0.0, m, n, extra, c))
    print("application tree (-V) against tshark, %d captures" % len(caps))
    print("  %-8s %8s %8s %8s %8s" % ("proto", "agree", "matched", "tshark", "extra"))
    results = {}
    for name, _ in TOPS:
        if name not in total:
            continue
        n, m, extra = total[name]
        pct = 100.0 * m / n if n else (100.0 if not extra else 0.0)
        results[name] = pct
        print("  %-8s %7.2f%% %8d %8d %8d" % (name, pct, m, n, extra))
    failed = gates.check(results, crashes, args.gate) if args.gate else len(crashes)
    if not args.gate:
        for c, rc, err in crashes:
            print("  CRASH %s: exit %d: %s" % (c, rc, err))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
