package ingest

import (
	"context"
	"errors"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/incidentmap/incidentmap"
)

// repeatReader yields n bytes of a pattern without holding them.
type repeatReader struct {
	pattern []byte
	n, off  int64
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.off >= r.n {
		return 0, io.EOF
	}
	k := 0
	for k < len(p) && r.off < r.n {
		p[k] = r.pattern[r.off%int64(len(r.pattern))]
		k++
		r.off++
	}
	return k, nil
}

// countingStore takes the items of an import and counts them, watching
// the live heap; every other method is absent.
type countingStore struct {
	incidentmap.Store
	items    int
	maxHeap  uint64
	sampleAt int
}

func (s *countingStore) UpsertIncidents(_ context.Context, next func() (incidentmap.ImportItem, error), _ incidentmap.ImportOptions) (incidentmap.ImportResult, error) {
	for {
		_, err := next()
		if errors.Is(err, io.EOF) {
			return incidentmap.ImportResult{Created: s.items}, nil
		} else if err != nil {
			return incidentmap.ImportResult{}, err
		}
		if s.items++; s.items%s.sampleAt == 0 {
			var m runtime.MemStats
			runtime.GC() // count what is held, not garbage
			runtime.ReadMemStats(&m)
			s.maxHeap = max(s.maxHeap, m.HeapAlloc)
		}
	}
}

const hostileHeader = "id,title,summary,occurred_start,lon,lat,location_precision,country,event_type,target_type\n"

// A 200 MB CSV is streamed: 40,000 records with 5,000-byte summaries
// import while the live heap stays far below the file's size.
func TestCSV200MBStreamed(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 200 MB")
	}
	summary := strings.Repeat("s", 4900)
	row := "x,A title," + summary + ",2021-01-01,62.2,34.3,city,AFG,Protests,embassy\n"
	const rows = 40_000
	s := &countingStore{sampleAt: 4000}
	var m runtime.MemStats
	runtime.GC() // what other tests left live is not this test's
	runtime.ReadMemStats(&m)
	base := m.HeapAlloc
	r := io.MultiReader(strings.NewReader(hostileHeader), &rowReader{n: rows, row: row})
	rep, err := Import(context.Background(), s, r, Options{Format: FormatCSV})
	if err != nil || rep.Rows != rows || s.items != rows {
		t.Fatalf("%v: %d items\n%s", err, s.items, rep)
	}
	grew := int64(s.maxHeap) - int64(base)
	if grew > 50<<20 {
		t.Errorf("the live heap grew by %d MB while streaming 200 MB", grew>>20)
	}
	t.Logf("200 MB streamed; the live heap grew by at most %d MB", grew>>20)
}

// rowReader yields n copies of row, each with id x-N.
type rowReader struct {
	n, i int
	row  string
	cur  *strings.Reader
}

func (r *rowReader) Read(p []byte) (int, error) {
	for r.cur == nil || r.cur.Len() == 0 {
		if r.i == r.n {
			return 0, io.EOF
		}
		r.i++
		r.cur = strings.NewReader(strings.Replace(r.row, "x,", "x-"+strconv.Itoa(r.i)+",", 1))
	}
	return r.cur.Read(p)
}

func TestCSVHostile(t *testing.T) {
	tests := []struct {
		name  string
		input io.Reader
		want  string
		maxMB int64 // of input read before stopping
	}{
		{"a million columns in the header", io.MultiReader(&repeatReader{pattern: []byte("a,"), n: 2_000_000}, strings.NewReader("\n")),
			"line 1: the header is longer than 1048576 bytes", 2},
		{"600 columns", strings.NewReader(strings.Repeat("c,", 599) + "c\n"), "line 1: the header has 600 columns; at most 512 are accepted", 1},
		{"a row of a million fields", io.MultiReader(strings.NewReader(hostileHeader+"a"), &repeatReader{pattern: []byte(","), n: 1_000_000}),
			"rejected line 2: csv: has 1000001 fields; the header has 10", 2},
		{"an unterminated quote before 200 MB", io.MultiReader(strings.NewReader(hostileHeader+`x,"`), &repeatReader{pattern: []byte("no closing quote\n"), n: 200 << 20}),
			"line 2: a record is longer than 1048576 bytes (an unterminated quote?); nothing after it was read", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			counted := &countingReader{r: tt.input}
			rep, err := Import(context.Background(), &countingStore{sampleAt: 1000}, counted, Options{Format: FormatCSV})
			if incidentmap.ErrorCode(err) != incidentmap.EINVALID || !strings.Contains(incidentmap.ErrorMessage(err)+"\n"+rep.String(), tt.want) {
				t.Errorf("got %v, want %q\n%s", err, tt.want, rep)
			}
			if read := counted.n.Load(); read > tt.maxMB<<20 {
				t.Errorf("read %d MB before refusing", read>>20)
			}
		})
	}
}

