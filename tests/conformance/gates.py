"""gates.py: shared by the conformance scripts: crash lines and the gate/target check of a thresholds file."""


def check(results, crashes, thresholds_path):
    """Prints CRASH, FAIL and note lines; returns how many failures there are.
    results: {name: percent}; crashes: [(capture, exit status, stderr)];
    thresholds file lines: NAME GATE TARGET (make check fails below GATE; TARGET is the issue's)."""
    failed = 0
    for rel, rc, err in crashes:
        print("  CRASH %s: exit %d: %s" % (rel, rc, err))
        failed += 1
    with open(thresholds_path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, gate, target = line.split()[:3]
            got = results.get(name, 0.0)
            if got + 1e-9 < float(gate):
                print("  FAIL %s: %.3f%% is below the gate %s%%" % (name, got, gate))
                failed += 1
            elif got + 1e-9 < float(target):
                print("  note %s: %.3f%% passes the gate %s%% but not yet the issue's target %s%%" %
                      (name, got, gate, target))
    return failed
