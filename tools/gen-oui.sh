#!/bin/sh
# gen-oui.sh: turn the IEEE MA-L registry (oui.txt) into a sorted C table of 24-bit OUIs and short vendor names.
#
# Usage: sh tools/gen-oui.sh /usr/share/ieee-data/oui.txt > src/report/oui_table.inc
#
# Output: a comment line, then one initializer line per OUI,
# `{0xAABBCC, "Shortname"},`, sorted by OUI, one line per OUI (the first
# registration in the file wins).  Short names are 1-8 characters from
# [A-Za-z0-9-], so they need no escaping.
#
# Shortening (see data/README-oui.md):
#   1. common accented Latin letters become ASCII, other non-ASCII a space;
#   2. a name with no lower-case letter is title-cased ("ZTE CORP" -> "Zte Corp");
#   3. words are separated by blanks and punctuation other than . / -;
#   4. generic company words are dropped: Inc, Ltd, GmbH, ... (list below),
#      also when written with dots ("S.p.A.", "Co.,Ltd.") or joined by a
#      trailing hyphen ("AK-Systems"); "A/S" and "K.K." only in that form;
#   5. the rest loses its dots and slashes, is concatenated and cut to 8.
# Only POSIX sh, awk (mawk is enough) and sort are used; about 0.2 s.

set -eu

if [ "$#" -ne 1 ]; then
	echo "usage: $0 OUI.TXT > OUT.inc" >&2
	exit 2
fi
if [ ! -r "$1" ]; then
	echo "$0: cannot read $1" >&2
	exit 1
fi

# Byte semantics everywhere: awk regexes and sort order must not depend on the locale.
LC_ALL=C
export LC_ALL

# Generic words, lower case, compared case-insensitively to whole words.
GENERIC="${GEN_OUI_GENERIC:-inc incorporated corp corporation co company ltd limited llc gmbh ag sa bv oy oyj ab plc pty systems the spa srl sarl kg nv of holding jsc ooo oao zao pvt}"
# Generic only when written as an abbreviation with dots or a slash ("A/S", "K.K.").
ABBREV="${GEN_OUI_ABBREV:-as kk}"

awk -v generic="$GENERIC" -v abbrevs="$ABBREV" '
function oui_init_tables(    n, i, pairs, kv) {
	n = split(generic, pairs, " ")
	for (i = 1; i <= n; i++)
		drop[pairs[i]] = 1
	n = split(abbrevs, pairs, " ")
	for (i = 1; i <= n; i++)
		abbrev[pairs[i]] = 1
	# UTF-8 sequence = ASCII replacement ("" deletes).
	n = split("\303\200=A \303\201=A \303\202=A \303\203=A \303\204=A \303\205=A \303\206=AE " \
		"\303\207=C \303\210=E \303\211=E \303\212=E \303\213=E \303\214=I \303\215=I " \
		"\303\216=I \303\217=I \303\220=D \303\221=N \303\222=O \303\223=O \303\224=O " \
		"\303\225=O \303\226=O \303\230=O \303\231=U \303\232=U \303\233=U \303\234=U " \
		"\303\235=Y \303\237=ss \303\240=a \303\241=a \303\242=a \303\243=a \303\244=a " \
		"\303\245=a \303\246=ae \303\247=c \303\250=e \303\251=e \303\252=e \303\253=e " \
		"\303\254=i \303\255=i \303\256=i \303\257=i \303\260=d \303\261=n \303\262=o " \
		"\303\263=o \303\264=o \303\265=o \303\266=o \303\270=o \303\271=u \303\272=u " \
		"\303\273=u \303\274=u \303\275=y \303\277=y \304\260=I \304\261=i \305\236=S " \
		"\305\237=s \304\236=G \304\237=g \302\265=u \314\210= \314\203= \342\200\223=- " \
		"\342\200\224=-", pairs, " ")
	for (i = 1; i <= n; i++) {
		split(pairs[i], kv, "=")
		translit_from[i] = kv[1]
		translit_to[i] = kv[2]
	}
	translit_n = n
	highbyte = "[" sprintf("%c", 128) "-" sprintf("%c", 255) "]"
}

