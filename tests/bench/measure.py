#!/usr/bin/env python3
"""Run one command and measure it: measure.py RESULT STDOUT STDERR TIMEOUT_S CMD...

Writes one line to RESULT: "rc wall_s cpu_s maxrss_kb anon_kb"
  rc         the command's exit status (124 when it ran past TIMEOUT_S and was killed)
  wall_s     elapsed wall-clock time
  cpu_s      user + system CPU time of the command (from wait4)
  maxrss_kb  peak resident set as the kernel counts it (ru_maxrss, what `/usr/bin/time %M` shows); it
             includes the pages of a memory-mapped capture file that the command has touched
  anon_kb    peak anonymous resident memory (heap, stacks: RssAnon of /proc/PID/status, sampled every
             20 ms), i.e. the memory the program itself allocated, without the mapped file
"""
import os
import signal
import subprocess
import sys
import time


def anon_kb(pid):
    try:
        with open('/proc/%d/status' % pid) as fh:
            for line in fh:
                if line.startswith('RssAnon:'):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main():
    result, out, err, limit = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    cmd = sys.argv[5:]
    with open(out, 'wb') as so, open(err, 'wb') as se:
        start = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=so, stderr=se)
        peak = 0
        killed = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            peak = max(peak, anon_kb(proc.pid))
            if not killed and time.monotonic() - start > limit:
                proc.send_signal(signal.SIGKILL)
                killed = True
            time.sleep(0.02)
        wall = time.monotonic() - start
    if killed:
        rc = 124
    elif os.WIFEXITED(status):
        rc = os.WEXITSTATUS(status)
    else:
        rc = 128 + os.WTERMSIG(status)
    with open(result, 'w') as fh:
        fh.write('%d %.3f %.3f %d %d\n' % (rc, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, peak))
    return 0


if __name__ == '__main__':
    sys.exit(main())
