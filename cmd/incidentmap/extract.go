package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/ingest"
)

// extractCommand prints the draft incidents an article yields, as GeoJSON
// for a person to review; nothing is stored.
func extractCommand(args []string, stdout, stderr io.Writer, now func() time.Time) error {
	fs := flag.NewFlagSet("extract", flag.ContinueOnError)
	fs.SetOutput(stderr)
	published := fs.String("published", "", "publication date YYYY-MM-DD that relative dates resolve against (default today)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("extract needs one ARTICLE file (or - for standard input)")
	}
	day := now().UTC().Truncate(24 * time.Hour)
	if *published != "" {
		var err error
		if day, err = time.Parse(time.DateOnly, *published); err != nil {
			return fmt.Errorf("--published must be YYYY-MM-DD, got %q", *published)
		}
	}
	text, err := readArticle(fs.Arg(0))
	if err != nil {
		return err
	}
	x, err := newExtractor()
	if err != nil {
		return err
	}
	ex, err := x.Extract(text, day)
	if err != nil {
		return err
	}
	_, err = stdout.Write(append(ex.FeatureCollection(), '\n'))
	return err
}

func readArticle(name string) (string, error) {
	var r io.Reader = os.Stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return "", err
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, ingest.MaxArticleBytes+1))
	return string(b), err
}

func newExtractor() (*ingest.Extractor, error) {
	var data geo.Data
	g, err := data.Gazetteer()
	if err != nil {
		return nil, err
	}
	r, err := data.Regions()
	if err != nil {
		return nil, err
	}
	return ingest.NewExtractor(g, r), nil
}

// evalCommand measures the geocoder and the extractor against the gold
// sets (see ingest/testdata/gold/README.md) and prints the numbers the
// README reports.
func evalCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	gold := fs.String("gold", filepath.Join("ingest", "testdata", "gold"), "folder with the news gold sets, places.tsv and seed_incidents.tsv")
	articles := fs.String("articles", filepath.Join("..", "shared", "seeds"), "folder with the seed articles")
	misses := fs.Bool("misses", false, "list the dev sets' geocoding misses")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var data geo.Data
	g, err := data.Gazetteer()
	if err != nil {
		return err
	}
	r, err := data.Regions()
	if err != nil {
		return err
	}
	f, err := os.Open(filepath.Join(*gold, "places.tsv"))
	if err != nil {
		return err
	}
	places, err := ingest.ReadGoldPlaces(f)
	f.Close()
	if err != nil {
		return err
	}
	if err := evalNews(stdout, *gold, ingest.NewExtractor(g, r), *misses); err != nil {
		return err
	}
	for _, run := range []struct {
		name string
		rep  ingest.GeocoderReport
	}{{"no hint", ingest.EvalGeocoder(g, places)}, {"country hint", ingest.EvalGeocoderInCountry(g, places)}} {
		fmt.Fprintf(stdout, "self-lookup regression, GeoNames names of Afghan and Iraqi places (%s): %d queries, %d within %d km (%.1f%%), median error %.2f km, same GeoNames place %d\n",
			run.name, run.rep.N, run.rep.Within161km, ingest.AccuracyKm, 100*run.rep.Accuracy161, run.rep.MedianKm, run.rep.SameID)
		for _, m := range run.rep.Misses {
			fmt.Fprintf(stdout, "  miss: %q → %s, want %s (%.0f km)\n", m.Query, m.Got, m.Want, m.Km)
		}
	}
	f, err = os.Open(filepath.Join(*gold, "seed_incidents.tsv"))
	if err != nil {
		return err
	}
	incidents, err := ingest.ReadGoldIncidents(f)
	f.Close()
	if err != nil {
		return err
	}
	arts, err := ingest.ReadSeedArticles(*articles, incidents)
	if err != nil {
		return err
	}
	if len(arts) == 0 {
		fmt.Fprintf(stdout, "extractor: no seed articles in %s; skipped\n", *articles)
		return nil
	}
	rep, err := ingest.EvalExtractor(ingest.NewExtractor(g, r), arts, incidents)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "extractor: %d articles, TP %d, FP %d, FN %d, precision %.2f, recall %.2f\n",
		len(arts), rep.TP, rep.FP, rep.FN, rep.Precision, rep.Recall)
	for _, s := range rep.Spurious {
		fmt.Fprintf(stdout, "  spurious: %s\n", s)
	}
	for _, s := range rep.Missed {
		fmt.Fprintf(stdout, "  missed: %s\n", s)
	}
	return nil
}

// evalNews prints the news gold sets' geocoding table (Acc@161km, mean
// and median error, AUC of log error; name only and with document
// context) and the recogniser's precision and recall.
func evalNews(stdout io.Writer, gold string, x *ingest.Extractor, misses bool) error {
	rf, err := os.Open(filepath.Join(gold, "news_refs.tsv"))
	if err != nil {
		return err
	}
	refs, err := ingest.ReadNewsRefs(rf)
	rf.Close()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%-9s %-9s %4s %8s %9s %9s %6s %s\n", "set", "mode", "N", "Acc@161", "mean km", "median km", "AUC", "countries+US states")
	var recog []ingest.RecognitionReport
	for _, set := range []struct{ name, file string }{{"dev", "news_dev.txt"}, {"dev2", "news_heldout.txt"}, {"held-out", "news_heldout2.txt"}} {
		f, err := os.Open(filepath.Join(gold, set.file))
		if err != nil {
			return err
		}
		docs, err := ingest.ReadNewsDocs(f)
		f.Close()
		if err == nil {
			err = ingest.ResolveNewsRefs(docs, refs)
		}
		if err != nil {
			return err
		}
		for _, mode := range []string{ingest.ModeNameOnly, ingest.ModeContext} {
			rep := ingest.EvalNews(x.Gazetteer(), set.name, docs, mode)
			acc, n := rep.ClassAcc("country", "us-state")
			fmt.Fprintf(stdout, "%-9s %-9s %4d %8.3f %9.0f %9.1f %6.3f %.3f of %d\n", set.name, mode, rep.N, rep.Acc161, rep.MeanKm, rep.MedianKm, rep.AUC, acc, n)
			if misses && strings.HasPrefix(set.name, "dev") {
				for _, m := range rep.Misses {
					fmt.Fprintf(stdout, "  miss: %s → %s, want %s (%.0f km)\n", m.Query, m.Got, m.Want, m.Km)
				}
			}
		}
		recog = append(recog, ingest.EvalRecognition(x, set.name, docs))
	}
	for _, r := range recog {
		fmt.Fprintf(stdout, "recogniser %-9s gold %d found %d right %d precision %.3f recall %.3f\n", r.Set, r.Gold, r.Found, r.TP, r.Precision, r.Recall)
	}
	return nil
}
