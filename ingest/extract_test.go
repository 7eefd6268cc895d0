package ingest

import (
	"bytes"
	"errors"
	"github.com/incidentmap/incidentmap/internal/shareddata"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
)

func TestSplitSentences(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string
	}{
		{"abbreviations", "The U.S. embassy was hit. Gen. Smith said so. Mr. Lee agreed.",
			[]string{"The U.S. embassy was hit.", "Gen. Smith said so.", "Mr. Lee agreed."}},
		{"quotes", `He said "we are safe." Then he left. “Nobody was hurt,” she said.`,
			[]string{`He said "we are safe."`, "Then he left.", `“Nobody was hurt,” she said.`}},
		{"lines", "Headline without a stop\n\nKabul, Sep 5: A blast. Another one", []string{"Headline without a stop", "Kabul, Sep 5: A blast.", "Another one"}},
		{"lower case after stop", "It was 3 p.m. local time. Done.", []string{"It was 3 p.m. local time.", "Done."}},
		{"decimals", "It rose 2.5 percent. Then fell.", []string{"It rose 2.5 percent.", "Then fell."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, s := range splitSentences(tt.text, 100) {
				got = append(got, tt.text[s.start:s.end])
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestDates(t *testing.T) {
	tue := mustDay("2022-04-12") // a Tuesday
	tests := []struct {
		text     string
		pub      time.Time
		from, to string
		prec     incidentmap.DatePrecision
	}{
		{"Protesters gathered on Monday.", tue, "2022-04-11", "2022-04-11", incidentmap.DateDay},
		{"Protesters gathered on Sunday evening.", mustDay("2021-05-10"), "2021-05-09", "2021-05-09", incidentmap.DateDay},
		{"Protesters gathered on Tuesday.", tue, "2022-04-12", "2022-04-12", incidentmap.DateDay},
		{"Protesters gathered last Tuesday.", tue, "2022-04-05", "2022-04-05", incidentmap.DateDay},
		{"Earlier on Thursday night the city fell.", mustDay("2021-08-13"), "2021-08-12", "2021-08-12", incidentmap.DateDay},
		{"After Monday's explosion nobody left.", mustDay("2022-09-05"), "2022-09-05", "2022-09-05", incidentmap.DateDay},
		{"A blast hit the mosque during Friday prayers.", mustDay("2022-09-05"), "2022-09-02", "2022-09-02", incidentmap.DateDay},
		{"The consulate was attacked yesterday.", tue, "2022-04-11", "2022-04-11", incidentmap.DateDay},
		{"On September 15, a bomb went off.", mustDay("2020-09-26"), "2020-09-15", "2020-09-15", incidentmap.DateDay},
		{"On September 30, a bomb went off.", mustDay("2020-09-26"), "2019-09-30", "2019-09-30", incidentmap.DateDay},
		{"On 3 March 2018 a bomb went off.", tue, "2018-03-03", "2018-03-03", incidentmap.DateDay},
		{"It was torched in November 2019.", mustDay("2020-09-26"), "2019-11-01", "2019-11-30", incidentmap.DateMonth},
		{"It was torched last November.", mustDay("2020-09-26"), "2019-11-01", "2019-11-30", incidentmap.DateMonth},
		{"He was killed in January.", mustDay("2020-09-26"), "2020-01-01", "2020-01-31", incidentmap.DateMonth},
		{"He was killed in October.", mustDay("2020-09-26"), "2019-10-01", "2019-10-31", incidentmap.DateMonth},
		{"After capturing it in August last year they ruled.", mustDay("2022-09-05"), "2021-08-01", "2021-08-31", incidentmap.DateMonth},
		{"Missions were attacked last year.", mustDay("2020-09-26"), "2019-01-01", "2019-12-31", incidentmap.DateYear},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			hits := findDates(tt.text, sentence{0, len(tt.text), 0}, tt.pub)
			if len(hits) == 0 {
				t.Fatal("no date found")
			}
			h := hits[0]
			if got := h.when.from.Format(time.DateOnly); got != tt.from || h.when.to.Format(time.DateOnly) != tt.to || h.when.prec != tt.prec {
				t.Errorf("got %s..%s %s, want %s..%s %s", got, h.when.to.Format(time.DateOnly), h.when.prec, tt.from, tt.to, tt.prec)
			}
		})
	}
	// Dates of reports are marked, so that they do not date incidents.
	for _, text := range []string{"The minister said on Tuesday that it was bad.", "Iran on Monday strongly condemned the attack."} {
		hits := findDates(text, sentence{0, len(text), 0}, tue)
		if len(hits) != 1 || !hits[0].reporting {
			t.Errorf("%q: want one reporting date, got %+v", text, hits)
		}
	}
}

// extractOne runs the extractor on text and returns its only draft.
func extractOne(t *testing.T, text string, pub time.Time) Draft {
	t.Helper()
	ex, err := testExtractor(t).Extract(text, pub)
	if err != nil {
		t.Fatal(err)
	}
	if len(ex.Drafts) != 1 {
		var titles []string
		for _, d := range ex.Drafts {
			titles = append(titles, d.Incident.Title)
		}
		t.Fatalf("%d drafts %q, want 1", len(ex.Drafts), titles)
	}
	d := ex.Drafts[0]
	if err := d.Incident.Validate(); err != nil {
		t.Fatalf("draft is invalid: %v", err)
	}
	return d
}

func TestTriggers(t *testing.T) {
	pub := mustDay("2022-04-12")
	tests := []struct {
		text, event, sub string
	}{
		{"Protesters stormed the Iranian consulate in Herat on Monday.", "Riots", "Violent demonstration"},
		{"Demonstrators torched the Iranian consulate in Najaf on Monday.", "Riots", "Violent demonstration"},
		{"Crowds set the gate ablaze at the Turkish embassy in Baghdad on Monday.", "Riots", "Violent demonstration"},
		{"Protesters gathered outside the Iranian consulate in Karbala on Monday, burning tyres.", "Riots", "Violent demonstration"},
		{"A peaceful rally was held outside the British embassy in Kabul on Monday.", "Protests", "Peaceful protest"},
		{"An attack on the Iranian consulate in Karbala on Monday damaged the gate.", "Riots", "Violent demonstration"},
		{"An explosion hit the Russian embassy in Kabul on Monday.", "Explosions/Remote violence", ""},
		{"An improvised explosive device hit a British embassy vehicle in Baghdad on Monday.", "Explosions/Remote violence", "Remote explosive/landmine/IED"},
		{"An IED struck a convoy near Basra on Monday.", "Explosions/Remote violence", "Remote explosive/landmine/IED"},
		{"A suicide bomber blew himself up near the Pakistani embassy in Kabul on Monday.", "Explosions/Remote violence", "Suicide bomb"},
		{"Two Katyusha rockets hit the US embassy in Baghdad on Monday.", "Explosions/Remote violence", "Shelling/artillery/missile attack"},
		{"A drone strike near Baghdad airport on Monday killed two men.", "Explosions/Remote violence", "Air/drone strike"},
		{"A gunman opened fire on the Pakistani embassy in Kabul on Monday.", "Violence against civilians", "Attack"},
		{"Kunduz fell to the Taliban on Monday after heavy fighting.", "Battles", "Non-state actor overtakes territory"},
		{"The city of Zaranj fell to the Taliban on Monday without any fighting.", "Strategic developments", "Non-violent transfer of territory"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			inc := extractOne(t, tt.text, pub).Incident
			if inc.EventType != tt.event || inc.SubEventType != tt.sub {
				t.Errorf("got %s / %s, want %s / %s", inc.EventType, inc.SubEventType, tt.event, tt.sub)
			}
			if !inc.OccurredStart.Equal(mustDay("2022-04-11")) || inc.DatePrecision != incidentmap.DateDay {
				t.Errorf("date %v %s, want 2022-04-11 day", inc.OccurredStart, inc.DatePrecision)
			}
		})
	}
	// General wording and bare words with no city make no drafts.
	for _, text := range []string{
		"A series of blasts has been reported in Kabul in recent months.",
		"Similar attacks were blamed on militias in Baghdad.",
		"Iranian missions in Iraq were attacked last year amid protests.",
		"The talks in Kabul were about trade.",
		"The foreign ministry in Baku said on Monday that it condemned the attack.",
	} {
		ex, err := testExtractor(t).Extract(text, pub)
		if err != nil || len(ex.Drafts) != 0 {
			t.Errorf("%q: %d drafts (%v), want none", text, len(ex.Drafts), err)
		}
	}
}

func TestTargets(t *testing.T) {
	pub := mustDay("2022-04-12")
	tests := []struct {
		text     string
		typ      incidentmap.TargetType
		country  string
		facility string
	}{
		{"Protesters stormed the Iranian consulate in Herat on Monday.", incidentmap.TargetConsulate, "IRN", "Consulate of Iran in Herat"},
		{"Protesters stormed Iran's embassy in Kabul on Monday.", incidentmap.TargetEmbassy, "AFG" /* replaced below */, ""},
		{"A blast hit the Russian Embassy in Kabul on Monday.", incidentmap.TargetEmbassy, "RUS", "Embassy of Russia in Kabul"},
		{"An IED hit a British embassy vehicle in Baghdad on Monday.", incidentmap.TargetDiplomaticVehicle, "GBR", ""},
		{"Rockets hit the US embassy in Baghdad on Monday.", incidentmap.TargetEmbassy, "USA", "Embassy of the United States in Baghdad"},
		{"Crowds stormed the consulate-general of Turkey in Mosul on Monday.", incidentmap.TargetConsulate, "TUR", ""},
		{"A bomb hit a mosque in Kunduz on Monday.", incidentmap.TargetReligiousSite, "", ""},
		{"Crowds stormed the U.S. Embassy in Baghdad on Monday.", incidentmap.TargetEmbassy, "USA", "Embassy of the United States in Baghdad"},
		{"A suicide bomber struck near the Afghan foreign ministry in Kabul on Monday.", incidentmap.TargetGovernment, "", ""},
		{"A bomb hit a Saudi diplomatic convoy in Baghdad on Monday.", incidentmap.TargetDiplomaticVehicle, "SAU", ""},
	}
	tests[1].country, tests[1].facility = "IRN", "Embassy of Iran in Kabul"
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			inc := extractOne(t, tt.text, pub).Incident
			if inc.TargetType != tt.typ || inc.TargetCountry != tt.country {
				t.Errorf("got %s %q, want %s %q", inc.TargetType, inc.TargetCountry, tt.typ, tt.country)
			}
			if tt.facility != "" && inc.Facility != tt.facility {
				t.Errorf("facility %q, want %q", inc.Facility, tt.facility)
			}
		})
	}
}

