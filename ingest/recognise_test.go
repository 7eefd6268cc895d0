package ingest

import (
	"slices"
	"testing"
)

func TestRecognise(t *testing.T) {
	x := testExtractor(t)
	tests := []struct {
		name, text string
		want       []string
	}{
		{"a multi-word name with a connector", "Talks with Bosnia and Herzegovina resumed.", []string{"Bosnia and Herzegovina"}},
		{"a county with its word", "Deputies in Cook County made arrests.", []string{"Cook County"}},
		{"a hyphenated article", "Fighting near Deir ez-Zor went on.", []string{"Deir ez-Zor"}},
		{"a demonym", "Iraqi forces moved north.", []string{"Iraqi"}},
		{"a plural demonym", "Americans and Afghans were evacuated.", []string{"Americans", "Afghans"}},
		{"a plural of a town is no name", "The Berlins of this world vanished.", nil},
		{"an important sentence-initial name", "Kabul was quiet on Friday.", []string{"Kabul"}},
		{"a small place starting a sentence is a name", "Sterling said the vote was close.", nil},
		{"a small place without a place word", "The Marble family sold the farm.", nil},
		{"the same small place after in", "The family lived in Marble until 1990.", []string{"Marble"}},
		{"a title makes a person", "Mr Jordan spoke to reporters.", nil},
		{"a newspaper is no place", "The Chicago Tribune reported it.", nil},
		{"days, months and compass words", "On Monday in March, North and South met.", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, m := range recognise(x.g, tt.text, splitSentences(tt.text, 10)) {
				got = append(got, m.Text)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("recognise(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

// FuzzPlaces: any article text yields places whose offsets hold their text.
func FuzzPlaces(f *testing.F) {
	x := testExtractor(f)
	f.Add("Voters in Georgia queued in Atlanta. Talks with Bosnia and Herzegovina resumed near Deir ez-Zor.")
	f.Add("In Kabul\x00, Mr Jordan said \"Cook County\" —")
	f.Add("Herهرات, Iraq's\nKurdistan Region")
	f.Fuzz(func(t *testing.T, text string) {
		for _, p := range x.Places(text) {
			if p.Start < 0 || p.End > len(text) || p.Start >= p.End || text[p.Start:p.End] != p.Text {
				t.Fatalf("place %q at %d..%d of %q", p.Text, p.Start, p.End, text)
			}
		}
	})
}
