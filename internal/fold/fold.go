// Package fold makes Vietnamese text searchable without diacritics: "Bến Tre" and "ben tre" fold to
// the same string. Names are stored folded beside the original (ent hooks keep the copy) and a
// search folds its query the same way.
//
// Folding is Unicode decomposition with the combining marks removed (golang.org/x/text/unicode/norm
// and runes, rather than a hand-kept table: it handles precomposed and decomposed input alike), plus
// đ→d, which has no decomposition, then lower case.
package fold

import (
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Fold returns s in lower case without diacritics, đ/Đ as d.
func Fold(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == 'đ' || r == 'Đ' {
			return 'd'
		}
		return r
	}, s)
	// A transform chain keeps state: one per call, so Fold is safe for concurrent use.
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	return strings.ToLower(out)
}

// Query folds text into its search form: folded words separated by single spaces, anything but
// letters and digits separating words (so LIKE's % and _ never reach the database). Names are
// stored in this form and queries folded to it, so "Sản Nhi" finds "Bệnh viện Sản - Nhi". Empty
// when nothing is left.
func Query(s string) string {
	return strings.Join(strings.FieldsFunc(Fold(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}), " ")
}

// vietnamese lists every precomposed Vietnamese letter with a diacritic, lower and upper case.
func vietnamese() []rune {
	var out []rune
	for _, base := range "aăâeêioôơuưy" {
		for _, tone := range []rune{0, '\u0300', '\u0301', '\u0309', '\u0303', '\u0323'} {
			s := string(base)
			if tone != 0 {
				s += string(tone)
			}
			for _, c := range []string{norm.NFC.String(s), strings.ToUpper(norm.NFC.String(s))} {
				r := []rune(c)
				if len(r) == 1 && r[0] >= 0x80 {
					out = append(out, r[0])
				}
			}
		}
	}
	return append(out, 'đ', 'Đ')
}

// SQL returns an SQL expression folding column the way Fold does for Vietnamese text (the
// migrations backfill existing rows with it; other scripts' marks are left to the ent hooks on the
// next write): translate of the NFC form on PostgreSQL, nested replace on SQLite, which has neither
// (its names are written through ent, precomposed in practice).
func SQL(dialect, column string) string {
	letters := vietnamese()
	if dialect == "postgres" {
		var to strings.Builder
		for _, r := range letters {
			to.WriteString(Fold(string(r)))
		}
		return "lower(translate(normalize(" + column + ", NFC), '" + string(letters) + "', '" + to.String() + "'))"
	}
	expr := column
	for _, r := range letters {
		expr = "replace(" + expr + ", '" + string(r) + "', '" + Fold(string(r)) + "')"
	}
	return "lower(" + expr + ")"
}