func TestCasualties(t *testing.T) {
	pub := mustDay("2022-09-05")
	n := func(v int) *int { return &v }
	tests := []struct {
		text       string
		dead, hurt *int
	}{
		{"The explosion near the Russian embassy in Kabul on Monday left ten dead and several others wounded.", n(10), nil},
		{"A blast in Kabul on Monday killed 20 and wounded 31.", n(20), n(31)},
		{"At least 20 people were killed in a blast in Herat on Monday.", n(20), nil},
		{"A bomb in Mosul on Monday caused the death of two embassy staff.", n(2), nil},
		{"Twelve people were injured by a blast in Basra on Monday.", nil, n(12)},
		{"A bomb exploded in Kabul on Monday.", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			inc := extractOne(t, tt.text, pub).Incident
			if !eqIntPtr(inc.Fatalities, tt.dead) || !eqIntPtr(inc.Injuries, tt.hurt) {
				t.Errorf("dead %v hurt %v, want %v %v", ptrStr(inc.Fatalities), ptrStr(inc.Injuries), ptrStr(tt.dead), ptrStr(tt.hurt))
			}
		})
	}
}

func eqIntPtr(a, b *int) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }

func ptrStr(p *int) string {
	if p == nil {
		return "null"
	}
	return strconv.Itoa(*p)
}

