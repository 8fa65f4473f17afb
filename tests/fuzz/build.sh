#!/bin/sh
# build.sh: builds the libFuzzer targets (tests/fuzz/fuzz_*.c) with clang into build-fuzz/ and
# runs each for FUZZ_SECONDS (default 60), seeded from tests/fuzz/corpus/<target>/.
#
#   sh tests/fuzz/build.sh               build, then fuzz every target
#   sh tests/fuzz/build.sh --replay      build, then run every target once over its corpus (CI)
#   sh tests/fuzz/build.sh --build-only  build only
#   FUZZ_TARGETS="decode" FUZZ_SECONDS=300 FUZZ_JOBS=2 sh tests/fuzz/build.sh  (FUZZ_JOBS: parallel processes)
#
# New inputs found while fuzzing go to build-fuzz/corpus/<target>/ (the checked-in corpus
# is only read); crashes go to build-fuzz/crashes/<target>/. Exit status: 0 clean, 1 a
# target crashed or failed to build.
#
# The capture readers mmap the file; a page-rounded mapping hides reads past its end.
# src/capture/capture.c is therefore compiled with mmap/munmap/madvise renamed to the
# exact-size malloc'd stand-ins of fuzz_shim.c, so ASan sees such reads.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
mode=fuzz
case "${1:-}" in
--replay) mode=replay ;;
--build-only) mode=build ;;
"") ;;
*) echo "usage: sh tests/fuzz/build.sh [--replay|--build-only]" >&2; exit 2 ;;
esac
out=build-fuzz
secs=${FUZZ_SECONDS:-60}
targets=${FUZZ_TARGETS:-"pcap pcapng decode ftp"}
CLANG=${CLANG:-clang}

if ! command -v "$CLANG" >/dev/null 2>&1 ||
   ! echo 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { return 0; }' |
	"$CLANG" -fsanitize=fuzzer -x c - -o /tmp/sleuth-fuzz-probe.$$ 2>/dev/null; then
	echo "clang with libFuzzer not found: installing clang and libclang-rt-14-dev" >&2
	if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
	$SUDO apt-get install -y clang libclang-rt-14-dev >&2 || { echo "cannot install clang" >&2; exit 1; }
	CLANG=clang
fi
rm -f /tmp/sleuth-fuzz-probe.$$

SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
CF="-std=c11 -D_GNU_SOURCE -DSLEUTH_VERSION=\"fuzz\" -Isrc -Itests/fuzz -g -O1 $SAN"
mkdir -p "$out/obj"

# make sure generated sources exist (the OUI table)
[ -f src/report/oui_table.inc ] || make -s src/report/oui_table.inc || exit 1

objs=
for src in $(ls src/*/*.c | grep -v '^src/cli/'); do
	o=$out/obj/$(echo "$src" | tr / _ | sed 's/\.c$/.o/')
	extra=
	[ "$src" = src/capture/capture.c ] && extra="-Dmmap=fuzz_mmap -Dmunmap=fuzz_munmap -Dmadvise=fuzz_madvise"
	if [ ! -f "$o" ] || [ -n "$(find "$src" src tests/fuzz/build.sh -newer "$o" -name '*.[ch]' 2>/dev/null | head -1)" ]; then
		# shellcheck disable=SC2086
		$CLANG $CF -fsanitize=fuzzer-no-link $extra -c "$src" -o "$o" || exit 1
	fi
	objs="$objs $o"
done
$CLANG $CF -fsanitize=fuzzer-no-link -c tests/fuzz/fuzz_shim.c -o "$out/obj/fuzz_shim.o" || exit 1
# an archive: each target links only the objects it needs
rm -f "$out/libsleuth.a"
# shellcheck disable=SC2086
ar rcs "$out/libsleuth.a" $objs || exit 1

for t in $targets; do
	# shellcheck disable=SC2086
	$CLANG $CF -fsanitize=fuzzer "tests/fuzz/fuzz_$t.c" "$out/obj/fuzz_shim.o" "$out/libsleuth.a" -lpcap -lz -lcrypto \
		-o "$out/fuzz_$t" || exit 1
done
echo "built: $(for t in $targets; do printf '%s ' "$out/fuzz_$t"; done)"
[ "$mode" = build ] && exit 0

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export TMPDIR=${FUZZ_TMPDIR:-/dev/shm}  # gzip inputs inflate into an unlinked temp file
status=0
for t in $targets; do
	seeds=tests/fuzz/corpus/$t
	mkdir -p "$seeds" "$out/corpus/$t" "$out/crashes/$t"
	log=$out/fuzz_$t.$mode.log
	if [ "$mode" = replay ]; then
		files=$(find "$seeds" -type f | sort)
		if [ -z "$files" ]; then
			echo "SKIP fuzz_$t: empty corpus"
			continue
		fi
		# one process per input, so one crash does not hide the rest
		: > "$log"
		nin=0
		nbad=0
		for f in $files; do
			nin=$((nin + 1))
			if ! "$out/fuzz_$t" -rss_limit_mb=2048 "$f" >> "$log" 2>&1; then
				nbad=$((nbad + 1))
				echo "FAIL fuzz_$t $f: $(grep -E 'runtime error|ERROR: AddressSanitizer|invariant failed' "$log" | tail -1)"
			fi
		done
		if [ $nbad -eq 0 ]; then
			echo "ok fuzz_$t replay ($nin inputs)"
		else
			echo "FAIL fuzz_$t replay: $nbad of $nin inputs (log $log)"
			status=1
		fi
		continue
	fi
	echo "fuzzing fuzz_$t for ${secs}s (log $log)"
	touch "$out/crashes/$t/.start"
	# fork mode: a crash (also one in a seed that reproduces a known, unfixed bug) is saved
	# and fuzzing goes on; FUZZ_JOBS processes in parallel
	jobs="-fork=${FUZZ_JOBS:-1} -ignore_crashes=1"
	# shellcheck disable=SC2086
	"$out/fuzz_$t" -max_total_time="$secs" -rss_limit_mb=2048 -max_len=65536 -timeout=10 \
		$jobs \
		-artifact_prefix="$out/crashes/$t/" -print_final_stats=1 \
		"$out/corpus/$t" "$seeds" > "$log" 2>&1
	rc=$?
	# the last status line: executions, coverage (cov: edges, ft: features), corpus, exec/s
	grep -E '^#[0-9]+' "$log" | tail -1
	new=$(find "$out/crashes/$t" -type f ! -name .start -newer "$out/crashes/$t/.start" | head -5 | tr '\n' ' ')
	if [ $rc -ne 0 ] || [ -n "$new" ]; then
		echo "CRASH fuzz_$t: $new"
		grep -E 'ERROR|runtime error|invariant' "$log" | head -5
		status=1
	fi
done
exit $status
