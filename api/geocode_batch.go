package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/geo/gazetteer"
	"github.com/paulmach/orb"
)

// Limits of POST /geocode. More names or a longer text is a 413.
const (
	maxBatchNames     = gazetteer.MaxMentions
	maxBatchTextBytes = gazetteer.MaxDocumentBytes
	maxBatchBodyBytes = 2 << 20
	defaultBatchCands = 3
	maxBatchLimit     = gazetteer.MaxLimit
	maxBatchNameBytes = gazetteer.MaxQueryBytes
)

// batchRequest is the body of POST /geocode.
type batchRequest struct {
	Names   []string    `json:"names"`
	Text    string      `json:"text"`
	Country string      `json:"country"`
	Near    *[2]float64 `json:"near"`
	Limit   int         `json:"limit"`
}

// toponymBody is one resolved name on the wire (POST /geocode, and the
// places member of POST /extract).
type toponymBody struct {
	Text       string      `json:"text"`
	Start      *int        `json:"start"`
	End        *int        `json:"end"`
	Place      *placeBody  `json:"place"`
	Confidence float64     `json:"confidence"`
	Reason     string      `json:"reason"`
	Candidates []placeBody `json:"candidates"`
}

// placeBody is one candidate place on the wire.
type placeBody struct {
	ID         string      `json:"id"`
	Name       string      `json:"name"`
	Kind       string      `json:"kind"`
	Code       string      `json:"code,omitempty"`
	Country    string      `json:"country,omitempty"`
	Admin1Name string      `json:"admin1_name,omitempty"`
	Lon        float64     `json:"lon"`
	Lat        float64     `json:"lat"`
	BBox       *[4]float64 `json:"bbox,omitempty"`
	Population int         `json:"population"`
	Precision  string      `json:"precision"`
	Match      string      `json:"match"`
	Score      float64     `json:"score"`
}

// placeID is the stable id of a gazetteer place on the wire:
// geonames:ID for towns, site:N for curated sites, KIND:CODE for areas.
func placeID(p gazetteer.Place) string {
	switch {
	case p.IsArea():
		return p.Kind + ":" + p.Code
	case p.Site():
		return "site:" + strconv.FormatInt(-p.ID, 10)
	}
	return "geonames:" + strconv.FormatInt(p.ID, 10)
}

func placeBodyOf(c gazetteer.Candidate) placeBody {
	b := placeBody{ID: placeID(c.Place), Name: c.Name, Kind: c.Kind, Code: c.Code, Country: c.Country, Admin1Name: c.Admin1Name,
		Lon: round6(c.Lon), Lat: round6(c.Lat), Population: c.Population, Precision: c.Precision, Match: c.Match,
		Score: math.Round(c.Score*1000) / 1000}
	if c.Bound != nil {
		b.BBox = &[4]float64{round6(c.Bound.Min[0]), round6(c.Bound.Min[1]), round6(c.Bound.Max[0]), round6(c.Bound.Max[1])}
	}
	return b
}

// toponymBodies converts resolved names, with offsets when withOffsets.
func toponymBodies(rs []gazetteer.Resolved, withOffsets bool, limit int) []toponymBody {
	out := make([]toponymBody, 0, len(rs))
	for _, r := range rs {
		t := toponymBody{Text: r.Text, Confidence: r.Confidence, Reason: r.Reason, Candidates: []placeBody{}}
		if withOffsets && r.End > r.Start {
			start, end := r.Start, r.End
			t.Start, t.End = &start, &end
		}
		if c, ok := r.Place(); ok {
			p := placeBodyOf(c)
			t.Place = &p
		}
		for i, c := range r.Candidates {
			if i >= limit {
				break
			}
			t.Candidates = append(t.Candidates, placeBodyOf(c))
		}
		out = append(out, t)
	}
	return out
}