func TestToponymContext(t *testing.T) {
	tests := []struct {
		name, text   string
		pub          time.Time
		place, admin string
	}{
		{"Herat with Afghan context", "Afghan police said protesters stormed the Iranian consulate in Herat on Monday.", mustDay("2022-04-12"), "Herat", "AF-HER"},
		{"Karbala in an Iraq article", "Iraqi officials said protesters stormed the Iranian consulate in Karbala on Sunday.", mustDay("2021-05-10"), "Karbala", "IQ-KA"},
		{"Tripoli in a Lebanon article", "Lebanese police said a bomb exploded near the Saudi embassy in Tripoli on Monday. Lebanon condemned it.", mustDay("2022-04-12"), "Tripoli", "LB-AS"},
		{"Tripoli with no context", "A bomb exploded near the Saudi embassy in Tripoli on Monday.", mustDay("2022-04-12"), "Tripoli", ""},
		{"host country from the words", "A bomb exploded in the southern Iraqi city of Karbala on Monday.", mustDay("2022-04-12"), "Karbala", "IQ-KA"},
		{"possessive country", "A bomb exploded outside the Russian Embassy in Afghanistan's Kabul on Monday.", mustDay("2022-04-12"), "Kabul", "AF-KAB"},
		{"spelling variant", "A bomb exploded in Hirat on Monday, Afghan police said.", mustDay("2022-04-12"), "Hirat", "AF-HER"},
		{"site", "Rockets hit the Green Zone in Baghdad on Monday.", mustDay("2022-04-12"), "Green Zone", "IQ-BG"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := extractOne(t, tt.text, tt.pub)
			inc := d.Incident
			if inc.PlaceName != tt.place || tt.admin != "" && inc.Admin1Code != tt.admin {
				t.Errorf("place %q %s, want %q %s", inc.PlaceName, inc.Admin1Code, tt.place, tt.admin)
			}
			if tt.name == "Tripoli with no context" && inc.Country != "LBY" {
				t.Errorf("country %s, want LBY (the capital wins without context)", inc.Country)
			}
			if tt.name == "site" && inc.LocationPrecision != incidentmap.LocationSite {
				t.Errorf("precision %s, want site", inc.LocationPrecision)
			}
		})
	}
	// Person names and organisations are not places.
	ex, err := testExtractor(t).Extract("Foreign Minister Amir Khan Muttaqi and Sergey Lavrov spoke. UNAMA and the Taliban said a bomb exploded in Kabul on Monday.", mustDay("2022-09-05"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tp := range ex.Toponyms {
		if _, ok := tp.place(); ok && tp.Text != "Kabul" {
			t.Errorf("%q taken for a place", tp.Text)
		}
	}
}

func TestEvidence(t *testing.T) {
	text := "Officials spoke on Tuesday. Protesters stormed the Iranian consulate in Herat on Monday, leaving two dead."
	d := extractOne(t, text, mustDay("2022-04-12"))
	fields := map[string]Evidence{}
	for _, e := range d.Evidence {
		if e.Start < 0 || e.End > len(text) || e.Start > e.End {
			t.Fatalf("evidence %+v out of range", e)
		}
		if _, ok := fields[e.Field]; !ok {
			fields[e.Field] = e
		}
	}
	want := map[string]string{"event_type": "stormed", "location": "Herat", "occurred": "on Monday",
		"target_type": "Iranian consulate", "target_country": "Iranian consulate", "fatalities": "leaving two dead"}
	second := text[strings.Index(text, "Protesters"):]
	for f, phrase := range want {
		e, ok := fields[f]
		if !ok {
			t.Errorf("no evidence for %s", f)
			continue
		}
		if e.Text != phrase || text[e.Start:e.End] != second {
			t.Errorf("%s: text %q sentence %q, want %q in %q", f, e.Text, text[e.Start:e.End], phrase, second)
		}
	}
	tp := testExtractorTop(t, text)
	if tp.Chosen < 0 || len(tp.Candidates) == 0 || tp.Reason == "" {
		t.Errorf("toponym resolution not reported: %+v", tp)
	}
	if !strings.Contains(d.Incident.Title, "Consulate of Iran in Herat") || strings.Contains(d.Incident.Summary, "stormed") {
		t.Errorf("title %q summary %q", d.Incident.Title, d.Incident.Summary)
	}
}

func testExtractorTop(t *testing.T, text string) Toponym {
	ex, err := testExtractor(t).Extract(text, mustDay("2022-04-12"))
	if err != nil || len(ex.Drafts) == 0 {
		t.Fatal(err)
	}
	return ex.Toponyms[ex.Drafts[0].Toponym]
}

func TestDefaultDate(t *testing.T) {
	d := extractOne(t, "Protesters stormed the Iranian consulate in Herat.", mustDay("2022-04-12"))
	inc := d.Incident
	if !inc.OccurredStart.Equal(mustDay("2022-04-06")) || !inc.OccurredEnd.Equal(mustDay("2022-04-12")) || inc.DatePrecision != incidentmap.DateWeek {
		t.Errorf("got %v..%v %s, want the week up to publication", inc.OccurredStart, inc.OccurredEnd, inc.DatePrecision)
	}
	found := false
	for _, e := range d.Evidence {
		if e.Field == "occurred" && strings.Contains(e.Note, "no date found") {
			found = true
		}
	}
	if !found {
		t.Error("evidence does not say that no date was found")
	}
}

func TestFixtures(t *testing.T) {
	tests := []struct {
		file, pub, event, sub, admin1, date string
		target                              incidentmap.TargetType
		targetCountry                       string
		dead, hurt                          int // -1: null
	}{
		{"kabul_rockets.txt", "2023-03-08", "Explosions/Remote violence", "Shelling/artillery/missile attack", "AF-KAB", "2023-03-07", incidentmap.TargetEmbassy, "PAK", -1, -1},
		{"basra_protest.txt", "2022-06-14", "Protests", "Peaceful protest", "IQ-BA", "2022-06-13", incidentmap.TargetConsulate, "TUR", -1, -1},
		{"mosul_suicide.txt", "2019-02-20", "Explosions/Remote violence", "Suicide bomb", "IQ-NI", "2019-02-18", incidentmap.TargetReligiousSite, "", 12, 30},
		{"jalalabad_takeover.txt", "2021-08-16", "Strategic developments", "Non-violent transfer of territory", "AF-NAN", "2021-08-15", incidentmap.TargetGovernment, "", -1, -1},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata/extract", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			inc := extractOne(t, string(b), mustDay(tt.pub)).Incident
			if inc.EventType != tt.event || inc.SubEventType != tt.sub || inc.Admin1Code != tt.admin1 ||
				inc.OccurredStart.Format(time.DateOnly) != tt.date || inc.TargetType != tt.target || inc.TargetCountry != tt.targetCountry {
				t.Errorf("got %s/%s %s %s %s %s", inc.EventType, inc.SubEventType, inc.Admin1Code, inc.OccurredStart.Format(time.DateOnly), inc.TargetType, inc.TargetCountry)
			}
			if !eqIntPtr(inc.Fatalities, intOrNil(tt.dead)) || !eqIntPtr(inc.Injuries, intOrNil(tt.hurt)) {
				t.Errorf("dead %v hurt %v", inc.Fatalities, inc.Injuries)
			}
			if inc.ID != "draft-1" || inc.Status != incidentmap.StatusDraft || len(inc.Sources) != 1 || !inc.Sources[0].PublishedOn.Equal(mustDay(tt.pub)) {
				t.Errorf("id %s status %s sources %+v", inc.ID, inc.Status, inc.Sources)
			}
		})
	}
}

