package ingest

// Evaluation of the geocoder and the extractor against gold data in
// testdata/gold (see its README): places with known coordinates, and the
// hand-coded incidents of the seed articles.

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/incidentmap/incidentmap/geo/gazetteer"
	"github.com/paulmach/orb"
)

// AccuracyKm is the distance within which a geocoded point counts as
// right: 161 km (100 miles), the threshold geoparsing studies report.
const AccuracyKm = 161

// GoldPlace is one row of a geocoder gold set: a query and the true place.
type GoldPlace struct {
	Query      string // the name searched, possibly a spelling variant
	GeoNamesID int64
	Name       string // GeoNames' name of the true place
	Lon, Lat   float64
	Country    string // ISO 3166-1 alpha-3
}

// GeocoderReport is the result of EvalGeocoder.
type GeocoderReport struct {
	N           int     // queries
	Within161km int     // answers within AccuracyKm of the truth
	Accuracy161 float64 // Within161km / N
	MedianKm    float64 // median error; a query with no answer counts as +Inf
	SameID      int     // answers that are the very GeoNames place
	Misses      []GeocoderMiss
}

// GeocoderMiss is a query answered further than AccuracyKm away, or not at
// all (Got empty, Km +Inf).
type GeocoderMiss struct {
	Query, Want, Got string
	Km               float64
}

// EvalGeocoder searches g for each row's Query, with no country or point
// hint (the hardest case), and measures the distance from the top answer
// to the truth.
func EvalGeocoder(g *gazetteer.Gazetteer, rows []GoldPlace) GeocoderReport {
	return evalGeocoder(g, rows, false)
}

// EvalGeocoderInCountry is EvalGeocoder with each row's country passed as
// Query.Country, as the extractor does when an article names the country.
func EvalGeocoderInCountry(g *gazetteer.Gazetteer, rows []GoldPlace) GeocoderReport {
	return evalGeocoder(g, rows, true)
}

func evalGeocoder(g *gazetteer.Gazetteer, rows []GoldPlace, inCountry bool) GeocoderReport {
	rep := GeocoderReport{N: len(rows)}
	dists := make([]float64, 0, len(rows))
	for _, row := range rows {
		q := gazetteer.Query{Text: row.Query, Limit: 1}
		if inCountry {
			q.Country = row.Country
		}
		cands := g.Search(q)
		km := math.Inf(1)
		got := ""
		if len(cands) > 0 {
			c := cands[0]
			km = distanceKm(c.Point(), orb.Point{row.Lon, row.Lat})
			got = fmt.Sprintf("%s (%s, %d)", c.Name, c.Country, c.ID)
			if c.ID == row.GeoNamesID {
				rep.SameID++
			}
		}
		dists = append(dists, km)
		if km <= AccuracyKm {
			rep.Within161km++
		} else {
			rep.Misses = append(rep.Misses, GeocoderMiss{Query: row.Query, Want: fmt.Sprintf("%s (%s, %d)", row.Name, row.Country, row.GeoNamesID), Got: got, Km: km})
		}
	}
	if rep.N > 0 {
		rep.Accuracy161 = float64(rep.Within161km) / float64(rep.N)
		slices.Sort(dists)
		if rep.N%2 == 1 {
			rep.MedianKm = dists[rep.N/2]
		} else {
			rep.MedianKm = (dists[rep.N/2-1] + dists[rep.N/2]) / 2
		}
	}
	return rep
}

// ReadGoldPlaces reads a places gold file: tab-separated query,
// geonameid, name, lat, lon, country; lines starting with # and a header
// line starting with "query" are skipped.
func ReadGoldPlaces(r io.Reader) ([]GoldPlace, error) {
	var out []GoldPlace
	err := readTSV(r, "query", 6, func(line int, f []string) error {
		id, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			return fmt.Errorf("geonameid %q", f[1])
		}
		lat, err1 := strconv.ParseFloat(f[3], 64)
		lon, err2 := strconv.ParseFloat(f[4], 64)
		if err1 != nil || err2 != nil || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
			return fmt.Errorf("bad coordinates %q %q", f[3], f[4])
		}
		out = append(out, GoldPlace{Query: f[0], GeoNamesID: id, Name: f[2], Lat: lat, Lon: lon, Country: f[5]})
		return nil
	})
	return out, err
}

// GoldIncident is one hand-coded incident of a seed article.
type GoldIncident struct {
	Seed              string // the article's key: the first three characters of its file name
	Published         time.Time
	ID                string
	PlaceName         string
	LocationPrecision string
	Country           string
	Admin1Code        string // empty for country precision
	Start, End        time.Time
	EventType         string
	TargetCountry     string
}