// geocodeBatch answers POST /geocode: many names resolved together, with
// an optional text they come from (for offsets, "X, Y" patterns and the
// division words around them), or a text alone whose place names the
// recogniser finds. The body is JSON {"names": [...], "text": "...",
// "country": "ISO3", "near": [lon, lat], "limit": N}; more than
// maxBatchNames names or a text over maxBatchTextBytes is a 413.
func (s *server) geocodeBatch(c *gin.Context) error {
	if s.geo == nil {
		return incidentmap.Errorf(incidentmap.ENOTFOUND, "geocoding is not enabled")
	}
	req, err := readBatchRequest(c)
	if err != nil {
		return err
	}
	g, err := s.geo.Gazetteer()
	if err != nil {
		return err
	}
	doc := gazetteer.Document{Text: req.Text, Country: req.Country}
	if req.Near != nil {
		doc.Near = &orb.Point{req.Near[0], req.Near[1]}
	}
	var rs []gazetteer.Resolved
	withOffsets := req.Text != ""
	if len(req.Names) == 0 {
		x, err := s.extractor()
		if err != nil {
			return err
		}
		rs = x.PlacesNear(req.Text, req.Country, doc.Near)
	} else {
		doc.Mentions = mentionsIn(req.Text, req.Names)
		rs = g.ResolveDocument(doc)
	}
	writeJSON(c, http.StatusOK, gin.H{"toponyms": toponymBodies(rs, withOffsets, req.Limit), "attribution": gazetteer.Attribution})
	return nil
}

// readBatchRequest decodes and checks the body of POST /geocode.
func readBatchRequest(c *gin.Context) (batchRequest, error) {
	var req batchRequest
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxBatchBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return req, incidentmap.Errorf(codeTooLarge, "the request body is larger than %d bytes", maxBatchBodyBytes)
		}
		return req, incidentmap.Invalidf("body", "could not be read")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return req, incidentmap.Invalidf("body", `must be JSON {"names": ["Dublin", "Ohio"], "text": "…", "country": "USA", "near": [lon, lat], "limit": 3}`)
	}
	switch {
	case len(req.Names) > maxBatchNames:
		return req, incidentmap.Errorf(codeTooLarge, "names: %d names, more than the %d one request may resolve", len(req.Names), maxBatchNames)
	case len(req.Text) > maxBatchTextBytes:
		return req, incidentmap.Errorf(codeTooLarge, "text: %d bytes, more than %d", len(req.Text), maxBatchTextBytes)
	case len(req.Names) == 0 && strings.TrimSpace(req.Text) == "":
		return req, incidentmap.Invalidf("names", "give names, a text, or both")
	case req.Country != "" && !incidentmap.ValidCountry(req.Country):
		return req, incidentmap.Invalidf("country", "must be an ISO 3166-1 alpha-3 code, got %q", clip(req.Country))
	case req.Near != nil && !incidentmap.ValidLonLat([2]float64(*req.Near)):
		return req, incidentmap.Invalidf("near", "must be [lon, lat] in WGS 84")
	case req.Limit < 0 || req.Limit > gazetteer.MaxLimit:
		return req, incidentmap.Invalidf("limit", "must be 1 to %d candidates per name", gazetteer.MaxLimit)
	}
	if req.Limit == 0 {
		req.Limit = defaultBatchCands
	}
	if hasControlText(req.Text) {
		return req, incidentmap.Invalidf("text", "contains control characters other than tab and line breaks")
	}
	for i, n := range req.Names {
		if err := (gazetteer.Query{Text: n}).Validate(); err != nil {
			var qe *gazetteer.QueryError
			if errors.As(err, &qe) {
				return req, incidentmap.Invalidf(fmt.Sprintf("names[%d]", i), "%s", qe.Problem)
			}
			return req, err
		}
	}
	return req, nil
}

// hasControlText reports control characters other than tab, CR and LF.
func hasControlText(s string) bool {
	for _, r := range s {
		if (r < ' ' && r != '\t' && r != '\n' && r != '\r') || r == 0x7f || r >= 0x80 && r < 0xa0 {
			return true
		}
	}
	return false
}

// mentionsIn gives each name its offsets in text: the next occurrence
// after the previous name's, or the first anywhere; none when absent.
func mentionsIn(text string, names []string) []gazetteer.Mention {
	ms := make([]gazetteer.Mention, len(names))
	from := 0
	for i, n := range names {
		ms[i] = gazetteer.Mention{Text: n}
		if text == "" {
			continue
		}
		at := strings.Index(text[from:], n)
		if at >= 0 {
			at += from
		} else {
			at = strings.Index(text, n)
		}
		if at >= 0 {
			ms[i].Start, ms[i].End = at, at+len(n)
			from = at + len(n)
		}
	}
	return ms
}