func intOrNil(v int) *int {
	if v < 0 {
		return nil
	}
	return &v
}

// TestSeedArticles checks the main incidents of each seed article.
func TestSeedArticles(t *testing.T) {
	tests := []struct {
		seed, pub string
		want      []struct{ admin1, date string }
	}{
		{"000", "2022-04-12", []struct{ admin1, date string }{{"AF-KAB", "2022-04-11"}, {"AF-HER", "2022-04-11"}}},
		{"001", "2021-05-10", []struct{ admin1, date string }{{"IQ-KA", "2021-05-09"}}},
		{"002", "2020-09-26", []struct{ admin1, date string }{{"IQ-BG", "2020-09-15"}, {"IQ-NA", "2019-11-01"}}},
		{"003", "2021-08-13", []struct{ admin1, date string }{{"AF-HER", "2021-08-12"}}},
		{"004", "2022-09-05", []struct{ admin1, date string }{{"AF-KAB", "2022-09-05"}}},
	}
	for _, tt := range tests {
		t.Run(tt.seed, func(t *testing.T) {
			files, _ := filepath.Glob(filepath.Join(shareddata.Path(t, "seeds"), tt.seed+"_*.txt"))
			if len(files) == 0 {
				t.Fatalf("no seed article %s in ../shared/seeds", tt.seed)
			}
			b, err := os.ReadFile(files[0])
			if err != nil {
				t.Fatal(err)
			}
			ex, err := testExtractor(t).Extract(string(b), mustDay(tt.pub))
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range ex.Drafts {
				if err := d.Incident.Validate(); err != nil {
					t.Errorf("%s invalid: %v", d.Incident.ID, err)
				}
			}
			for _, w := range tt.want {
				found := false
				for _, d := range ex.Drafts {
					inc := d.Incident
					if inc.Admin1Code == w.admin1 && inc.OccurredStart.Format(time.DateOnly) == w.date {
						found = true
					}
				}
				if !found {
					t.Errorf("no draft at %s on %s", w.admin1, w.date)
				}
			}
		})
	}
}

