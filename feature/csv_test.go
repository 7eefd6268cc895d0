package feature

import "testing"

func TestNeutraliseCell(t *testing.T) {
	for in, want := range map[string]string{
		"":          "",
		"Herat":     "Herat",
		"=1+1":      "'=1+1",
		"+1":        "'+1",
		"-1":        "'-1",
		"@A1":       "'@A1",
		"\tx":       "'\tx",
		"\rx":       "'\rx",
		" =1":       " =1",
		"a=1":       "a=1",
		"'=already": "'=already",
	} {
		if got := neutraliseCell(in); got != want {
			t.Errorf("neutraliseCell(%q) = %q, want %q", in, got, want)
		}
	}
}
