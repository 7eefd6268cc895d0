package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/incidentmap/incidentmap"
)

// gdeltColumns names the 61 tab-separated columns of a GDELT 2.0 event
// export, which has no header row.
var gdeltColumns = strings.Fields(`GLOBALEVENTID SQLDATE MonthYear Year FractionDate
	Actor1Code Actor1Name Actor1CountryCode Actor1KnownGroupCode Actor1EthnicCode Actor1Religion1Code
	Actor1Religion2Code Actor1Type1Code Actor1Type2Code Actor1Type3Code
	Actor2Code Actor2Name Actor2CountryCode Actor2KnownGroupCode Actor2EthnicCode Actor2Religion1Code
	Actor2Religion2Code Actor2Type1Code Actor2Type2Code Actor2Type3Code
	IsRootEvent EventCode EventBaseCode EventRootCode QuadClass GoldsteinScale NumMentions NumSources
	NumArticles AvgTone
	Actor1Geo_Type Actor1Geo_FullName Actor1Geo_CountryCode Actor1Geo_ADM1Code Actor1Geo_ADM2Code
	Actor1Geo_Lat Actor1Geo_Long Actor1Geo_FeatureID
	Actor2Geo_Type Actor2Geo_FullName Actor2Geo_CountryCode Actor2Geo_ADM1Code Actor2Geo_ADM2Code
	Actor2Geo_Lat Actor2Geo_Long Actor2Geo_FeatureID
	ActionGeo_Type ActionGeo_FullName ActionGeo_CountryCode ActionGeo_ADM1Code ActionGeo_ADM2Code
	ActionGeo_Lat ActionGeo_Long ActionGeo_FeatureID DATEADDED SOURCEURL`)

// gdeltGeoType maps ActionGeo_Type onto our location precision: 1 a
// country, 2 a US state, 3 a US city, 4 a city elsewhere, 5 a first-order
// division elsewhere. 0 (or empty) means GDELT could not place the event.
var gdeltGeoType = map[string]incidentmap.LocationPrecision{
	"1": incidentmap.LocationCountry, "2": incidentmap.LocationProvince, "3": incidentmap.LocationCity,
	"4": incidentmap.LocationCity, "5": incidentmap.LocationProvince,
}

// cameoRoots names the 20 CAMEO root event codes.
var cameoRoots = map[string]string{
	"01": "Public statement", "02": "Appeal", "03": "Intent to cooperate", "04": "Consultation",
	"05": "Diplomatic cooperation", "06": "Material cooperation", "07": "Aid", "08": "Concession",
	"09": "Investigation", "10": "Demand", "11": "Disapproval", "12": "Rejection", "13": "Threat",
	"14": "Protest", "15": "Show of force", "16": "Reduced relations", "17": "Coercion",
	"18": "Assault", "19": "Fight", "20": "Mass violence",
}

// cameoToACLED crosswalks a CAMEO event code to an ACLED event type and
// sub-event type; see README "Import and export" for the table.
func cameoToACLED(code string) (eventType, subEventType string) {
	const (
		vac = "Violence against civilians"
		erv = "Explosions/Remote violence"
		sd  = "Strategic developments"
	)
	switch {
	case strings.HasPrefix(code, "145"):
		return "Riots", "Violent demonstration"
	case strings.HasPrefix(code, "14"):
		return "Protests", "Peaceful protest"
	case strings.HasPrefix(code, "181"):
		return vac, "Abduction/forced disappearance"
	case code == "1821":
		return vac, "Sexual violence"
	case code == "1831":
		return erv, "Suicide bomb"
	case strings.HasPrefix(code, "183"):
		return erv, "Remote explosive/landmine/IED"
	case strings.HasPrefix(code, "18"):
		return vac, "Attack"
	case strings.HasPrefix(code, "191"):
		return sd, "Other"
	case strings.HasPrefix(code, "192"):
		return "Battles", ""
	case strings.HasPrefix(code, "194"):
		return erv, "Shelling/artillery/missile attack"
	case strings.HasPrefix(code, "195"):
		return erv, "Air/drone strike"
	case strings.HasPrefix(code, "19"):
		return "Battles", "Armed clash"
	case strings.HasPrefix(code, "20"):
		return erv, ""
	case strings.HasPrefix(code, "173"):
		return sd, "Arrests"
	}
	return sd, "Other"
}

// gdeltTargetTypes maps CAMEO actor type codes of Actor2 onto target types.
var gdeltTargetTypes = map[string]incidentmap.TargetType{
	"GOV": incidentmap.TargetGovernment, "COP": incidentmap.TargetGovernment, "JUD": incidentmap.TargetGovernment,
	"LEG": incidentmap.TargetGovernment, "MIL": incidentmap.TargetMilitary, "CVL": incidentmap.TargetCivilian,
	"REL": incidentmap.TargetReligiousSite, "IGO": incidentmap.TargetIntlOrganisation,
}

// gdeltReader reads a GDELT 2.0 event export line by line.
type gdeltReader struct {
	r    *bufio.Reader
	opt  Options
	line int
	t    table // fields by name, for the row function
}

func newGDELTReader(r io.Reader, opt Options) *gdeltReader {
	g := &gdeltReader{r: bufio.NewReaderSize(r, 64<<10), opt: opt}
	g.t.header = gdeltColumns
	g.t.index = map[string]int{}
	for i, c := range gdeltColumns {
		g.t.index[c] = i
	}
	return g
}

