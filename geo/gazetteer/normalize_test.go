package gazetteer

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Herat", "herat"},
		{"Herāt", "herat"},
		{"HÉRAT", "herat"},
		{"Karbalāʼ", "karbala"},
		{"Karbala'", "karbala"},
		{"Karbalā’", "karbala"},
		{"Shathi'ul-Furat", "shathiul furat"},
		{"An-Najaf", "an najaf"},
		{"  Al   Kūt ", "al kut"},
		{"Łódź", "lodz"},
		{"Straße", "strasse"},
		{"Kərbəla", "kerbela"},
		{"Ørsta", "orsta"},
		{"İstanbul", "istanbul"},
		{"ﬁnland", "finland"}, // NFKD splits the ligature
		{"هرات", "هرات"},
		{"هراة", "هراه"},             // teh marbuta
		{"كَرْبَلَاء", "كربلا"},      // tashkeel and hamza dropped
		{"کربلا", "كربلا"},           // keheh → kaf
		{"أفغانستان", "افغانستان"},   // alef with hamza
		{"إيران", "ايران"},           // alef with hamza below
		{"ی", "ي"},                   // Farsi yeh
		{"بغـــداد", "بغداد"},        // tatweel
		{"\u202bهرات\u202c", "هرات"}, // bidi embedding
		{"\u200fNajaf\u200e", "najaf"},
		{"Ka\x00bul\x1b", "kabul"},
		{"Kabul\tcity\n", "kabul city"},
		{"Kabul\u0085", "kabul"},
		{"Washington, D.C.", "washington d c"},
		{"", ""},
		{"!!! ,,, ---", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := normalize(tt.in); got != tt.want {
				t.Errorf("normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestStripArticle(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"an najaf", "najaf", true},
		{"al kut", "kut", true},
		{"el fasher", "fasher", true},
		{"as samawah", "samawah", true},
		{"ash shatrah", "shatrah", true},
		{"النجف", "نجف", true},
		{"najaf", "najaf", false},
		{"alabama", "alabama", false},
		{"al ab", "al ab", false}, // too little would remain
		{"ال", "ال", false},
	}
	for _, tt := range tests {
		got, ok := stripArticle(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("stripArticle(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestSkeleton(t *testing.T) {
	tests := []struct{ in, want string }{
		{"herat", "hrt"},
		{"hirat", "hrt"},
		{"karbala", "krbl"},
		{"kerbela", "krbl"},
		{"abbottabad", "abtbd"},
		{"kut", ""},  // too short
		{"هرات", ""}, // not Latin
		{"aaaa", ""}, // nothing but vowels
		{"new york", "nwrk"},
	}
	for _, tt := range tests {
		if got := skeleton(tt.in); got != tt.want {
			t.Errorf("skeleton(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		max  int
		want int
	}{
		{"herat", "hirat", 2, 1},
		{"herat", "herat", 2, 0},
		{"hirat", "hart", 2, 2},
		{"hirat", "horta", 2, 3}, // over max: max+1
		{"kabul", "kabulistan", 2, 3},
		{"", "ab", 2, 2},
		{strings.Repeat("a", 70), strings.Repeat("a", 70), 2, 3}, // too long to compare
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b, tt.max); got != tt.want {
			t.Errorf("editDistance(%q, %q, %d) = %d, want %d", tt.a, tt.b, tt.max, got, tt.want)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"Herāt", "هرات", "Karbalāʼ", "An Najaf", "\u202bx\u202c", "\xff\xfe", "ﷺ", "Ǆ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k := normalize(s)
		if !utf8.ValidString(k) {
			t.Fatalf("normalize(%q) = %q is not valid UTF-8", s, k)
		}
		if strings.HasPrefix(k, " ") || strings.HasSuffix(k, " ") || strings.Contains(k, "  ") {
			t.Fatalf("normalize(%q) = %q has stray spaces", s, k)
		}
		if k2 := normalize(k); k2 != k {
			t.Fatalf("normalize is not idempotent on %q: %q then %q", s, k, k2)
		}
	})
}

func BenchmarkNormalize(b *testing.B) {
	for _, s := range []string{"Springfield", "Karbalāʼ", "هرات"} {
		b.Run(s, func(b *testing.B) {
			for b.Loop() {
				normalize(s)
			}
		})
	}
}
