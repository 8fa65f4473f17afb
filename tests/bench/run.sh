#!/bin/sh
# sleuth benchmark (make bench). See tests/bench/README.md.
#
# In one run, on one capture, measures wall time, packets/s, MB/s and peak RSS of: a bare mmap walk over
# the record headers (the floor), sleuth's flow pass and packet list, tcpdump, tshark's TCP conversation
# table and ndpiReader; then prints the ratios the project targets.
#
# Environment:
#   BENCH_PCAP=FILE        capture to measure (default: build the reference workload, see below)
#   BENCH_PCAP_SMALL=FILE  with BENCH_PCAP: a smaller capture for the peak-RSS-vs-file-size check
#   BENCH_SIZES="256 1024" MiB sizes to build; the largest is measured, the flow pass also runs on the others
#   BENCH_SKIP=tshark,ndpi peers to leave out (tcpdump, tcpdump-q, tshark, ndpi, list)
#   BENCH_TIMEOUT=400      seconds one command may take before its row says "timeout"
#   BENCH_SHARED=DIR       where shared/ is (default ../shared, then /work/shared); BENCH_SHARED= (empty)
#                          builds the like workload from tests/captures with tests/bench/mkbig.py instead
#   TMPDIR                 captures and results go to ${TMPDIR:-/tmp}/sleuth-bench
# Nothing is installed; missing peers are reported as "not installed".
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root" || exit 1

WORK=${TMPDIR:-/tmp}/sleuth-bench
SIZES=${BENCH_SIZES:-256 1024}
SKIP=",${BENCH_SKIP:-},"
TIMEOUT=${BENCH_TIMEOUT:-400}
SLEUTH=$root/sleuth
RES=$WORK/results.tsv

say() { echo "bench: $*" >&2; }
die() { say "$*"; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }
skipped() { case "$SKIP" in *",$1,"*) return 0 ;; esac; return 1; }

mkdir -p "$WORK" || die "cannot create $WORK"
[ -x "$SLEUTH" ] || die "$SLEUTH missing: run make first"
have python3 || die "python3 is needed for the arithmetic"
have cc || die "cc is needed to build the mmap walk"

cc -O2 -o "$WORK/mmapwalk" "$here/mmapwalk.c" || die "cannot build mmapwalk"
# measure a copy, so that a rebuild of ./sleuth during the run cannot mix two binaries
cp "$SLEUTH" "$WORK/sleuth.tmp" && mv "$WORK/sleuth.tmp" "$WORK/sleuth" || die "cannot copy $SLEUTH"
SLEUTH=$WORK/sleuth

# ---------------------------------------------------------------- captures
shared=
for d in ${BENCH_SHARED-"$root/../shared" /work/shared}; do
	if [ -d "$d/captures" ] && [ -f "$d/bench/mkbig.py" ]; then shared=$(cd "$d" && pwd); break; fi
done

