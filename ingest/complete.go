package ingest

import (
	"fmt"
	"strings"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/geo/gazetteer"
	"github.com/incidentmap/incidentmap/geo/region"
	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
)

// Options says how to read an import and lets it complete records from
// geographic knowledge. With Regions, a record without a country or
// province gets them from its point, and one whose given values disagree
// with its point is noted. With Gazetteer, a record with no point but a
// place name is geocoded.
type Options struct {
	// Format of the input; empty means FormatGeoJSON.
	Format Format
	// Mapping maps the columns of FormatCSV; nil maps columns named as
	// our fields to themselves (what `incidentmap export` writes).
	Mapping *Mapping
	// DryRun counts what the import would do and writes nothing.
	DryRun bool
	// Partial writes the records that are valid when others are
	// rejected; by default one rejected record stops the whole import.
	Partial bool
	// Progress, when set, is called every thousand records and at the end.
	Progress func(Progress)

	Regions *region.Index
	// Gazetteer is called only when a record needs geocoding, so that the
	// gazetteer is loaded only then.
	Gazetteer func() (*gazetteer.Gazetteer, error)
}

// AmbiguityKm is how far apart the two best candidates for a place name
// must be, with scores within AmbiguityScore of each other, for the name to
// count as ambiguous: then the import names the candidates instead of
// choosing one.
const (
	AmbiguityKm    = 25
	AmbiguityScore = 1.0
)

// locate sets a missing country and province of inc from its point, and
// notes given values that disagree with it. A point that stands for a
// whole country (location_precision country) gets no province: it lies in
// some province only by accident.
func (o Options) locate(inc *incidentmap.Incident) []string {
	country, admin1 := o.Regions.Locate(inc.Location)
	var notes []string
	switch given := inc.Country; {
	case country == nil:
	case given == "":
		inc.Country = country.Code
	case given != country.Code:
		notes = append(notes, fmt.Sprintf("conflict: country %s disagrees with the point, which lies in %s", given, country.Code))
	}
	if admin1 == nil || inc.LocationPrecision == incidentmap.LocationCountry {
		return notes
	}
	switch given := inc.Admin1Code; {
	case given == "" && (inc.Country == "" || inc.Country == admin1.Country):
		inc.Admin1Code = admin1.Code
		if inc.Admin1Name == "" {
			inc.Admin1Name = admin1.Name
		}
	case given != "" && given != admin1.Code:
		notes = append(notes, fmt.Sprintf("conflict: admin1_code %s disagrees with the point, which lies in %s (%s)", given, admin1.Code, admin1.Name))
	}
	return notes
}

// geocode resolves a place name, refusing to guess between far-apart
// candidates of similar score.
func (o Options) geocode(name, country string) (gazetteer.Candidate, string, error) {
	if o.Gazetteer == nil {
		return gazetteer.Candidate{}, "", incidentmap.Invalidf("geometry", "is missing, and this import does not geocode place names")
	}
	g, err := o.Gazetteer()
	if err != nil {
		return gazetteer.Candidate{}, "", err
	}
	q := gazetteer.Query{Text: name, Limit: 5}
	if incidentmap.ValidCountry(country) {
		q.Country = country
	}
	if err := q.Validate(); err != nil {
		return gazetteer.Candidate{}, "", incidentmap.Invalidf("place_name", "cannot be geocoded: %v", err)
	}
	cands := g.Search(q)
	if len(cands) == 0 {
		return gazetteer.Candidate{}, "", incidentmap.Invalidf("place_name", "%q is not in the gazetteer; give coordinates", name)
	}
	best := cands[0]
	// An area that contains the best candidate is no rival: "Herat" the
	// city lies in Herat province.
	rivals := cands[1:]
	for len(rivals) > 0 && rivals[0].Contains(best) {
		rivals = rivals[1:]
	}
	if len(rivals) > 0 {
		second := rivals[0]
		km := orbgeo.Distance(best.Point(), second.Point()) / 1000
		if best.Score-second.Score < AmbiguityScore && km > AmbiguityKm {
			var list []string
			for _, c := range cands {
				list = append(list, describeCandidate(c))
			}
			return gazetteer.Candidate{}, "", incidentmap.Invalidf("place_name",
				"%q is ambiguous; candidates: %s; give coordinates or a country", name, strings.Join(list, "; "))
		}
	}
	return best, fmt.Sprintf("geocoded place_name %q to %s", name, describeCandidate(best)), nil
}

func describeCandidate(c gazetteer.Candidate) string {
	return fmt.Sprintf("%s (%s, %s) at %.5f,%.5f [%s %d]", c.Name, c.Country, c.Admin1Name, c.Lon, c.Lat, c.Precision, c.ID)
}

// completeIncident is complete for a record that a CSV format made: it
// geocodes the place name when there is no point (hasPoint false), then
// sets country and province from the point. Its notes go to the report;
// its error rejects the record.
func (o Options) completeIncident(inc *incidentmap.Incident, hasPoint bool) ([]string, error) {
	var notes []string
	if !hasPoint {
		if inc.PlaceName == "" {
			return nil, incidentmap.Invalidf("geometry", "must be a Point: there are no coordinates and no place_name to geocode")
		}
		cand, note, err := o.geocode(inc.PlaceName, inc.Country)
		if err != nil {
			return nil, err
		}
		notes = append(notes, note)
		inc.Location = orb.Point{cand.Lon, cand.Lat}
		inc.PlaceName = cand.Name
		if inc.LocationPrecision == "" {
			inc.LocationPrecision = incidentmap.LocationPrecision(cand.Precision)
		}
		if inc.Country == "" {
			inc.Country = cand.Country
		}
	}
	if o.Regions == nil || !incidentmap.ValidLonLat(inc.Location) {
		return notes, nil
	}
	return append(notes, o.locate(inc)...), nil
}
