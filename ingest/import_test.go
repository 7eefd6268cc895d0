package ingest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/store/sqlite"
)

func memoryStore(t testing.TB) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), sqlite.Memory)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "import", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func importBytes(t testing.TB, s incidentmap.Store, data []byte, opt Options) (Report, error) {
	t.Helper()
	return Import(context.Background(), s, bytes.NewReader(data), opt)
}

func mustGet(t *testing.T, s incidentmap.Store, id string) *incidentmap.Incident {
	t.Helper()
	inc, err := s.GetIncident(context.Background(), id)
	if err != nil {
		t.Fatalf("get %s: %v", id, err)
	}
	return inc
}

// Each format's fixture imports with the counts and fields its mapping
// promises, and a second import of it changes nothing.
func TestImportFormats(t *testing.T) {
	geoOpt := geoOptions(t)
	mapping, err := ParseMapping(bytes.NewReader(fixture(t, "generic.mapping")))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		format   Format
		file     string
		mapping  *Mapping
		created  int
		rejected int
		check    func(t *testing.T, s incidentmap.Store)
	}{
		{FormatUCDP, "ucdp.csv", nil, 3, 0, func(t *testing.T, s incidentmap.Store) {
			a := mustGet(t, s, "ucdp:900001")
			if a.EventType != "Battles" || a.Country != "SYR" || a.Admin1Code != "SY-HL" || a.LocationPrecision != incidentmap.LocationCity ||
				*a.Fatalities != 3 || a.Sources[0].Title != "Fictional clash reported\nnear Aleppo" || a.Sources[0].Publisher != "Test Wire" {
				t.Errorf("ucdp:900001 = %+v", a)
			}
			b := mustGet(t, s, "ucdp:900002")
			if b.EventType != "Violence against civilians" || b.TargetType != incidentmap.TargetCivilian || b.DatePrecision != incidentmap.DateMonth ||
				b.LocationPrecision != incidentmap.LocationProvince || len(b.Sources) != 2 || b.OccurredEnd.Day() != 31 {
				t.Errorf("ucdp:900002 = %+v", b)
			}
		}},
		{FormatGDELT, "gdelt.tsv", nil, 2, 1, func(t *testing.T, s incidentmap.Store) {
			a := mustGet(t, s, "gdelt:999000001")
			if a.Country != "AFG" || a.EventType != "Battles" || a.SubEventType != "Armed clash" || a.TargetType != incidentmap.TargetGovernment ||
				a.Sources[0].Publisher != "example.org" || a.LocationPrecision != incidentmap.LocationCity {
				t.Errorf("gdelt:999000001 = %+v", a)
			}
			b := mustGet(t, s, "gdelt:999000002")
			if b.Country != "IRN" || b.LocationPrecision != incidentmap.LocationCountry || b.EventType != "Protests" || b.Admin1Code != "" {
				t.Errorf("gdelt:999000002 = %+v", b)
			}
		}},
		{FormatACLED, "acled.csv", nil, 3, 0, func(t *testing.T, s incidentmap.Store) {
			a := mustGet(t, s, "acled:AFG99001")
			if a.SubEventType != "Suicide bomb" || a.TargetType != incidentmap.TargetCivilian || len(a.Sources) != 2 || a.Country != "AFG" {
				t.Errorf("acled:AFG99001 = %+v", a)
			}
			b := mustGet(t, s, "acled:AFG99002")
			if b.DatePrecision != incidentmap.DateWeek || b.OccurredStart.Format("2006-01-02") != "2021-03-09" || b.OccurredEnd.Format("2006-01-02") != "2021-03-15" {
				t.Errorf("acled:AFG99002 week = %v..%v %s", b.OccurredStart, b.OccurredEnd, b.DatePrecision)
			}
			c := mustGet(t, s, "acled:IRQ99003")
			if c.DatePrecision != incidentmap.DateMonth || c.OccurredStart.Day() != 1 || c.OccurredEnd.Day() != 30 || c.Fatalities != nil ||
				c.LocationPrecision != incidentmap.LocationDistrict || c.TargetType != incidentmap.TargetMilitary {
				t.Errorf("acled:IRQ99003 = %+v", c)
			}
		}},
		{FormatGTD, "gtd.csv", nil, 3, 0, func(t *testing.T, s incidentmap.Store) {
			a := mustGet(t, s, "gtd:199901010001")
			if a.TargetType != incidentmap.TargetConsulate || a.TargetCountry != "IRN" || a.Country != "IRQ" || *a.Fatalities != 0 ||
				*a.Injuries != 3 || a.EventType != "Explosions/Remote violence" || a.Facility != "Fictional Consulate of Iran" {
				t.Errorf("gtd:199901010001 = %+v", a)
			}
			b := mustGet(t, s, "gtd:199901010002")
			if b.SubEventType != "Suicide bomb" || b.DatePrecision != incidentmap.DateMonth || b.Injuries != nil || b.TargetType != incidentmap.TargetMilitary {
				t.Errorf("gtd:199901010002 = %+v", b)
			}
			c := mustGet(t, s, "gtd:199901010003")
			if c.DatePrecision != incidentmap.DateYear || c.Country != "AFG" || c.Admin1Code != "AF-HER" || c.EventType != "Violence against civilians" {
				t.Errorf("gtd:199901010003 (geocoded) = %+v", c)
			}
		}},
		{FormatCSV, "generic.csv", mapping, 2, 0, func(t *testing.T, s incidentmap.Store) {
			a := mustGet(t, s, "partner:R-1")
			if a.OccurredStart.Format("2006-01-02") != "2021-08-15" || a.Country != "AFG" || a.Sources[0].URL != "https://example.org/fictional/r1" || *a.Fatalities != 0 {
				t.Errorf("partner:R-1 = %+v", a)
			}
			b := mustGet(t, s, "partner:R-2")
			if b.Admin1Code != "AF-KAB" || b.Fatalities != nil {
				t.Errorf("partner:R-2 (geocoded) = %+v", b)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(string(tt.format), func(t *testing.T) {
			s := memoryStore(t)
			opt := geoOpt
			opt.Format, opt.Mapping, opt.Partial = tt.format, tt.mapping, true
			data := fixture(t, tt.file)
			rep, err := importBytes(t, s, data, opt)
			if err != nil {
				t.Fatalf("%v\n%s", err, rep)
			}
			if rep.Created != tt.created || rep.Rejected != tt.rejected || rep.Rows != tt.created+tt.rejected || !rep.Committed {
				t.Fatalf("report:\n%s", rep)
			}
			tt.check(t, s)
			again, err := importBytes(t, s, data, opt)
			if err != nil || again.Unchanged != tt.created || again.Created+again.Updated != 0 {
				t.Errorf("second import: %v\n%s", err, again)
			}
		})
	}
}

// A rejected record stops the import unless it is partial; the report
// names each by line, field and reason.
func TestImportRejects(t *testing.T) {
	s := memoryStore(t)
	opt := geoOptions(t)
	opt.Format = FormatCSV
	rep, err := importBytes(t, s, fixture(t, "bad.csv"), opt)
	if incidentmap.ErrorCode(err) != incidentmap.EINVALID || rep.Committed {
		t.Fatalf("got %v, committed %v", err, rep.Committed)
	}
	if n, _ := s.CountIncidents(context.Background(), incidentmap.Filter{}); n != 0 {
		t.Fatalf("a rejected import wrote %d incidents", n)
	}
	text := rep.String()
	for _, want := range []string{
		"rejected line 3: csv: a quote",
		"rejected line 4: title: column title is not UTF-8 text",
		"rejected line 5: csv: has 2 fields; the header has 9",
		`note line 2: title starts with "="`,
		"5 rows read: 0 created, 0 updated, 0 unchanged, 3 rejected (nothing imported)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	opt.Partial = true
	rep, err = importBytes(t, s, fixture(t, "bad.csv"), opt)
	if err != nil || rep.Created != 2 || rep.Rejected != 3 {
		t.Fatalf("partial: %v\n%s", err, rep)
	}
	if got := mustGet(t, s, "f-1").Title; got != `=HYPERLINK("http://example.org")` {
		t.Errorf("formula kept as %q", got)
	}
}

func TestImportDryRun(t *testing.T) {
	s := memoryStore(t)
	opt := geoOptions(t)
	opt.Format, opt.DryRun = FormatACLED, true
	rep, err := importBytes(t, s, fixture(t, "acled.csv"), opt)
	if err != nil || rep.Created != 3 || rep.Committed {
		t.Fatalf("%v\n%s", err, rep)
	}
	if n, _ := s.CountIncidents(context.Background(), incidentmap.Filter{}); n != 0 {
		t.Fatalf("a dry run wrote %d incidents", n)
	}
	opt.DryRun = false
	importBytes(t, s, fixture(t, "acled.csv"), opt)
	changed := bytes.Replace(fixture(t, "acled.csv"), []byte("Fictional Rocket Group"), []byte("Fictional Rocket Brigade"), 1)
	opt.DryRun = true
	rep, err = importBytes(t, s, changed, opt)
	if err != nil || rep.Updated != 1 || rep.Unchanged != 2 || rep.UpdatedIDs[0] != "acled:IRQ99003" {
		t.Fatalf("%v\n%s", err, rep)
	}
	if !strings.Contains(rep.String(), "dry run, nothing written") {
		t.Errorf("report does not say it was a dry run:\n%s", rep)
	}
	if mustGet(t, s, "acled:IRQ99003").Perpetrator != "Fictional Rocket Group" {
		t.Error("a dry run updated an incident")
	}
}

func TestImportGeoJSONLines(t *testing.T) {
	s := memoryStore(t)
	in := fc(feat("a", "AFG"), strings.Replace(feat("b", "AFG"), `"title":"A test"`, `"title":"A test","sources":["Reuters"]`, 1))
	rep, err := importBytes(t, s, []byte(in), Options{})
	if err == nil {
		t.Fatal("accepted a source that is a string")
	}
	want := "line 6: feature 2 (id b): properties.sources[]: must be an object {publisher, title, url, published_on}, got a JSON string"
	if len(rep.Rejects) != 1 || rep.Rejects[0].String() != want || rep.Rejects[0].Field != "sources" {
		t.Errorf("rejects %v, want %q", rep.Rejects, want)
	}
}

func TestMappingErrors(t *testing.T) {
	tests := []struct{ mapping, want string }{
		{"titel = headline", `"titel" is not a field`},
		{"title headline", "must look like field = column"},
		{"delimiter = ;;", "delimiter must be one character"},
		{"date_format = yesterday", "date_format must be a Go layout"},
	}
	for _, tt := range tests {
		t.Run(tt.mapping, func(t *testing.T) {
			_, err := ParseMapping(strings.NewReader("# comment\n" + tt.mapping))
			if msg := incidentmap.ErrorMessage(err); !strings.Contains(msg, "line 2: ") || !strings.Contains(msg, tt.want) {
				t.Errorf("got %q, want line 2 and %q", msg, tt.want)
			}
		})
	}
	s := memoryStore(t)
	m := &Mapping{}
	m.Set("title=headline")
	_, err := importBytes(t, s, []byte("id,title\n"), Options{Format: FormatCSV, Mapping: m})
	if !strings.Contains(incidentmap.ErrorMessage(err), `the file has no column "headline"`) {
		t.Errorf("got %v", err)
	}
}

// What `incidentmap export --format csv` writes imports again.
func TestImportExportedCSV(t *testing.T) {
	s := memoryStore(t)
	csvText := "id,lon,lat,wkt,title,summary,occurred_start,occurred_end,date_precision,location_precision,place_name,country,admin1_code,admin1_name,event_type,sub_event_type,target_type,target_country,facility,perpetrator,fatalities,injuries,status,version,created_at,updated_at,actors,tags,external_ids,sources,responses\r\n" +
		"x-1,62.2,34.35,POINT(62.2 34.35),'=Formula-looking title,,2022-04-11,2022-04-12,day,city,Herat,AFG,AF-HER,Herat,Protests,Peaceful protest,consulate,IRN,,,,3,published,1,2024-01-01T00:00:00Z,2024-01-01T00:00:00Z,A; B,t1; t2,test:x1,Test Wire | A title | https://example.org/a | 2022-04-12 || Other,\r\n"
	rep, err := importBytes(t, s, []byte(csvText), Options{Format: FormatCSV})
	if err != nil {
		t.Fatalf("%v\n%s", err, rep)
	}
	got := mustGet(t, s, "x-1")
	if got.Title != "=Formula-looking title" || len(got.Sources) != 2 || got.Sources[0].URL != "https://example.org/a" ||
		strings.Join(got.Actors, "|") != "A|B" || *got.Injuries != 3 || got.Fatalities != nil || got.ExternalIDs[0] != "test:x1" {
		t.Errorf("got %+v", got)
	}
}
