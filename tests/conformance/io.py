#!/usr/bin/env python3
"""`sleuth stats io` against live tshark 4.0 (`tshark -q -z io,stat,INTERVAL,SERIES,...`): for captures of
../shared/captures (or those given), several intervals and sets of series each, the whole table must be the same
text. Needs tshark installed, so `make check` does not run it (the golden tests hold recorded tshark tables).

Usage: io.py [--sleuth ./sleuth] [--shared ../shared] [--jobs 2] [--max-bytes N] [--diff] [CAPTURE...]
Prints one line per disagreeing case and the agreement; exits 1 when a case disagrees."""
import argparse
import concurrent.futures
import difflib
import os
import subprocess
import sys

# Sets of series; a calc's field is always in its filter, as tshark requires.
SERIES = [
    [],
    ["tcp", "udp", "ip.ttl < 100"],
    ["SUM(frame.len)frame.len", "AVG(tcp.analysis.ack_rtt)tcp.analysis.ack_rtt", "MIN(tcp.len)tcp.len",
     "MAX(tcp.len)tcp.len", "COUNT(tcp.len)tcp.len", "LOAD(tcp.analysis.ack_rtt)tcp.analysis.ack_rtt"],
    ["MAX(frame.time_delta)frame.time_delta", "MIN(frame.time_delta)frame.time_delta", "AVG(frame.len)frame.len",
     "SUM(tcp.analysis.ack_rtt)tcp.analysis.ack_rtt", "", "FRAMES", "BYTES()udp"],
    ["COUNT(ip.src)ip.src", "SUM(udp.length)udp.length", "MAX(ip.ttl)ip.ttl", "AVG(tcp.window_size)tcp.window_size",
     "MIN(frame.time_relative)frame.time_relative", "MAX(tcp.analysis.initial_rtt)tcp.analysis.initial_rtt"],
    ["tcp.port == 80 || tcp.port == 443 || udp.port == 53 || udp.port == 5353 || tcp.port == 22 || tcp.port == 21 "
     "|| tcp.port == 25", "COUNT(tcp.port)tcp.port && tcp.flags.syn == 1", "SUM(tcp.srcport)tcp.srcport"],
]


def intervals(duration):
    """Intervals that give at most ~2000 rows for a capture of this many seconds."""
    out = ["0", "1"]
    for iv, need in (("0.1", 200), ("0.01", 20), ("0.001", 2), ("10", 1e9), ("2.0", 1e9), ("0.25", 500),
                     ("60", 1e9)):
        if duration <= need:
            out.append(iv)
    return out


def run(cmd, status=False):
    env = dict(os.environ, TZ="UTC", LC_ALL="C")
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, timeout=600)
    except subprocess.TimeoutExpired:
        return (-1, "timeout") if status else "timeout"
    out = p.stdout.decode("utf-8", "replace")
    return (p.returncode, out) if status else out


def duration_of(path):
    out = run(["capinfos", "-u", "-M", path])
    for line in out.split("\n"):
        if "Capture duration" in line:
            try:
                return float(line.split(":", 1)[1].split()[0])
            except (ValueError, IndexError):
                return 0.0
    return 0.0


def split_tables(text):
    """tshark prints one table per -z io,stat (the last given first): "\n", a line of '=', ..., a line of '='."""
    tables, cur = [], None
    for line in text.split("\n"):
        if line and set(line) == {"="}:
            if cur is None:
                cur = [line]
                continue
            cur.append(line)
            tables.append("\n" + "\n".join(cur) + "\n")
            cur = None
        elif cur is not None:
            cur.append(line)
    return tables


def zarg(iv, series):
    return ",".join(["io,stat", iv] + series)


def sleuth_case(sleuth, path, iv, series):
    cmd = [sleuth, "stats", "io", "--interval", iv]
    for s in series:
        cmd += ["-s", s]
    return run(cmd + [path])


def one_capture(sleuth, path, cases):
    """Every case of one capture: tshark once with all of them (a case that differs is run again alone, so
    that tshark's taps cannot affect each other), sleuth once per case."""
    cmd = ["tshark", "-r", path, "-q"]
    for iv, series in cases:
        cmd += ["-z", zarg(iv, series)]
    tables = split_tables(run(cmd))[::-1]
    out = []
    for k, (iv, series) in enumerate(cases):
        got = sleuth_case(sleuth, path, iv, series)
        want = tables[k] if len(tables) == len(cases) else None
        if want != got:
            rc, want = run(["tshark", "-r", path, "-q", "-z", zarg(iv, series)], status=True)
            if rc != 0:
                want = None  # tshark failed (LOAD on a capture of no duration divides by zero)
        out.append((path, iv, series, want, got))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sleuth", default="./sleuth")
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--max-bytes", type=int, default=5 << 20)
    ap.add_argument("--diff", action="store_true")
    ap.add_argument("captures", nargs="*")
    a = ap.parse_args()
    caps = a.captures
    if not caps:
        man = os.path.join(a.shared, "captures", "MANIFEST.tsv")
        if not os.path.exists(man):
            print("SKIP io conformance: %s not found" % man)
            return 0
        with open(man) as f:
            rows = [l.rstrip("\n").split("\t") for l in f][1:]
        caps = [os.path.join(a.shared, "captures", r[0]) for r in rows if int(r[5]) <= a.max_bytes]
    jobs = []
    for c in caps:
        d = duration_of(c)
        # tshark reads the decimals of "2.0" up to the next comma: with no series it measures to a NULL
        # pointer and shows a precision that varies from run to run, so that case is left out
        jobs.append((c, [(iv, s) for iv in intervals(d) for s in SERIES if s or iv != "2.0"]))
    same = total = failed = 0
    bad = []
    with concurrent.futures.ThreadPoolExecutor(a.jobs) as ex:
        for res in ex.map(lambda j: one_capture(a.sleuth, *j), jobs):
            for path, iv, series, want, got in res:
                if want is None:
                    failed += 1
                    continue
                total += 1
                if want == got:
                    same += 1
                    continue
                bad.append(path)
                print("DIFF %s --interval %s %s" % (path, iv, " ".join("-s '%s'" % s for s in series)))
                if a.diff:
                    sys.stdout.writelines(list(difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                                                    "tshark", "sleuth", n=1))[:40])
                sys.stdout.flush()
    print("io,stat: %d of %d cases the same text as tshark (%d captures, %d with a difference; "
          "%d cases where tshark itself failed left out)" % (same, total, len(caps), len(set(bad)), failed))
    return 0 if same == total else 1


if __name__ == "__main__":
    sys.exit(main())