func TestFeatureCollectionRoundTrip(t *testing.T) {
	b, err := os.ReadFile("testdata/extract/kabul_rockets.txt")
	if err != nil {
		t.Fatal(err)
	}
	ex, err := testExtractor(t).Extract(string(b), mustDay("2023-03-08"))
	if err != nil {
		t.Fatal(err)
	}
	incs, err := ReadGeoJSON(bytes.NewReader(ex.FeatureCollection()))
	if err != nil {
		t.Fatal(err)
	}
	if len(incs) != 1 || incs[0].Title != ex.Drafts[0].Incident.Title || incs[0].Admin1Code != "AF-KAB" {
		t.Errorf("round trip: %+v", incs)
	}
	if got := (Extraction{}).FeatureCollection(); string(got) != `{"type":"FeatureCollection","features":[]}` {
		t.Errorf("empty: %s", got)
	}
}

func TestHostileInput(t *testing.T) {
	x := testExtractor(t)
	pub := mustDay("2022-04-12")
	big := strings.Repeat("A bomb exploded in Kabul on Monday. ", 10<<20/36+1)
	_, err := x.Extract(big, pub)
	var e *incidentmap.Error
	if !errors.As(err, &e) || e.Code != incidentmap.EINVALID {
		t.Errorf("10 MB: err %v, want EINVALID", err)
	}
	if _, err := x.Extract("A bomb exploded in Kabul.", time.Time{}); !errors.As(err, &e) || e.Code != incidentmap.EINVALID {
		t.Errorf("no published date: err %v, want EINVALID", err)
	}
	// Just under the cap: bounded work, bounded drafts.
	max := big[:MaxArticleBytes]
	start := time.Now()
	ex, err := x.Extract(max, pub)
	if err != nil {
		t.Fatal(err)
	}
	if len(ex.Drafts) > maxDrafts || ex.Sentences > maxSentences {
		t.Errorf("%d drafts, %d sentences", len(ex.Drafts), ex.Sentences)
	}
	t.Logf("1 MiB article: %d sentences, %d drafts in %v", ex.Sentences, len(ex.Drafts), time.Since(start))
	noPlaces, err := os.ReadFile("testdata/extract/no_places.txt")
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{
		"empty":      "",
		"space":      " \n\t\n ",
		"no places":  string(noPlaces),
		"no trigger": "The foreign ministers met in Kabul on Monday and talked about trade.",
		"control":    "A bomb\x00 exploded\x07 in \x1bKabul\r\n on Monday.\x00",
		"rtl":        "انفجار در کابل A bomb exploded near the ‏سفارت‎ in Kabul on Monday. انفجار",
		"invalid":    "A bomb \xff\xfe exploded in Kabul on Monday \xc3",
		"dots":       strings.Repeat(". ", 5000),
		"caps":       strings.Repeat("Kabul Herat Baghdad ", 3000),
	} {
		t.Run(name, func(t *testing.T) {
			ex, err := x.Extract(text, pub)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range ex.Drafts {
				if err := d.Incident.Validate(); err != nil {
					t.Errorf("invalid draft: %v", err)
				}
			}
			if (name == "empty" || name == "space" || name == "no places" || name == "no trigger") && len(ex.Drafts) != 0 {
				t.Errorf("%d drafts, want 0", len(ex.Drafts))
			}
		})
	}
}

