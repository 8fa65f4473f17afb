#!/bin/sh
# make-filters.sh: (re)records the expected selections of filters.tsv with tshark 4.0: reads the
# capture and filter columns of each line of LIST (default: filters.tsv itself) and writes
# filters.tsv with tshark's frame numbers as the third column. Needs tshark; the test does not.
# Usage: sh tests/conformance/make-filters.sh [LIST]
dir=$(cd "$(dirname "$0")" && pwd)
list=${1:-$dir/filters.tsv}
top=$dir/../..
export TZ=UTC LC_ALL=C
tab=$(printf '\t')
tmp=$(mktemp)
{
	echo "# capture	filter	frames tshark $(tshark -v 2>/dev/null | head -1 | awk '{print $4}') selects with -n -Y (comma-separated, - for none); regenerate with make-filters.sh"
	while IFS="$tab" read -r cap filter rest; do
		case "$cap" in '' | '#'*) continue ;; esac
		capf=$top/tests/captures/$cap
		[ -f "$capf" ] || capf=$top/tests/golden/captures/$cap
		got=$(tshark -n -r "$capf" -Y "$filter" -T fields -e frame.number 2>/dev/null | tr '\n' ',' | sed 's/,$//')
		[ -n "$got" ] || got=-
		printf '%s\t%s\t%s\n' "$cap" "$filter" "$got"
	done < "$list"
} > "$tmp"
mv "$tmp" "$dir/filters.tsv"
echo "wrote $dir/filters.tsv ($(grep -vc '^#' "$dir/filters.tsv") filters)"