// validatingStore fails the fuzz test when an import hands it an invalid
// incident.
type validatingStore struct {
	incidentmap.Store
	t *testing.T
}

func (s validatingStore) UpsertIncidents(_ context.Context, next func() (incidentmap.ImportItem, error), _ incidentmap.ImportOptions) (incidentmap.ImportResult, error) {
	for {
		item, err := next()
		if errors.Is(err, io.EOF) {
			return incidentmap.ImportResult{}, nil
		} else if err != nil {
			return incidentmap.ImportResult{}, err
		}
		if err := item.Incident.Validate(); err != nil || item.Line < 1 {
			s.t.Fatalf("line %d: an invalid incident reached the store: %v", item.Line, err)
		}
	}
}

func FuzzImportCSV(f *testing.F) {
	f.Add(string(FormatCSV), hostileHeader+"x,T,,2021-01-01,62.2,34.3,city,AFG,Protests,embassy\n")
	f.Add(string(FormatCSV), "id,title\n\"a\"\"b,c\n")
	f.Add(string(FormatUCDP), "id,where_prec\n1,2\n")
	f.Add(string(FormatGDELT), strings.Repeat("\t", 60)+"\n")
	f.Add(string(FormatGTD), "eventid,iyear,imonth,iday\n1,2017,0,0\n")
	f.Add(string(FormatACLED), "event_id_cnty,event_date,time_precision\nA1,2 January 2020,2\n")
	f.Fuzz(func(t *testing.T, format, input string) {
		switch Format(format) {
		case FormatCSV, FormatUCDP, FormatGDELT, FormatACLED, FormatGTD, FormatGeoJSON:
		default:
			return
		}
		rep, err := Import(context.Background(), validatingStore{t: t}, strings.NewReader(input), Options{Format: Format(format), Partial: true})
		if err != nil && incidentmap.ErrorCode(err) != incidentmap.EINVALID {
			t.Fatalf("%v\n%s", err, rep)
		}
		for _, r := range rep.Rejects {
			if r.Line < 1 || r.Reason == "" {
				t.Fatalf("reject without a line or reason: %+v", r)
			}
		}
	})
}

// bigReader yields records that each take a megabyte of input.
type bigReader struct {
	read *atomic.Int64
	n    int
}

func (b *bigReader) next() (record, error) {
	if b.n == 100 {
		return record{}, io.EOF
	}
	b.n++
	b.read.Add(1 << 20)
	return record{line: b.n}, nil
}

// The reading goroutine hands over at most prefetchBytes of input per
// batch, however few records that is, so that huge records cannot pile up.
func TestPrefetchBoundedByBytes(t *testing.T) {
	var read atomic.Int64
	stop := make(chan struct{})
	defer close(stop)
	p := prefetch(&bigReader{read: &read}, &read, stop).(*pipe)
	n := 0
	for {
		if _, err := p.next(); errors.Is(err, io.EOF) {
			break
		}
		if len(p.cur.recs) > 4 { // 4 MB of one-megabyte records
			t.Fatalf("a batch holds %d one-megabyte records", len(p.cur.recs))
		}
		n++
	}
	if n != 100 {
		t.Errorf("read %d records, want 100", n)
	}
}
