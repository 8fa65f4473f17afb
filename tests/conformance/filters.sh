#!/bin/sh
# filters.sh: display-filter conformance. Each filters.tsv line holds a capture (tests/captures or
# tests/golden/captures), a filter and the frame numbers tshark 4.0 selects with
# `tshark -n -r CAP -Y FILTER -T fields -e frame.number` ("-": none). Runs `sleuth packets -Y` on
# each and compares the selection; tshark is not needed (make-filters.sh recorded its answers).
# Usage: filters.sh SLEUTH [filters.tsv]. Prints PASS/FAIL per line and "filters: N passed, N failed".
bin=${1:?usage: filters.sh SLEUTH [filters.tsv]}
dir=$(cd "$(dirname "$0")" && pwd)
tsv=${2:-$dir/filters.tsv}
top=$dir/../..
export TZ=UTC LC_ALL=C
pass=0
fail=0
tab=$(printf '\t')
while IFS="$tab" read -r cap filter want; do
	case "$cap" in '' | '#'*) continue ;; esac
	capf=$top/tests/captures/$cap
	[ -f "$capf" ] || capf=$top/tests/golden/captures/$cap
	got=$("$bin" packets -n -r "$capf" -Y "$filter" -T fields -e frame.number 2>&1 | tr '\n' ',' | sed 's/,$//')
	[ -n "$got" ] || got=-
	if [ "$got" = "$want" ]; then
		pass=$((pass + 1))
		echo "PASS filter $cap: $filter"
	else
		fail=$((fail + 1))
		echo "FAIL filter $cap: $filter"
		echo "  want: $want" | cut -c1-400
		echo "  got:  $got" | cut -c1-400
	fi
done < "$tsv"
echo "filters: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
