#!/bin/sh
# run.sh: golden tests. Each TESTLIST line: NAME CAPTURE EXPECTED ARGS...
# Runs `sleuth ARGS tests/captures-or-golden/CAPTURE`, diffs stdout+exit status with expected/EXPECTED.
# An EXPECTED ending in .vtree is tshark's -V output recorded (tests/conformance/vtree.py --record):
# sleuth's application subtrees of the protocols it names are compared with it (--update keeps it).
# A CAPTURE written shared:PATH is ../shared/captures/PATH (SHARED_DIR overrides ../shared); such
# tests are skipped with a message when it is absent (captures the project does not ship).
# Usage: run.sh SLEUTH [--update NAME|all]
bin=${1:?usage: run.sh SLEUTH [--update NAME]}
update=""
[ "${2:-}" = "--update" ] && update=${3:-all}
export TZ=UTC LC_ALL=C
dir=$(dirname "$0")
status=0
grep -v '^#' "$dir/TESTLIST" | grep . | while read -r name cap expected args; do
	case $cap in
	shared:*)
		capf="${SHARED_DIR:-$dir/../../../shared}/captures/${cap#shared:}"
		if [ ! -f "$capf" ]; then
			echo "SKIP golden/$name: $cap not present (needs ../shared)"
			continue
		fi
		;;
	*)
		capf="$dir/captures/$cap"
		[ -f "$capf" ] || capf="$dir/../captures/$cap"
		;;
	esac
	# shellcheck disable=SC2086
	case $expected in
	*.vtree)
		# a recorded tshark -V reference: sleuth's application subtrees of the protocols its
		# header names must read the same (tests/conformance/vtree.py --reduce)
		out=$("$bin" $args "$capf" 2>/dev/null | python3 "$dir/../conformance/vtree.py" --reduce --like "$dir/expected/$expected")
		;;
	*)
		out=$("$bin" $args "$capf" 2>&1; echo "exit $?")
		out=$(printf '%s\n' "$out" | sed "s|$capf|CAPTURE|g")
		;;
	esac
	if [ -n "$update" ] && { [ "$update" = all ] || [ "$update" = "$name" ]; } && [ "${expected%.vtree}" = "$expected" ]; then
		printf '%s\n' "$out" > "$dir/expected/$expected"
		echo "UPDATED $name"
	elif printf '%s\n' "$out" | diff -u "$dir/expected/$expected" - > /tmp/sleuth-golden.diff 2>&1; then
		echo "PASS golden/$name"
	else
		echo "FAIL golden/$name"
		head -30 /tmp/sleuth-golden.diff
	fi
done
exit $status