# The reference workload, as shared/bench/README.md builds it: the Ethernet captures of a few protocol
# folders converted to pcap, replayed by shared/bench/mkbig.py up to the wanted size.
build_reference() { # MB -> prints the path
	out=$WORK/big-mixed-$1.pcap
	if [ ! -s "$out" ]; then
		src=$WORK/bigsrc
		if [ ! -f "$src/.complete" ]; then
			have editcap && have capinfos || die "editcap/capinfos missing (Debian package wireshark-common)"
			say "converting the Ethernet captures of $shared/captures to pcap in $src"
			rm -rf "$src" && mkdir -p "$src"
			for dir in http ftp tls dns mail quic seed malware login; do
				for f in "$shared/captures/$dir"/*; do
					[ -f "$f" ] || continue
					[ "$(capinfos -T -r -E "$f" 2>/dev/null | cut -f2)" = ether ] &&
						editcap -F pcap "$f" "$src/$(basename "$f").pcap" 2>/dev/null
				done
			done
			touch "$src/.complete"
		fi
		say "building $out ($1 MiB) with $shared/bench/mkbig.py"
		python3 "$shared/bench/mkbig.py" "$out.tmp" "$1" "$src"/*.pcap >&2 && mv "$out.tmp" "$out" ||
			die "mkbig.py failed"
	fi
	echo "$out"
}

# Without shared/: a like workload out of the project's own test captures, with our own generator.
build_own() { # MB -> prints the path
	out=$WORK/big-own-$1.pcap
	if [ ! -s "$out" ]; then
		say "building $out ($1 MiB) from tests/captures/*.pcap with tests/bench/mkbig.py"
		python3 "$here/mkbig.py" "$out.tmp" "$1" "$root"/tests/captures/*.pcap >&2 && mv "$out.tmp" "$out" ||
			die "mkbig.py failed"
	fi
	echo "$out"
}

small=
if [ -n "${BENCH_PCAP:-}" ]; then
	[ -r "$BENCH_PCAP" ] || die "BENCH_PCAP=$BENCH_PCAP is not readable"
	big=$BENCH_PCAP
	small=${BENCH_PCAP_SMALL:-}
	origin="BENCH_PCAP"
else
	sizes=$(for s in $SIZES; do echo "$s"; done | sort -n | uniq)
	[ -n "$sizes" ] || die "BENCH_SIZES is empty"
	for s in $sizes; do
		if [ -n "$shared" ]; then p=$(build_reference "$s") || exit 1; origin="reference workload (shared/bench)"
		else p=$(build_own "$s") || exit 1; origin="own workload (tests/captures, tests/bench/mkbig.py)"; fi
		small="$small $p"
	done
	big=$p
	small=$(for p in $small; do [ "$p" != "$big" ] && echo "$p"; done)
fi

# ---------------------------------------------------------------- measuring
# run KEY FILE CMD... : one measured run (stdout discarded); appends KEY FILE rc wall cpu maxrss anon to $RES.
run() {
	key=$1 file=$2; shift 2
	say "$key: $*"
	python3 "$here/measure.py" "$WORK/measure.out" /dev/null "$WORK/$key.stderr" "$TIMEOUT" "$@" ||
		die "measure.py failed"
	printf '%s\t%s\t%s\n' "$key" "$file" "$(tr ' ' '\t' <"$WORK/measure.out")" >>"$RES"
}
absent() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$RES"; }
peer() { # KEY TOOL CMD...: a peer run unless skipped or not installed
	key=$1 tool=$2; shift 2
	if skipped "$key" || { [ "$key" = tcpdump-q ] && skipped tcpdump; }; then absent "$key" "$big" skipped
	elif have "$tool"; then run "$key" "$big" "$@"
	else absent "$key" "$big" "not installed"; fi
}

: >"$RES"
say "capture: $big ($origin)"
say "warming the page cache"
for f in "$big" $small; do cat "$f" >/dev/null; done
for f in "$big" $small; do # the walk also counts the packets
	"$WORK/mmapwalk" "$f" >"$WORK/walk.$(basename "$f").txt" || die "mmapwalk failed on $f"
done
load0=$(cut -d' ' -f1-3 /proc/loadavg)
start=$(date +%s)

# sleuth and the floor are short: three runs each, the report takes the median
for i in 1 2 3; do
	run mmap "$big" "$WORK/mmapwalk" "$big"
	run flow "$big" "$SLEUTH" packets -q "$big"
	for f in $small; do run flow-small "$f" "$SLEUTH" packets -q "$f"; done
	if skipped list; then [ $i = 1 ] && absent list "$big" skipped; else run list "$big" "$SLEUTH" packets "$big"; fi
	run dissect "$big" "$SLEUTH" log "$big"
	run dissect1 "$big" "$SLEUTH" log -j 1 "$big"
	run filtered "$big" "$SLEUTH" packets -Y http.request "$big"
done

# peers: one run each
peer tcpdump tcpdump tcpdump -nn -r "$big"
peer tcpdump-q tcpdump tcpdump -nn -q -r "$big"
peer tshark tshark tshark -n -r "$big" -q -z conv,tcp
peer tshark-y tshark tshark -n -r "$big" -Y http.request
peer ndpi ndpiReader ndpiReader -q -i "$big" # -q: no per-flow dump; the summary goes to stdout (discarded)

load1=$(cut -d' ' -f1-3 /proc/loadavg)
took=$(($(date +%s) - start))

# ---------------------------------------------------------------- report
python3 "$here/report.py" "$RES" "$WORK" "$big" "$origin" "$load0" "$load1" "$took" | tee "$WORK/results.md"
for k in mmap flow flow-small list dissect dissect1 filtered; do
	if [ -s "$WORK/$k.stderr" ]; then say "$k wrote to stderr:"; head -n 3 "$WORK/$k.stderr" >&2; fi
done
say "table also in $WORK/results.md; stderr of each command in $WORK/*.stderr"
exit 0
