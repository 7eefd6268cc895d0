package ingest

// Evaluation of geocoding and toponym recognition against the hand-written
// news gold sets in testdata/gold (news_dev.txt, news_heldout.txt,
// news_heldout2.txt; see the README there): short news texts in our own
// words with every place mention annotated, and the true point of each
// taken from Natural Earth, the US Census TopoJSON or typed by hand (never
// from GeoNames).

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/incidentmap/incidentmap/geo/gazetteer"
	"github.com/paulmach/orb"
)

// maxErrorKm is the error given to a toponym with no answer: half the
// Earth's circumference, the worst a point can be.
const maxErrorKm = 20038

// NewsDoc is one gold text with its annotated place mentions.
type NewsDoc struct {
	ID, Text string
	Places   []NewsPlace
}

// NewsPlace is one annotated mention.
type NewsPlace struct {
	Surface    string
	Start, End int    // byte offsets in NewsDoc.Text
	Ref        string // A0:ISO3, A1:ISO3166-2, C:FIPS, P:lon,lat:ISO3166-2 or R:lon,lat
	Lon, Lat   float64
}

// Class is the kind of place the reference names: country, us-state,
// admin1, county, city or region.
func (p NewsPlace) Class() string {
	switch {
	case strings.HasPrefix(p.Ref, "A0:"):
		return "country"
	case strings.HasPrefix(p.Ref, "A1:US-"):
		return "us-state"
	case strings.HasPrefix(p.Ref, "A1:"):
		return "admin1"
	case strings.HasPrefix(p.Ref, "C:"):
		return "county"
	case strings.HasPrefix(p.Ref, "P:"):
		return "city"
	}
	return "region"
}

