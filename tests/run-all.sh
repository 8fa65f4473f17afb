#!/bin/sh
# run-all.sh: every test of `make check`: unit, golden, hostile input under ASan+UBSan, conformance.
# The last line is "N passed, N failed".
BUILD=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
export TZ=UTC LC_ALL=C
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "PASS $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }

# 1. unit tests (TAP-like: a line starting "not ok" or a non-zero exit fails)
for t in "$BUILD"/tests/*; do
	[ -x "$t" ] || continue
	name=unit/$(basename "$t")
	if out=$("$t" 2>&1) && ! printf '%s\n' "$out" | grep -q '^not ok'; then ok "$name"; else ko "$name"; printf '%s\n' "$out" | grep -v '^ok' | head -20; fi
done

# 2. golden tests
if sh tests/golden/run.sh ./sleuth > "$BUILD/golden.log" 2>&1; then :; fi
gp=$(grep -c '^PASS' "$BUILD/golden.log")
gf=$(grep -c '^FAIL' "$BUILD/golden.log")
pass=$((pass + gp))
fail=$((fail + gf))
grep '^FAIL' "$BUILD/golden.log" | head -20
echo "golden: $gp passed, $gf failed"

# 3. hostile input under AddressSanitizer + UndefinedBehaviorSanitizer
if make -s asan >"$BUILD/asan-build.log" 2>&1; then
	for t in build-asan/tests/*; do
		[ -x "$t" ] || continue
		name=unit-asan/$(basename "$t")
		if out=$("$t" 2>&1) && ! printf '%s\n' "$out" | grep -q '^not ok\|Sanitizer\|runtime error'; then ok "$name"; else ko "$name"; printf '%s\n' "$out" | grep -v '^ok' | head -20; fi
	done
	if sh tests/hostile.sh build-asan/sleuth-asan > "$BUILD/hostile.log" 2>&1; then ok "hostile input under ASan+UBSan ($(grep -c . "$BUILD/hostile.log") captures)"; else ko "hostile input under ASan+UBSan"; grep -v '^ok' "$BUILD/hostile.log" | head -30; fi
else
	ko "ASan build"; tail -20 "$BUILD/asan-build.log"
fi

# 4. live capture through libpcap in network namespaces the test creates (skipped when not possible)
sh tests/live.sh ./sleuth > "$BUILD/live.log" 2>&1
case $? in
0) ok "live capture (-i, -f) on a veth pair in test namespaces" ;;
77) cat "$BUILD/live.log" ;;
*) ko "live capture"; cat "$BUILD/live.log" ;;
esac

# 5. conformance against tshark references in ../shared (skipped when absent)
if [ -f ../shared/captures/MANIFEST.tsv ]; then
	if python3 tests/conformance/compare.py --sleuth ./sleuth --shared ../shared > "$BUILD/conformance.log" 2>&1; then ok "conformance against tshark"; else ko "conformance against tshark"; fi
	cat "$BUILD/conformance.log"
else
	echo "SKIP conformance: ../shared/captures not found (tshark references live there)"
fi

# 6. conversation tables (sleuth conv tcp/udp) against tshark's -z conv references (skipped when absent)
if [ -d ../shared/captures/reference ]; then
	if python3 tests/conformance/conv.py --sleuth ./sleuth --shared ../shared > "$BUILD/conv.log" 2>&1; then ok "conv tables against tshark"; else ko "conv tables against tshark"; fi
	cat "$BUILD/conv.log"
else
	echo "SKIP conv conformance: ../shared/captures/reference not found"
fi

# 7. application detail trees (-V) against tshark 4.0's recorded trees (no tshark needed)
if python3 tests/conformance/vtree.py --sleuth ./sleuth --recorded tests/conformance/vtree --testlist tests/golden/TESTLIST \
	--gate tests/conformance/vtree-thresholds.tsv > "$BUILD/vtree.log" 2>&1; then ok "application trees against tshark"; else ko "application trees against tshark"; fi
cat "$BUILD/vtree.log"

# 8. display filters (-Y) against tshark 4.0's recorded selections (tests/conformance/filters.tsv)
sh tests/conformance/filters.sh ./sleuth > "$BUILD/filters.log" 2>&1
fp=$(grep -c '^PASS' "$BUILD/filters.log")
ff=$(grep -c '^FAIL' "$BUILD/filters.log")
pass=$((pass + fp))
fail=$((fail + ff))
grep -A2 '^FAIL' "$BUILD/filters.log" | head -30
tail -1 "$BUILD/filters.log"

# 9. log -j: several threads write what one writes, on every shared capture (skipped when absent)
if [ -f ../shared/captures/MANIFEST.tsv ]; then
	if python3 tests/conformance/samelog.py --a ./sleuth --args-a "-j 1" --b ./sleuth --args-b "-j 3" \
		--shared ../shared > "$BUILD/samelog.log" 2>&1; then ok "log -j 3 writes what log -j 1 writes"; else ko "log -j 3 against -j 1"; fi
	tail -20 "$BUILD/samelog.log"
else
	echo "SKIP log -j comparison: ../shared/captures not found"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