func FuzzExtract(f *testing.F) {
	for _, name := range []string{"kabul_rockets.txt", "basra_protest.txt", "mosul_suicide.txt", "jalalabad_takeover.txt", "no_places.txt"} {
		b, err := os.ReadFile(filepath.Join("testdata/extract", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add("On September 15, an IED hit a British embassy vehicle in the Green Zone in Baghdad. Hours before that, rockets hit.")
	x := testExtractor(f)
	pub := mustDay("2022-04-12")
	f.Fuzz(func(t *testing.T, text string) {
		ex, err := x.Extract(text, pub)
		if len(text) > MaxArticleBytes {
			if err == nil {
				t.Fatal("no error beyond the cap")
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(ex.Drafts) > maxDrafts || len(ex.Toponyms) > maxToponyms+maxSentences {
			t.Fatalf("unbounded: %d drafts %d toponyms", len(ex.Drafts), len(ex.Toponyms))
		}
		for _, d := range ex.Drafts {
			if err := d.Incident.Validate(); err != nil {
				t.Fatalf("invalid draft: %v", err)
			}
			for _, e := range d.Evidence {
				if e.Start < 0 || e.End > len(text) || e.Start > e.End {
					t.Fatalf("evidence out of range: %+v", e)
				}
			}
		}
	})
}

// benchArticle repeats the fixtures into an article of at least n words.
func benchArticle(tb testing.TB, n int) string {
	var parts []string
	for _, name := range []string{"kabul_rockets.txt", "basra_protest.txt", "mosul_suicide.txt", "jalalabad_takeover.txt", "no_places.txt"} {
		b, err := os.ReadFile(filepath.Join("testdata/extract", name))
		if err != nil {
			tb.Fatal(err)
		}
		parts = append(parts, string(b))
	}
	var sb strings.Builder
	for words := 0; words < n; {
		for _, p := range parts {
			sb.WriteString(p)
			sb.WriteString("\n")
			words += len(strings.Fields(p))
		}
	}
	return sb.String()
}

func BenchmarkExtract2000Words(b *testing.B) {
	x := testExtractor(b)
	text := benchArticle(b, 2000)
	pub := mustDay("2022-04-12")
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := x.Extract(text, pub); err != nil {
			b.Fatal(err)
		}
	}
}