// ReadNewsDocs parses a news gold file: "doc<TAB>id<TAB>text" lines, each
// followed by "<TAB>surface<TAB>ref" lines; a surface may end in "#N" for
// its Nth occurrence in the text. Points of P: and R: references are read
// here; A0:, A1: and C: references get theirs from ResolveNewsRefs.
func ReadNewsDocs(r io.Reader) ([]NewsDoc, error) {
	var docs []NewsDoc
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimRight(sc.Text(), "\r")
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		f := strings.Split(text, "\t")
		switch {
		case len(f) == 3 && f[0] == "doc":
			docs = append(docs, NewsDoc{ID: f[1], Text: f[2]})
		case len(f) == 3 && f[0] == "" && len(docs) > 0:
			d := &docs[len(docs)-1]
			p, err := newsPlace(d, f[1], f[2])
			if err != nil {
				return nil, fmt.Errorf("ingest: news gold line %d: %w", line, err)
			}
			d.Places = append(d.Places, p)
		default:
			return nil, fmt.Errorf("ingest: news gold line %d: want a doc line or an annotation", line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("ingest: news gold: %w", err)
	}
	return docs, nil
}

func newsPlace(d *NewsDoc, surface, ref string) (NewsPlace, error) {
	nth := 1
	if s, n, ok := strings.Cut(surface, "#"); ok {
		k, err := strconv.Atoi(n)
		if err != nil || k < 1 {
			return NewsPlace{}, fmt.Errorf("bad occurrence %q", surface)
		}
		surface, nth = s, k
	}
	at := -1
	for from, k := 0, 0; k < nth; k++ {
		i := strings.Index(d.Text[from:], surface)
		if i < 0 {
			return NewsPlace{}, fmt.Errorf("%s: %q (occurrence %d) is not in the text", d.ID, surface, nth)
		}
		at = from + i
		from = at + len(surface)
	}
	p := NewsPlace{Surface: surface, Start: at, End: at + len(surface), Ref: ref}
	kind, rest, _ := strings.Cut(ref, ":")
	switch kind {
	case "A0", "A1", "C":
		if rest == "" {
			return p, fmt.Errorf("%s: empty reference %q", d.ID, ref)
		}
	case "P", "R":
		parts := strings.Split(rest, ":")
		if kind == "P" && len(parts) != 2 || kind == "R" && len(parts) != 1 {
			return p, fmt.Errorf("%s: bad reference %q", d.ID, ref)
		}
		lon, lat, _ := strings.Cut(parts[0], ",")
		x, err1 := strconv.ParseFloat(lon, 64)
		y, err2 := strconv.ParseFloat(lat, 64)
		if err1 != nil || err2 != nil || math.Abs(x) > 180 || math.Abs(y) > 90 {
			return p, fmt.Errorf("%s: bad coordinates in %q", d.ID, ref)
		}
		p.Lon, p.Lat = x, y
	default:
		return p, fmt.Errorf("%s: unknown reference kind %q", d.ID, ref)
	}
	return p, nil
}

// ReadNewsRefs reads testdata/gold/news_refs.tsv: ref, lon, lat.
func ReadNewsRefs(r io.Reader) (map[string]orb.Point, error) {
	out := map[string]orb.Point{}
	err := readTSV(r, "ref", 3, func(line int, f []string) error {
		x, err1 := strconv.ParseFloat(f[1], 64)
		y, err2 := strconv.ParseFloat(f[2], 64)
		if err1 != nil || err2 != nil {
			return fmt.Errorf("bad coordinates %q %q", f[1], f[2])
		}
		out[f[0]] = orb.Point{x, y}
		return nil
	})
	return out, err
}

// ResolveNewsRefs fills the points of A0:, A1: and C: references from refs.
func ResolveNewsRefs(docs []NewsDoc, refs map[string]orb.Point) error {
	for i := range docs {
		for j := range docs[i].Places {
			p := &docs[i].Places[j]
			if strings.HasPrefix(p.Ref, "P:") || strings.HasPrefix(p.Ref, "R:") {
				continue
			}
			pt, ok := refs[p.Ref]
			if !ok {
				return fmt.Errorf("ingest: news gold %s: no point for %s; run go test ./ingest -run TestNewsRefs -update-gold", docs[i].ID, p.Ref)
			}
			p.Lon, p.Lat = pt[0], pt[1]
		}
	}
	return nil
}

// Geocoding modes of EvalNews.
const (
	ModeNameOnly = "name only" // each surface searched alone
	ModeContext  = "context"   // all mentions of a text resolved together, with the text
)

// NewsReport is the geocoding quality on one gold set in one mode.
type NewsReport struct {
	Set, Mode string
	N         int
	Within161 int
	Acc161    float64 // Within161 / N
	MeanKm    float64 // mean error, a missing answer counting maxErrorKm
	MedianKm  float64
	// AUC is the area under the curve of log error (Gritta et al. 2018):
	// the mean of ln(1+km)/ln(1+maxErrorKm); 0 is perfect, 1 the worst.
	AUC float64
	// ByClass counts [within 161 km, total] per NewsPlace.Class.
	ByClass map[string][2]int
	Misses  []GeocoderMiss
}

// ClassAcc returns the Acc@161km of the named classes together.
func (r NewsReport) ClassAcc(classes ...string) (float64, int) {
	var ok, n int
	for _, c := range classes {
		ok += r.ByClass[c][0]
		n += r.ByClass[c][1]
	}
	if n == 0 {
		return 0, 0
	}
	return float64(ok) / float64(n), n
}

// EvalNews geocodes every annotated mention of docs in the given mode and
// measures the distance from the answer to the truth.
func EvalNews(g *gazetteer.Gazetteer, set string, docs []NewsDoc, mode string) NewsReport {
	rep := NewsReport{Set: set, Mode: mode, ByClass: map[string][2]int{}}
	var errs []float64
	for _, d := range docs {
		answers := make([]*gazetteer.Candidate, len(d.Places))
		if mode == ModeContext {
			ms := make([]gazetteer.Mention, len(d.Places))
			for i, p := range d.Places {
				ms[i] = gazetteer.Mention{Text: p.Surface, Start: p.Start, End: p.End}
			}
			for i, r := range g.ResolveDocument(gazetteer.Document{Mentions: ms, Text: d.Text}) {
				if c, ok := r.Place(); ok {
					answers[i] = &c
				}
			}
		} else {
			for i, p := range d.Places {
				if cs := g.Search(gazetteer.Query{Text: p.Surface, Limit: 1}); len(cs) > 0 {
					answers[i] = &cs[0]
				}
			}
		}
		for i, p := range d.Places {
			km, got := float64(maxErrorKm), ""
			if c := answers[i]; c != nil {
				km = distanceKm(c.Point(), orb.Point{p.Lon, p.Lat})
				got = fmt.Sprintf("%s (%s %s)", c.Name, c.Kind, c.Country)
			}
			errs = append(errs, km)
			cl := rep.ByClass[p.Class()]
			cl[1]++
			if km <= AccuracyKm {
				rep.Within161++
				cl[0]++
			} else {
				rep.Misses = append(rep.Misses, GeocoderMiss{Query: d.ID + " " + p.Surface, Want: p.Ref, Got: got, Km: km})
			}
			rep.ByClass[p.Class()] = cl
		}
	}
	rep.N = len(errs)
	if rep.N == 0 {
		return rep
	}
	var sum, auc float64
	for _, e := range errs {
		sum += e
		auc += math.Log1p(e) / math.Log1p(maxErrorKm)
	}
	rep.Acc161 = float64(rep.Within161) / float64(rep.N)
	rep.MeanKm = sum / float64(rep.N)
	rep.AUC = auc / float64(rep.N)
	slices.Sort(errs)
	rep.MedianKm = errs[rep.N/2]
	if rep.N%2 == 0 {
		rep.MedianKm = (errs[rep.N/2-1] + errs[rep.N/2]) / 2
	}
	return rep
}

// RecognitionReport is how well the recogniser finds the annotated place
// mentions of a gold set: a found mention is right when it overlaps an
// annotated one (each annotation counted once).
type RecognitionReport struct {
	Set               string
	Gold, Found, TP   int
	Precision, Recall float64
	Missed, Spurious  []string
}

// EvalRecognition runs the extractor's recogniser over docs.
func EvalRecognition(x *Extractor, set string, docs []NewsDoc) RecognitionReport {
	rep := RecognitionReport{Set: set}
	for _, d := range docs {
		sents := splitSentences(d.Text, maxSentences)
		found := x.places(d.Text, sents)
		rep.Gold += len(d.Places)
		rep.Found += len(found)
		used := make([]bool, len(d.Places))
		for _, f := range found {
			hit := false
			for k, p := range d.Places {
				if !used[k] && f.Start < p.End && p.Start < f.End {
					used[k], hit = true, true
					rep.TP++
					break
				}
			}
			if !hit {
				rep.Spurious = append(rep.Spurious, d.ID+" "+f.Text)
			}
		}
		for k, p := range d.Places {
			if !used[k] {
				rep.Missed = append(rep.Missed, d.ID+" "+p.Surface)
			}
		}
	}
	if rep.Found > 0 {
		rep.Precision = float64(rep.TP) / float64(rep.Found)
	}
	if rep.Gold > 0 {
		rep.Recall = float64(rep.TP) / float64(rep.Gold)
	}
	return rep
}
