#!/usr/bin/env python3
"""Format the results of tests/bench/run.sh as Markdown tables (the table and the target ratios).

report.py RESULTS.tsv WORKDIR BIG.pcap ORIGIN LOAD_BEFORE LOAD_AFTER SECONDS
RESULTS.tsv lines: KEY FILE rc wall cpu maxrss_kb anon_kb   (measured)  or  KEY FILE WHY  (not run)
"""
import datetime
import os
import platform
import subprocess
import sys

res, work, big, origin, load0, load1, took = sys.argv[1:8]

LABELS = [
    ('mmap', 'mmap walk over the record headers (floor)'),
    ('flow', '`sleuth packets -q FILE` (flow pass)'),
    ('list', '`sleuth packets FILE > /dev/null` (packet list)'),
    ('dissect', '`sleuth log FILE > /dev/null` (full dissection: every record; one thread per CPU)'),
    ('dissect1', '`sleuth log -j 1 FILE > /dev/null` (the same on one thread)'),
    ('filtered', "`sleuth packets -Y http.request FILE > /dev/null`"),
    ('tcpdump', '`tcpdump -nn -r FILE > /dev/null`'),
    ('tcpdump-q', '`tcpdump -nn -q -r FILE > /dev/null`'),
    ('tshark', '`tshark -n -r FILE -q -z conv,tcp > /dev/null`'),
    ('ndpi', '`ndpiReader -q -i FILE > /dev/null`'),
    ('tshark-y', "`tshark -n -r FILE -Y http.request > /dev/null`"),
]


def walk(path):
    """packets, file bytes as counted by the mmap walk"""
    w = open(os.path.join(work, 'walk.' + os.path.basename(path) + '.txt')).read().split()
    return int(w[1]), int(w[5])


runs = {}  # (key, file) -> list of measured dicts, or a string saying why not run
for line in open(res):
    f = line.rstrip('\n').split('\t')
    key, path = f[0], f[1]
    if len(f) < 7:
        runs[(key, path)] = f[2]
        continue
    rc, wall, cpu, rss, anon = int(f[2]), float(f[3]), float(f[4]), int(f[5]), int(f[6])
    r = dict(key=key, path=path, rc=rc, wall=wall, cpu=cpu, rss=rss, anon=anon)
    if isinstance(runs.get((key, path)), list):
        runs[(key, path)].append(r)
    else:
        runs[(key, path)] = [r]


