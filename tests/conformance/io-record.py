#!/usr/bin/env python3
"""Records tshark 4.0's io,stat tables as the expected output of the `stats io` golden tests, so that those tests
hold tshark's text and do not need tshark to run. Each tests/golden/TESTLIST line named stats-io* (but not
stats-io-bad*, which test sleuth's own errors) is run through tshark: `--interval X` becomes io,stat,X (100ms as
0.1), every `-s SERIES` one more series, and `-Y FILTER` a two-pass read filter (-2 -R FILTER), which keeps the
duration of the whole capture as sleuth does.

Usage: io-record.py [--check] [--shared ../shared] [NAME...]
--check compares the expected files with what tshark prints now instead of writing them."""
import argparse
import decimal
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "..", "golden")
UNITS = {"us": decimal.Decimal("0.000001"), "ms": decimal.Decimal("0.001"), "s": 1, "m": 60, "h": 3600}


def seconds(text):
    for u in ("us", "ms", "s", "m", "h"):
        if text.endswith(u):
            return str(decimal.Decimal(text[: -len(u)]) * UNITS[u]).rstrip("0").rstrip(".") if u != "s" \
                else text[:-1]
    return text


def tshark_command(args, capture):
    """The tshark command that prints what `sleuth ARGS CAPTURE` should print."""
    assert args[:2] == ["stats", "io"], args
    interval, series, pre = "1", [], None
    i = 2
    while i < len(args):
        a = args[i]
        if a == "--interval":
            interval = seconds(args[i + 1])
        elif a in ("-s", "--series"):
            series.append(args[i + 1])
        elif a == "-Y":
            pre = args[i + 1]
        else:
            raise SystemExit("io-record: no tshark equivalent for %s" % a)
        i += 2
    cmd = ["tshark", "-r", capture, "-q"]
    if pre:
        cmd += ["-2", "-R", pre]
    return cmd + ["-z", ",".join(["io,stat", interval] + series)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--shared", default=os.path.join(HERE, "..", "..", "..", "shared"))
    ap.add_argument("names", nargs="*")
    a = ap.parse_args()
    status = 0
    with open(os.path.join(GOLDEN, "TESTLIST")) as f:
        lines = [l.split() for l in f if l.strip() and not l.startswith("#")]
    for name, cap, expected, *args in lines:
        if not name.startswith("stats-io") or name.startswith("stats-io-bad") or (a.names and name not in a.names):
            continue
        if cap.startswith("shared:"):
            path = os.path.join(a.shared, "captures", cap[len("shared:"):])
            if not os.path.exists(path):
                print("SKIP %s: %s not present" % (name, cap))
                continue
        else:
            path = os.path.join(GOLDEN, "captures", cap)
            if not os.path.exists(path):
                path = os.path.join(HERE, "..", "captures", cap)
        env = dict(os.environ, TZ="UTC", LC_ALL="C")
        p = subprocess.run(tshark_command(args, path), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        text = p.stdout.decode().rstrip("\n") + "\nexit 0\n"
        out = os.path.join(GOLDEN, "expected", expected)
        if a.check:
            with open(out) as f:
                same = f.read() == text
            print("%s %s" % ("SAME" if same else "DIFFERENT", name))
            status |= not same
        else:
            with open(out, "w") as f:
                f.write(text)
            print("RECORDED %s" % name)
    return status


if __name__ == "__main__":
    sys.exit(main())