func (g *gdeltReader) next() (record, error) {
	line, err := g.readLine()
	if err != nil {
		return record{}, err
	}
	g.line++
	rec := record{line: g.line}
	fields := strings.Split(string(line), "\t")
	switch {
	case !utf8.Valid(line):
		rec.err = incidentmap.Invalidf("line", "is not UTF-8 text")
	case len(fields) != len(gdeltColumns):
		rec.err = incidentmap.Invalidf("line", "has %d tab-separated fields; a GDELT 2.0 event export has %d", len(fields), len(gdeltColumns))
	default:
		g.t.rec = fields
		var hasPoint bool
		rec.inc, hasPoint, rec.err = gdeltRow(&g.t, g.opt)
		if rec.err == nil {
			rec.notes, rec.err = g.opt.completeIncident(rec.inc, hasPoint)
		}
		if rec.err == nil {
			rec.err = rec.inc.Validate()
		}
		if rec.err != nil && rec.inc != nil && rec.inc.Country == "" && incidentmap.ErrorParam(rec.err) == "country" {
			rec.err = incidentmap.Invalidf("ActionGeo_CountryCode", "%q is a FIPS 10-4 code with no ISO 3166 country (OS is the oceans), and the point %v, %v lies in no country",
				g.t.get("ActionGeo_CountryCode"), rec.inc.Location.Lon(), rec.inc.Location.Lat())
		}
	}
	return rec, nil
}

// readLine reads one line without its end, refusing one longer than
// MaxRecordBytes.
func (g *gdeltReader) readLine() ([]byte, error) {
	var buf []byte
	for {
		part, err := g.r.ReadSlice('\n')
		buf = append(buf, part...)
		switch {
		case len(buf) > MaxRecordBytes:
			return nil, invalid(g.line+1, errRecordTooLarge.Error()+"; nothing after it was read")
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(buf) == 0:
			return nil, io.EOF
		case err != nil && !errors.Is(err, io.EOF):
			return nil, fmt.Errorf("ingest: read: %w", err)
		}
		return bytes.TrimRight(buf, "\r\n"), nil
	}
}

// gdeltRow maps one GDELT event (see README "Import and export").
func gdeltRow(t *table, o Options) (*incidentmap.Incident, bool, error) {
	id := t.get("GLOBALEVENTID")
	if id == "" {
		return nil, false, incidentmap.Invalidf("GLOBALEVENTID", "is empty")
	}
	code := t.get("EventCode")
	inc := &incidentmap.Incident{
		ID:            "gdelt:" + id,
		ExternalIDs:   []string{"gdelt:" + id},
		PlaceName:     t.get("ActionGeo_FullName"),
		Perpetrator:   t.get("Actor1Name"),
		DatePrecision: incidentmap.DateDay,
		Status:        incidentmap.StatusPublished,
		Tags:          []string{"gdelt", "cameo:" + code},
		Country:       fipsToISO(t.get("ActionGeo_CountryCode")),
		TargetType:    incidentmap.TargetOther,
	}
	for _, a := range []string{t.get("Actor1Name"), t.get("Actor2Name")} {
		if a != "" {
			inc.Actors = append(inc.Actors, a)
		}
	}
	if tt, ok := gdeltTargetTypes[t.get("Actor2Type1Code")]; ok {
		inc.TargetType = tt
	}
	inc.EventType, inc.SubEventType = cameoToACLED(code)
	var err error
	if inc.OccurredStart, err = parseDate("SQLDATE", "20060102", t.get("SQLDATE")); err != nil {
		return nil, false, err
	}
	inc.OccurredEnd = inc.OccurredStart
	var ok bool
	if inc.LocationPrecision, ok = gdeltGeoType[t.get("ActionGeo_Type")]; !ok {
		return nil, false, incidentmap.Invalidf("ActionGeo_Type", "is %q: GDELT could not place this event, so it has no location", t.get("ActionGeo_Type"))
	}
	var hasPoint bool
	if inc.Location, hasPoint, err = parsePoint("ActionGeo_Long", t.get("ActionGeo_Long"), "ActionGeo_Lat", t.get("ActionGeo_Lat")); err != nil {
		return nil, false, err
	}
	who := strings.Join(inc.Actors, " and ")
	if who == "" {
		who = "unnamed actors"
	}
	inc.Title = title(fmt.Sprintf("%s (CAMEO %s) involving %s in %s", orDefault(cameoRoots[t.get("EventRootCode")], "Event"), code, who, orDefault(inc.PlaceName, "an unnamed place")))
	inc.Summary = fmt.Sprintf("GDELT event %s: CAMEO code %s, Goldstein scale %s, %s mentions in %s sources, average tone %s.",
		id, code, t.get("GoldsteinScale"), t.get("NumMentions"), t.get("NumSources"), t.get("AvgTone"))
	if u := t.get("SOURCEURL"); strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://") {
		src := incidentmap.Source{URL: u}
		if pu, err := url.Parse(u); err == nil {
			src.Publisher = strings.TrimPrefix(pu.Hostname(), "www.")
		}
		inc.Sources = []incidentmap.Source{src}
	}
	return inc, hasPoint, nil
}
