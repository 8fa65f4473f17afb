#!/usr/bin/env python3
"""samelog.py: do two sleuth commands write the same records for every shared capture?

Runs `A log [ARGS_A] FILE` and `B log [ARGS_B] FILE` over the captures of shared/captures/MANIFEST.tsv
and compares stdout, stderr and the exit status. Used to prove that a change keeps `sleuth log`
byte-identical (old binary against new) and that sharded runs (-j N) write what one thread writes.

  samelog.py --a OLD --b NEW [--args-a "-j 1"] [--args-b "-j 3"] [--shared ../shared]
             [--ignore-uid] [--only SUBSTR] [--cmd log] [--jobs 2]

Prints one line per capture that differs (and the first differing line), then a summary; exits 1
when any differ."""
import argparse
import concurrent.futures
import os
import re
import shlex
import subprocess
import sys

UID = re.compile(rb'"uid":"C[0-9A-Za-z]{17}",')


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=900)
    return p.returncode, p.stdout, p.stderr


def first_diff(a, b):
    la, lb = a.split(b"\n"), b.split(b"\n")
    for i, (x, y) in enumerate(zip(la, lb)):
        if x != y:
            return i + 1, x[:300], y[:300]
    return min(len(la), len(lb)) + 1, b"(end)" if len(la) < len(lb) else la[len(lb)][:300], \
        b"(end)" if len(lb) < len(la) else lb[len(la)][:300]


def compare(args, path):
    full = os.path.join(args.shared, "captures", path)
    ra = run([args.a, args.cmd] + shlex.split(args.args_a) + [full])
    rb = run([args.b, args.cmd] + shlex.split(args.args_b) + [full])
    oa, ob = ra[1], rb[1]
    if args.ignore_uid:
        oa, ob = UID.sub(b"", oa), UID.sub(b"", ob)
    errs = []
    if ra[0] != rb[0]:
        errs.append("exit %d vs %d" % (ra[0], rb[0]))
    if ra[2] != rb[2]:
        errs.append("stderr differs: %r vs %r" % (ra[2][:200], rb[2][:200]))
    if oa != ob:
        n, x, y = first_diff(oa, ob)
        errs.append("stdout differs at line %d (%d vs %d lines)\n    a: %s\n    b: %s" %
                    (n, oa.count(b"\n"), ob.count(b"\n"), x.decode("utf-8", "replace"), y.decode("utf-8", "replace")))
    return path, errs, oa.count(b"\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--a", required=True)
    ap.add_argument("--b", required=True)
    ap.add_argument("--args-a", default="")
    ap.add_argument("--args-b", default="")
    ap.add_argument("--cmd", default="log")
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--ignore-uid", action="store_true")
    ap.add_argument("--only", default="")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    manifest = os.path.join(args.shared, "captures", "MANIFEST.tsv")
    if not os.path.exists(manifest):
        print("samelog: %s not found; skipped" % manifest)
        return 0
    with open(manifest) as f:
        paths = [l.split("\t")[0] for l in f.read().splitlines()[1:] if l.strip()]
    paths = [p for p in paths if args.only in p]
    bad = lines = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as ex:
        for path, errs, n in ex.map(lambda p: compare(args, p), paths):
            lines += n
            if errs:
                bad += 1
                print("DIFF %s: %s" % (path, "; ".join(errs)))
    print("samelog: %d captures, %d records, %d differ" % (len(paths), lines, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
