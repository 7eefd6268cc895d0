package ingest

import (
	"bufio"
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/incidentmap/incidentmap"
)

var sharedIncidents = flag.String("shared-incidents", "../../shared/data/incidents",
	"directory of the real UCDP and GDELT files; the tests that need it skip when it is missing (and fail under CI=true)")

// openShared opens a file of ../shared/data/incidents, skipping loudly
// when it is missing, and failing when CI=true.
func openShared(t *testing.T, name string) *os.File {
	t.Helper()
	path := filepath.Join(*sharedIncidents, name)
	f, err := os.Open(path)
	if err != nil {
		msg := "REAL DATA MISSING: " + path + " (" + err.Error() + "); run from a checkout beside ../shared or pass -shared-incidents DIR"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + "; CI=true requires it")
		}
		t.Skip("SKIPPING a test on real data: " + msg)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// countLines counts the lines of a file that match re (nil: all), reading
// it line by line, independently of the importers' CSV and TSV readers.
func countLines(t *testing.T, name string, re *regexp.Regexp, fieldEmpty int) (n, empty int) {
	t.Helper()
	sc := bufio.NewScanner(openShared(t, name))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if re == nil || re.MatchString(sc.Text()) {
			n++
		}
		if fieldEmpty > 0 {
			if f := strings.Split(sc.Text(), "\t"); len(f) > fieldEmpty && f[fieldEmpty] == "" {
				empty++
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return n, empty
}

// The 16,566 events of the UCDP file import, as many as lines that start
// a GED record (an id and a year: `grep -cE '^[0-9]+,[0-9]{4},'`), and a
// second import changes nothing.
func TestImportRealUCDP(t *testing.T) {
	const name = "ucdp_ged_syria_2016_2019.csv"
	want, _ := countLines(t, name, regexp.MustCompile(`^[0-9]+,[0-9]{4},`), 0)
	if want != 16566 {
		t.Errorf("independent count %d, the data README says 16,566", want)
	}
	s := memoryStore(t)
	opt := geoOptions(t)
	opt.Format = FormatUCDP
	rep, err := Import(context.Background(), s, openShared(t, name), opt)
	if err != nil {
		t.Fatalf("%v\n%s", err, rep)
	}
	if rep.Rows != want || rep.Created != want || rep.Rejected != 0 {
		t.Fatalf("want %d created:\n%s", want, rep)
	}
	if n, _ := s.CountIncidents(context.Background(), incidentmap.Filter{Where: incidentmap.InStrings("country", "SYR")}); n != want {
		t.Errorf("%d incidents in Syria, want %d", n, want)
	}
	rep, err = Import(context.Background(), s, openShared(t, name), opt)
	if err != nil || rep.Unchanged != want || rep.Created+rep.Updated != 0 {
		t.Fatalf("second import: %v\n%s", err, rep)
	}
}

// Each of the 2,414 lines of the GDELT export is either imported or
// rejected; the rejected are at least the lines whose ActionGeo_Lat is
// empty (`awk -F'\t' '$57==""'`), and a second import changes nothing.
func TestImportRealGDELT(t *testing.T) {
	const name = "gdelt_events_20180101.tsv"
	lines, noPlace := countLines(t, name, nil, 56)
	if lines != 2414 {
		t.Errorf("independent count %d, the data README says 2,414", lines)
	}
	s := memoryStore(t)
	opt := geoOptions(t)
	opt.Format, opt.Partial = FormatGDELT, true
	rep, err := Import(context.Background(), s, openShared(t, name), opt)
	if err != nil {
		t.Fatalf("%v\n%s", err, rep)
	}
	if rep.Rows != lines || rep.Created+rep.Rejected != lines || rep.Rejected < noPlace || rep.Rejected > noPlace+20 {
		t.Fatalf("%d lines, %d without a place:\n%s", lines, noPlace, rep)
	}
	t.Logf("%d lines: %d created, %d rejected (%d without a place), %d notes", lines, rep.Created, rep.Rejected, noPlace, rep.NoteCount)
	// The FIPS table agrees with the boundaries: a country that disagrees
	// with the point is noted, and few do (Jerusalem's ISR or PSE, mostly).
	if rep.NoteCount > rep.Created/50 {
		t.Errorf("%d of %d FIPS countries disagree with the point:\n%s", rep.NoteCount, rep.Created, rep)
	}
	rep, err = Import(context.Background(), s, openShared(t, name), opt)
	if err != nil || rep.Unchanged != lines-rep.Rejected || rep.Created+rep.Updated != 0 {
		t.Fatalf("second import: %v\n%s", err, rep)
	}
}