# Replace every occurrence of the literal string f in s by t.
function oui_replace_all(s, f, t,    out, p) {
	out = ""
	while ((p = index(s, f)) > 0) {
		out = out substr(s, 1, p - 1) t
		s = substr(s, p + length(f))
	}
	return out s
}

function oui_ascii_name(s,    i) {
	if (s !~ highbyte)
		return s
	for (i = 1; i <= translit_n; i++)
		if (index(s, translit_from[i]))
			s = oui_replace_all(s, translit_from[i], translit_to[i])
	gsub(highbyte "+", " ", s)
	return s
}

# Upper-case a letter that follows a non-letter, lower-case the others.
function oui_title_case(s,    out, i, c, prev_alpha) {
	out = ""
	prev_alpha = 0
	for (i = 1; i <= length(s); i++) {
		c = substr(s, i, 1)
		if (c ~ /[A-Za-z]/) {
			out = out (prev_alpha ? tolower(c) : toupper(c))
			prev_alpha = 1
		} else {
			out = out c
			prev_alpha = 0
		}
	}
	return out
}

# A word without trailing generic hyphen-joined parts ("AK-Systems" -> "AK", "Co-Comm" stays).
function oui_strip_parts(w,    p) {
	if (tolower(w) in drop)
		return ""
	while ((p = match(w, /-[A-Za-z0-9]+$/)) > 1 && tolower(substr(w, p + 1)) in drop)
		w = substr(w, 1, p - 1)
	return w
}

function oui_short_name(s,    n, i, j, m, tok, sub_, key, out) {
	s = oui_ascii_name(s)
	if (s !~ /[a-z]/)
		s = oui_title_case(s)
	# Separators: anything but letters, digits and the abbreviation marks . / -
	gsub(/[^A-Za-z0-9.\/-]+/, " ", s)
	n = split(s, tok, " ")
	out = ""
	for (i = 1; i <= n; i++) {
		key = tolower(tok[i])
		gsub(/[.\/]/, "", key)
		# "S.A.", "S.p.A.", "A/S", "K.K.": the whole abbreviation is generic
		if (key in drop || (tok[i] ~ /[.\/]/ && key in abbrev))
			continue
		# Polish "Sp. z o.o."
		if (key == "z" && i < n && tolower(tok[i + 1]) ~ /^o\.o\.?$/) {
			i++
			continue
		}
		m = split(tok[i], sub_, /[.\/]+/)
		for (j = 1; j <= m; j++)
			out = out oui_strip_parts(sub_[j])
	}
	if (out == "") {
		gsub(/[.\/]+/, "", s)
		gsub(/ /, "", s)
		out = s
	}
	return substr(out, 1, 8)
}

BEGIN { oui_init_tables() }

{ sub(/\r$/, "") }

/^[0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f][ \t]+\(base 16\)/ {
	key = toupper(substr($0, 1, 6))
	if (key in seen)
		next
	name = $0
	sub(/^[^)]*\)[ \t]*/, "", name)
	s = oui_short_name(name)
	gsub(/[^A-Za-z0-9-]/, "", s)
	if (s !~ /[A-Za-z0-9]/)
		next
	seen[key] = 1
	print key "\t" s
}

# Sorts last; its absence below means this stage did not finish.
END { print "ZZZZZZ\tend" }
' "$1" | sort | awk -v src="$1" '
BEGIN { FS = "\t" }
$1 == "ZZZZZZ" { complete = 1; next }
# Compare as strings: "0000E1" would otherwise equal "0000E0" as numbers.
($1 "") != prev { line[++n] = "{0x" $1 ", \"" $2 "\"},"; prev = $1 "" }
END {
	if (!complete || n == 0) {
		print "gen-oui.sh: no complete OUI list from " src > "/dev/stderr"
		exit 1
	}
	print "/* oui_table.inc: generated by tools/gen-oui.sh from the IEEE MA-L registry; do not edit. */"
	for (i = 1; i <= n; i++)
		print line[i]
}
'