// ReadGoldIncidents reads testdata/gold/seed_incidents.tsv.
func ReadGoldIncidents(r io.Reader) ([]GoldIncident, error) {
	var out []GoldIncident
	err := readTSV(r, "seed", 11, func(line int, f []string) error {
		var ds [3]time.Time
		for i, s := range []string{f[1], f[7], f[8]} {
			t, err := time.Parse(time.DateOnly, s)
			if err != nil {
				return fmt.Errorf("bad date %q", s)
			}
			ds[i] = t
		}
		out = append(out, GoldIncident{Seed: f[0], Published: ds[0], ID: f[2], PlaceName: f[3],
			LocationPrecision: f[4], Country: f[5], Admin1Code: f[6], Start: ds[1], End: ds[2],
			EventType: f[9], TargetCountry: f[10]})
		return nil
	})
	return out, err
}

// readTSV calls row for each data line of exactly n tab-separated fields.
func readTSV(r io.Reader, header string, n int, row func(line int, f []string) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimRight(sc.Text(), "\r")
		if text == "" || strings.HasPrefix(text, "#") || strings.HasPrefix(text, header+"\t") {
			continue
		}
		f := strings.Split(text, "\t")
		if len(f) != n {
			return fmt.Errorf("ingest: gold line %d: want %d fields, got %d", line, n, len(f))
		}
		if err := row(line, f); err != nil {
			return fmt.Errorf("ingest: gold line %d: %w", line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("ingest: gold: %w", err)
	}
	return nil
}

// EvalArticle is an article to evaluate the extractor on.
type EvalArticle struct {
	Seed      string // matches GoldIncident.Seed
	Text      string
	Published time.Time
}

// ExtractorReport is the result of EvalExtractor.
type ExtractorReport struct {
	TP, FP, FN        int
	Precision, Recall float64
	// Matched pairs gold ids with draft titles; Missed lists unmatched
	// gold ids; Spurious describes unmatched drafts.
	Matched  []string
	Missed   []string
	Spurious []string
}

// EvalExtractor runs x on each article and matches its drafts one to one
// against the gold incidents of the same seed: a draft matches when its
// admin1 code equals the gold's (its country, for gold of country
// precision), its dates intersect the gold's and its event type is the
// same. Precision is TP/(TP+FP), recall TP/(TP+FN).
func EvalExtractor(x *Extractor, articles []EvalArticle, gold []GoldIncident) (ExtractorReport, error) {
	var rep ExtractorReport
	used := make([]bool, len(gold))
	seeds := map[string]bool{}
	for _, a := range articles {
		seeds[a.Seed] = true
		ex, err := x.Extract(a.Text, a.Published)
		if err != nil {
			return rep, fmt.Errorf("ingest: eval %s: %w", a.Seed, err)
		}
		for _, d := range ex.Drafts {
			inc := d.Incident
			hit := -1
			for i, g := range gold {
				if used[i] || g.Seed != a.Seed || g.EventType != inc.EventType {
					continue
				}
				if inc.OccurredEnd.Before(g.Start) || g.End.Before(inc.OccurredStart) {
					continue
				}
				if g.LocationPrecision == "country" || g.Admin1Code == "" {
					if inc.Country != g.Country {
						continue
					}
				} else if inc.Admin1Code != g.Admin1Code {
					continue
				}
				hit = i
				break
			}
			desc := fmt.Sprintf("%s: %s (%s %s, %s)", a.Seed, inc.Title, inc.Admin1Code, inc.Country, inc.OccurredStart.Format(time.DateOnly))
			if hit < 0 {
				rep.FP++
				rep.Spurious = append(rep.Spurious, desc)
				continue
			}
			used[hit] = true
			rep.TP++
			rep.Matched = append(rep.Matched, gold[hit].ID+" = "+desc)
		}
	}
	for i, g := range gold {
		if !used[i] && seeds[g.Seed] {
			rep.FN++
			rep.Missed = append(rep.Missed, g.Seed+": "+g.ID)
		}
	}
	if rep.TP+rep.FP > 0 {
		rep.Precision = float64(rep.TP) / float64(rep.TP+rep.FP)
	}
	if rep.TP+rep.FN > 0 {
		rep.Recall = float64(rep.TP) / float64(rep.TP+rep.FN)
	}
	return rep, nil
}

// ReadSeedArticles reads the articles dir/*.txt whose key (the first three
// characters of the file name, "000" of "000_3e3a….txt") has gold
// incidents, with the publication date the gold gives. It returns an
// empty list when dir has no such files.
func ReadSeedArticles(dir string, gold []GoldIncident) ([]EvalArticle, error) {
	pub := map[string]time.Time{}
	for _, g := range gold {
		pub[g.Seed] = g.Published
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil {
		return nil, fmt.Errorf("ingest: seed articles: %w", err)
	}
	var out []EvalArticle
	for _, f := range files {
		name := filepath.Base(f)
		if len(name) < 3 {
			continue
		}
		p, ok := pub[name[:3]]
		if !ok {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("ingest: seed articles: %w", err)
		}
		out = append(out, EvalArticle{Seed: name[:3], Text: string(b), Published: p})
	}
	return out, nil
}