def pick(key, path=big):
    """The median run (by wall time) of KEY on PATH; or a string: why there is none."""
    v = runs.get((key, path))
    if v is None:
        return 'not run'
    if isinstance(v, str):
        return v
    bad = [r for r in v if r['rc'] != 0]
    if bad:
        return 'timeout' if bad[0]['rc'] == 124 else 'failed (exit %d)' % bad[0]['rc']
    v = sorted(v, key=lambda r: r['wall'])
    r = dict(v[(len(v) - 1) // 2])
    r['n'] = len(v)
    return r


def mb(kb):
    if kb >= 1048576:
        return '%.2f GB' % (kb / 1048576.0)
    return '%.0f MB' % (kb / 1024.0) if kb >= 1024 else '%d kB' % kb


def version(cmd):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
        for line in (p.stdout + p.stderr).splitlines():
            if line.strip() and 'Running as user' not in line:
                return line.strip().rstrip('.')
    except (OSError, subprocess.SubprocessError):
        pass
    return 'not installed'


pk, nb = walk(big)
try:
    cpu_model = [l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')][0]
except (OSError, IndexError):
    cpu_model = platform.processor() or '?'
out = []
w = out.append
w('sleuth benchmark, %s' % datetime.datetime.now().strftime('%Y-%m-%d %H:%M'))
w('')
w('- capture: `%s` (%s): %.0f MiB, %s packets' % (os.path.basename(big), origin, nb / 1048576.0,
                                                  '{:,}'.format(pk)))
w('- machine: %d cores (%s), %.0f GiB RAM; load average before/after: %s / %s; measuring took %s s'
  % (os.cpu_count(), cpu_model, os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30,
     load0, load1, took))
w('- %s; %s; %s; ndpiReader %s' % (version([os.path.join(work, 'sleuth'), 'version']),
                                    version(['tcpdump', '--version']), version(['tshark', '--version']),
                                    version(['sh', '-c', 'ndpiReader -h 2>&1 | grep -o "nDPI [0-9.]*" | head -1'])))
w('- page cache warm; sleuth and the mmap walk: median of 3 runs; peers: 1 run. packets/s and MB/s '
  '(10^6 bytes of file) from wall time. peak RSS = ru_maxrss (what `/usr/bin/time %M` prints; it counts the '
  'touched pages of an mmapped capture); peak anon = largest RssAnon sampled every 20 ms (heap, no file pages).')
w('')
w('| command | wall s | CPU s | packets/s | MB/s | peak RSS | peak anon |')
w('|---|---:|---:|---:|---:|---:|---:|')


def row(label, r, p, n):
    if isinstance(r, str):
        w('| %s | %s | | | | | |' % (label, r))
        return
    wall = max(r['wall'], 0.001)
    w('| %s | %.2f | %.2f | %s | %.0f | %s | %s |' % (label, r['wall'], r['cpu'], '{:,.0f}'.format(p / wall),
                                                     n / 1e6 / wall, mb(r['rss']), mb(r['anon'])))


for key, label in LABELS:
    row(label, pick(key), pk, nb)
smalls = sorted({p for (k, p) in runs if k == 'flow-small'})
for s in smalls:
    spk, snb = walk(s)
    row('`sleuth packets -q` (flow pass) on `%s` (%.0f MiB, %s packets)'
        % (os.path.basename(s), snb / 1048576.0, '{:,}'.format(spk)), pick('flow-small', s), spk, snb)

w('')
w('| ratio | wall | CPU | target | verdict (wall) |')
w('|---|---:|---:|---|---|')


def ratio(name, num, den, target, good):
    a, b = pick(num), pick(den)
    if isinstance(a, str) or isinstance(b, str):
        why = '; '.join('%s: %s' % (k, x) for k, x in ((num, a), (den, b)) if isinstance(x, str))
        w('| %s | n/a (%s) | | %s | — |' % (name, why, target))
        return
    rw = a['wall'] / max(b['wall'], 0.001)
    rc = a['cpu'] / max(b['cpu'], 0.001)
    verdict = '—' if good is None else ('meets' if good(rw) else '**misses**')
    if good is not None and good(rw) != good(rc):
        verdict += ' (on CPU time it %s)' % ('meets' if good(rc) else 'misses')
    w('| %s | %.2fx | %.2fx | %s | %s |' % (name, rw, rc, target, verdict))


ratio('flow pass / mmap walk', 'flow', 'mmap', 'within 3x', lambda v: v <= 3.0)
ratio('tshark `-z conv,tcp` / flow pass', 'tshark', 'flow', '>= 20x', lambda v: v >= 20.0)
ratio('`tcpdump -nn` / sleuth packet list', 'tcpdump', 'list', '>= 5x', lambda v: v >= 5.0)
ratio('`tcpdump -nn -q` / sleuth packet list', 'tcpdump-q', 'list', '(for reference)', None)
ratio('ndpiReader / flow pass', 'ndpi', 'flow', '(for reference)', None)
ratio('tshark `-z conv,tcp` / full dissection (`sleuth log`)', 'tshark', 'dissect', '>= 20x', lambda v: v >= 20.0)
ratio('tshark `-z conv,tcp` / full dissection on one thread (`log -j 1`)', 'tshark', 'dissect1', '(for reference)', None)
ratio('full dissection: one thread / one per CPU', 'dissect1', 'dissect', '(speed-up of the threads)', None)
ratio('full dissection on one thread / flow pass', 'dissect1', 'flow', '(shape: dissection cost)', None)
ratio('ndpiReader / full dissection', 'ndpi', 'dissect', '> 1x', lambda v: v > 1.0)
ratio('tshark `-Y http.request` / sleuth `-Y http.request`', 'tshark-y', 'filtered', '>= 10x', lambda v: v >= 10.0)

w('')
a = pick('flow')
for s in smalls:
    b = pick('flow-small', s)
    spk, snb = walk(s)
    if isinstance(a, str) or isinstance(b, str):
        w('- flow-pass memory vs file size (%s): n/a' % os.path.basename(s))
        continue
    anon = a['anon'] / max(b['anon'], 1)
    rss = a['rss'] / max(b['rss'], 1)
    w('- flow-pass memory, %.0f MiB vs %.0f MiB capture (file %.1fx bigger, %.1fx the packets): '
      'peak anon %s vs %s = **%.2fx**; peak RSS incl. mapped file %s vs %s = %.2fx. '
      'Target: bounded by live flows, not file size (anon ratio <= 1.5x): %s.'
      % (nb / 1048576.0, snb / 1048576.0, nb / snb, pk / max(spk, 1), mb(a['anon']), mb(b['anon']), anon,
         mb(a['rss']), mb(b['rss']), rss, 'meets' if anon <= 1.5 else '**misses** (grows with the file)'))
if not smalls:
    w('- flow-pass memory vs file size: n/a (one capture only: give BENCH_SIZES two sizes, or BENCH_PCAP_SMALL)')
w('')
w('Compare ratios measured in one run, not absolute times: those depend on the machine and its load.')
sys.stdout.write('\n'.join(out) + '\n')
