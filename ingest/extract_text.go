package ingest

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// sentence is a span [start,end) of the article, trimmed of white space,
// with the index of the paragraph (line) it is in.
type sentence struct {
	start, end int
	para       int
}

// abbreviations never end a sentence when followed by a full stop. Single
// capital letters ("U." of "U.S.") and dotted initialisms are handled apart.
var abbreviations = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "dr": true, "gen": true, "col": true, "lt": true,
	"sgt": true, "capt": true, "maj": true, "gov": true, "sen": true, "rep": true, "st": true,
	"jr": true, "sr": true, "prof": true, "no": true, "vol": true, "jan": true, "feb": true,
	"mar": true, "apr": true, "jun": true, "jul": true, "aug": true, "sep": true, "sept": true,
	"oct": true, "nov": true, "dec": true, "inc": true, "ltd": true, "co": true, "corp": true,
	"vs": true, "etc": true, "e.g": true, "i.e": true, "adm": true, "brig": true, "cpl": true,
	"pvt": true, "rev": true, "hon": true, "amb": true, "approx": true, "est": true,
}

// splitSentences splits text into at most max sentences. A sentence ends
// at a line break, or at '.', '!' or '?' (and any closing quotes or
// brackets) followed by white space and a capital letter, digit or opening
// quote, unless the full stop ends an abbreviation ("Gen.", "U.S.").
func splitSentences(text string, max int) []sentence {
	var out []sentence
	para := 0
	start := 0
	emit := func(end int) {
		s, e := start, end
		for s < e && isSpaceByte(text[s]) {
			s++
		}
		for e > s && isSpaceByte(text[e-1]) {
			e--
		}
		if e > s && len(out) < max {
			out = append(out, sentence{start: s, end: e, para: para})
		}
	}
	for i := 0; i < len(text) && len(out) < max; {
		c := text[i]
		switch {
		case c == '\n':
			emit(i)
			para++
			start = i + 1
			i++
			continue
		case c == '.' || c == '!' || c == '?':
			j := i + 1
			for j < len(text) {
				r, n := utf8.DecodeRuneInString(text[j:])
				if !strings.ContainsRune(`"'”’)]»`, r) {
					break
				}
				j += n
			}
			if j >= len(text) {
				i = j
				continue
			}
			if text[j] != ' ' && text[j] != '\t' && text[j] != '\r' {
				i++
				continue
			}
			k := j
			for k < len(text) && (text[k] == ' ' || text[k] == '\t' || text[k] == '\r') {
				k++
			}
			if k < len(text) && text[k] != '\n' {
				r, _ := utf8.DecodeRuneInString(text[k:])
				if !unicode.IsUpper(r) && !unicode.IsDigit(r) && !strings.ContainsRune(`"'“‘(«@#`, r) {
					i = j
					continue
				}
			}
			if c == '.' && isAbbreviation(text[:i]) {
				i = j
				continue
			}
			emit(j)
			start = j
			i = j
			continue
		}
		i++
	}
	if start < len(text) {
		emit(len(text))
	}
	return out
}

// isAbbreviation reports whether the word that ends before is (the text
// before a full stop) is an abbreviation.
func isAbbreviation(before string) bool {
	k := len(before)
	for k > 0 {
		r, n := utf8.DecodeLastRuneInString(before[:k])
		if !unicode.IsLetter(r) && r != '.' {
			break
		}
		k -= n
	}
	word := before[k:]
	if word == "" {
		return false
	}
	if strings.Contains(word, ".") { // U.S, U.N, e.g
		return true
	}
	if utf8.RuneCountInString(word) == 1 {
		r, _ := utf8.DecodeRuneInString(word)
		return unicode.IsUpper(r) // an initial
	}
	return abbreviations[strings.ToLower(word)]
}

func isSpaceByte(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// word is one token of a sentence: a run of letters, digits, hyphens and
// apostrophes, with its byte offsets in the article.
type word struct {
	text       string
	start, end int
}

// words tokenises text[start:end]. Punctuation other than hyphens and
// apostrophes inside a word separates words and is reported as a one-byte
// word ("," ":") so that callers can see clause breaks.
func words(text string, start, end int) []word {
	var out []word
	i := start
	for i < end {
		r, n := utf8.DecodeRuneInString(text[i:end])
		switch {
		case isWordRune(r):
			j := i
			for j < end {
				r2, n2 := utf8.DecodeRuneInString(text[j:end])
				if isWordRune(r2) {
					j += n2
					continue
				}
				if (r2 == '-' || r2 == '\'' || r2 == '’') && j+n2 < end {
					r3, _ := utf8.DecodeRuneInString(text[j+n2 : end])
					if isWordRune(r3) {
						j += n2
						continue
					}
				}
				break
			}
			out = append(out, word{text: text[i:j], start: i, end: j})
			i = j
		case unicode.IsSpace(r):
			i += n
		default:
			out = append(out, word{text: text[i : i+n], start: i, end: i + n})
			i += n
		}
	}
	return out
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// isCapitalised reports whether w starts with an upper-case letter.
func isCapitalised(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return unicode.IsUpper(r)
}

// stripPossessive removes a trailing "'s" or "’s".
func stripPossessive(w string) (string, bool) {
	for _, s := range []string{"'s", "’s", "'S", "’S"} {
		if strings.HasSuffix(w, s) && len(w) > len(s) {
			return w[:len(w)-len(s)], true
		}
	}
	return w, false
}
