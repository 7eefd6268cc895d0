package gazetteer

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// normalize returns the match key of a place name or query: compatibility
// decomposition (NFKD) with combining marks removed (Latin accents, Arabic
// tashkeel, Hebrew points), lower case, a few letters folded that NFKD
// leaves alone (ø, ł, đ, ß, æ, œ, ı, þ, ð, ə, ŋ, ħ), Arabic-script letter
// variants unified (alef forms, yeh ي/ی/ى/ې, kaf ك/ک, teh marbuta ة → ه,
// hamza and tatweel removed), apostrophes and modifier letters (' ’ ‘ ʼ ʻ ʿ)
// removed without a gap, format characters (bidi marks, ZWNJ) and control
// characters other than white space removed, and every other run of
// characters that are not letters or digits turned into a single space.
func normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	gap := false
	emit := func(r rune) {
		if gap && b.Len() > 0 {
			b.WriteByte(' ')
		}
		gap = false
		b.WriteRune(r)
	}
	// fold handles one rune that NFKD leaves whole.
	fold := func(r rune) {
		switch {
		case r < utf8.RuneSelf:
			switch {
			case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
				emit(r)
			case 'A' <= r && r <= 'Z':
				emit(r + 'a' - 'A')
			case r == '\'' || r == '`':
				// an apostrophe joins: "Karbala'" is "karbala"
			case r < ' ' && r != '\t' && r != '\n' && r != '\r' && r != '\v' && r != '\f', r == 0x7f:
				// other control characters are stripped
			default:
				gap = true
			}
		case unicode.In(r, unicode.Mn, unicode.Me, unicode.Lm, unicode.Cf, unicode.Cc):
			// combining marks, modifier letters (ʼ ʻ ʿ, tatweel), bidi
			// marks and other format and control characters
		case r == '’' || r == '‘' || r == '‛' || r == '´' || r == '′':
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mc, r):
			r = unicode.ToLower(r)
			if f, ok := foldLetter(r); ok {
				for _, fr := range f {
					emit(fr)
				}
				return
			}
			emit(r)
		default:
			gap = true
		}
	}
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			fold(rune(c))
			i++
			continue
		}
		// Decompose rune by rune: marks are dropped, so NFKD's canonical
		// reordering does not matter, and no intermediate string is built.
		p := norm.NFKD.PropertiesString(s[i:])
		size := max(p.Size(), 1)
		if d := p.Decomposition(); d != nil {
			for _, r := range string(d) {
				fold(r)
			}
		} else {
			r, n := utf8.DecodeRuneInString(s[i:])
			fold(r)
			size = n
		}
		i += size
	}
	return b.String()
}

// foldLetter maps the letters that NFKD does not decompose to their plain
// form; ok is false when r stays as it is. An empty result drops r.
func foldLetter(r rune) (string, bool) {
	switch r {
	case 'ø':
		return "o", true
	case 'ł':
		return "l", true
	case 'đ', 'ð':
		return "d", true
	case 'ħ':
		return "h", true
	case 'ı':
		return "i", true
	case 'ə':
		return "e", true
	case 'ŋ':
		return "n", true
	case 'ß':
		return "ss", true
	case 'æ':
		return "ae", true
	case 'œ':
		return "oe", true
	case 'þ':
		return "th", true
	case 'ٱ', 'أ', 'إ', 'آ': // alef wasla and hamza forms (NFKD splits most)
		return "ا", true
	case 'ى', 'ی', 'ې', 'ئ': // alef maksura, Farsi yeh, Pashto yeh
		return "ي", true
	case 'ک', 'ڪ': // keheh, swash kaf
		return "ك", true
	case 'ة', 'ۃ', 'ە', 'ھ': // teh marbuta, heh goal and doachashmee, ae
		return "ه", true
	case 'ؤ':
		return "و", true
	case 'ء': // a lone hamza: كربلاء and کربلا are one name
		return "", true
	}
	return "", false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// stripArticle removes a leading Arabic definite article from a key: a
// romanised one ("al ", "an ", "el ", …) or "ال" joined to the first word.
// ok is false when there is none or too little would remain.
func stripArticle(key string) (string, bool) {
	// The romanised articles, with the sun-letter assimilations of "al"
	// ("An Najaf", "As Samawah", "Ad Diwaniyah").
	articles := [...]string{"al ", "el ", "an ", "ad ", "adh ", "ar ", "as ", "ash ", "at ", "ath ", "az "}
	for _, a := range articles {
		if strings.HasPrefix(key, a) && len(key)-len(a) >= 3 {
			return key[len(a):], true
		}
	}
	if rest, found := strings.CutPrefix(key, "ال"); found && utf8.RuneCountInString(rest) >= 2 {
		return rest, true
	}
	return key, false
}

// skeleton returns the blocking key for fuzzy matching of a Latin key: the
// first letter, then the consonants with vowels, spaces and doubled letters
// removed ("herat" and "hirat" are both "hrt"). It is empty for keys that
// are not lower-case ASCII or shorter than 4 bytes.
func skeleton(key string) string {
	if len(key) < 4 || !isASCII(key) {
		return ""
	}
	b := make([]byte, 0, len(key))
	b = append(b, key[0])
	for i := 1; i < len(key); i++ {
		c := key[i]
		switch c {
		case 'a', 'e', 'i', 'o', 'u', 'y', ' ':
			continue
		}
		if c == b[len(b)-1] {
			continue
		}
		b = append(b, c)
	}
	if len(b) < 2 {
		return ""
	}
	return string(b)
}

// editDistance returns the Levenshtein distance of two ASCII keys, or
// max+1 as soon as it is sure to exceed max.
func editDistance(a, b string, max int) int {
	if d := len(a) - len(b); d > max || -d > max {
		return max + 1
	}
	if len(a) > 64 || len(b) > 64 {
		return max + 1
	}
	var prev, cur [65]int
	for j := 0; j <= len(b); j++ {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			best = min(best, cur[j])
		}
		if best > max {
			return max + 1
		}
		prev = cur
	}
	return prev[len(b)]
}
