#!/bin/sh
# hostile.sh: runs a (sanitizer) build over every hostile capture; any sanitizer report,
# crash or exit status other than 0/1 fails. Prints one line per capture.
bin=${1:?usage: hostile.sh SLEUTH}
if ! nm "$bin" 2>/dev/null | grep -q __asan_init; then
	echo "FAIL $bin is not built with AddressSanitizer"
	exit 1
fi
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
status=0
errf=$(mktemp "${TMPDIR:-/tmp}/sleuth-hostile.XXXXXX") || exit 1
trap 'rm -f "$errf"' EXIT
list=$(ls tests/golden/captures/* tests/captures/*.pcap* tests/fuzz/corpus/*/* 2>/dev/null)
[ -d ../shared/captures/malformed ] && list="$list $(ls ../shared/captures/malformed/* ../shared/captures/pcapng-features/*)"
# check WINDOW ARGS...: one run on $f (WINDOW: SLEUTH_CAPTURE_WINDOW, empty for the default)
check() {
	win=$1
	shift
	SLEUTH_CAPTURE_WINDOW=$win timeout 60 "$bin" "$@" "$f" > /dev/null 2> "$errf"
	rc=$?
	if [ $rc -gt 1 ] || grep -q 'Sanitizer\|runtime error' "$errf"; then
		echo "FAIL $f ($*${win:+, $win-byte window}): exit $rc"
		head -20 "$errf"
		status=1
	fi
}
for f in $list; do
	for args in "packets" "packets -V" "packets -T fields -e _ws.col.Info -e tcp.analysis.ack_rtt" "log -j 1" "log -j 3" \
		"stats io -s tcp -s SUM(tcp.len)tcp.len -s LOAD(tcp.analysis.ack_rtt)tcp.analysis.ack_rtt -s AVG(frame.time_delta)frame.time_delta"; do
		# shellcheck disable=SC2086
		check "" $args
	done
	# and through a 64-byte read window with a fresh buffer per refill: a pointer kept past its
	# frame, or a read past a record, is an ASan report
	check 64 packets -V
	check 64 log -j 2
	echo "ok $f"
done
exit $status
