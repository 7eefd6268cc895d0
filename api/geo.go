package api

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/feature"
	"github.com/incidentmap/incidentmap/geo/gazetteer"
	"github.com/incidentmap/incidentmap/geo/region"
	"github.com/incidentmap/incidentmap/ingest"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// GeoSource gives the embedded gazetteer and boundaries, loading each on
// first use (geo.Data does). A nil GeoSource turns the geocoding and
// regions endpoints off: they answer 404.
type GeoSource interface {
	Regions() (*region.Index, error)
	Gazetteer() (*gazetteer.Gazetteer, error)
}

// Paths of the geographic endpoints.
const (
	geocodePath     = "/geocode"
	extractPath     = "/extract"
	regionsURL      = "/collections/regions"
	regionItemsPath = regionsURL + "/items"
)

// checkParams rejects query parameters other than names, and any given
// more than once (rather than silently taking the first), naming the first.
func checkParams(c *gin.Context, names ...string) error {
	for name, vals := range c.Request.URL.Query() {
		if !slices.Contains(names, name) {
			return incidentmap.Invalidf(clip(name), "is not a query parameter of this endpoint; it takes %s", strings.Join(names, ", "))
		}
		if len(vals) > 1 {
			return incidentmap.Invalidf(name, "must be given at most once")
		}
	}
	return nil
}

// regionFilter turns region codes into one condition: the incident lies in
// one of the regions' boundaries. An unknown code is a 400 naming region.
func (s *server) regionFilter(codes []string) (incidentmap.Expr, error) {
	if s.geo == nil {
		return nil, incidentmap.Invalidf("region", "regions are not enabled on this server")
	}
	ix, err := s.geo.Regions()
	if err != nil {
		return nil, err
	}
	var any []incidentmap.Expr
	for _, code := range codes {
		r, ok := ix.Get(code)
		if !ok {
			return nil, incidentmap.Invalidf("region", "no region %q; see %s", code, regionItemsPath)
		}
		any = append(any, incidentmap.Spatial{Op: incidentmap.SIntersects, Prop: "location", Geometry: r.Geometry})
	}
	if len(any) == 1 {
		return any[0], nil
	}
	return incidentmap.Or{Args: any}, nil
}

// geocode answers GET /geocode?q=NAME[&country=ISO3][&near=lon,lat][&limit=N]
// with the gazetteer's candidates as a GeoJSON FeatureCollection, best
// first. Each candidate carries its kind (city, site, country, admin1,
// admin2, region, continent), code and box for areas, its score, which
// name matched, its precision and, below country level, the ISO 3166-2
// province its point lies in.
func (s *server) geocode(c *gin.Context) error {
	if s.geo == nil {
		return incidentmap.Errorf(incidentmap.ENOTFOUND, "geocoding is not enabled")
	}
	if err := checkParams(c, "q", "country", "near", "limit"); err != nil {
		return err
	}
	q := gazetteer.Query{Text: c.Query("q"), Country: c.Query("country"), Limit: 5}
	if strings.TrimSpace(q.Text) == "" {
		return incidentmap.Invalidf("q", "is required: a place name such as Herat")
	}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > gazetteer.MaxLimit {
			return incidentmap.Invalidf("limit", "must be an integer from 1 to %d", gazetteer.MaxLimit)
		}
		q.Limit = n
	}
	if v := c.Query("near"); v != "" {
		p, ok := parseLonLat(v)
		if !ok {
			return incidentmap.Invalidf("near", "must be lon,lat in WGS 84, got %q", clip(v))
		}
		q.Near = &p
	}
	if err := q.Validate(); err != nil {
		var qe *gazetteer.QueryError
		if errors.As(err, &qe) {
			param := map[string]string{"text": "q"}[qe.Field]
			if param == "" {
				param = qe.Field
			}
			return incidentmap.Invalidf(param, "%s", qe.Problem)
		}
		return err
	}
	g, err := s.geo.Gazetteer()
	if err != nil {
		return err
	}
	regions, err := s.geo.Regions()
	if err != nil {
		return err
	}
	fc := geojson.NewFeatureCollection()
	for _, cand := range g.Search(q) {
		f := geojson.NewFeature(orb.Point{round6(cand.Lon), round6(cand.Lat)})
		f.ID = placeID(cand.Place)
		if cand.Bound != nil {
			f.BBox = geojson.BBox{round6(cand.Bound.Min[0]), round6(cand.Bound.Min[1]), round6(cand.Bound.Max[0]), round6(cand.Bound.Max[1])}
		}
		f.Properties["name"] = cand.Name
		f.Properties["kind"] = cand.Kind
		if cand.Code != "" {
			f.Properties["code"] = cand.Code
		}
		f.Properties["country"] = cand.Country
		f.Properties["admin1_code"], f.Properties["admin1_name"] = nil, nilIfEmpty(cand.Admin1Name)
		switch cand.Kind {
		case gazetteer.KindCountry, gazetteer.KindRegion, gazetteer.KindContinent:
			f.Properties["admin1_name"] = nil // larger than any province
		default:
			if _, admin1 := regions.Locate(cand.Point()); admin1 != nil {
				f.Properties["admin1_code"], f.Properties["admin1_name"] = admin1.Code, admin1.Name
			}
		}
		f.Properties["feature_code"] = cand.FeatureCode
		f.Properties["population"] = cand.Population
		f.Properties["precision"] = cand.Precision
		f.Properties["match"] = cand.Match
		f.Properties["score"] = math.Round(cand.Score*1000) / 1000
		if cand.Source != "" {
			f.Properties["source"] = cand.Source
		}
		fc.Append(f)
	}
	fc.ExtraMembers = geojson.Properties{"attribution": gazetteer.Attribution, "query": q.Text}
	return writeGeoJSON(c, fc)
}

// regionItems answers GET /collections/regions/items with countries
// (level=0) and provinces (level=1) as a FeatureCollection, filterable by
// level and country, in pages of limit (default 100, at most 10,000) with an
// offset cursor — the boundaries are static, so offsets are stable.
func (s *server) regionItems(c *gin.Context) error {
	if s.geo == nil {
		return incidentmap.Errorf(incidentmap.ENOTFOUND, "regions are not enabled")
	}
	if err := checkParams(c, "level", "country", "limit", "cursor"); err != nil {
		return err
	}
	level := -1
	switch v := c.Query("level"); v {
	case "":
	case "0", "1":
		level = int(v[0] - '0')
	default:
		return incidentmap.Invalidf("level", "must be 0 (countries) or 1 (provinces), got %q", clip(v))
	}
	country := c.Query("country")
	if country != "" && !incidentmap.ValidCountry(country) {
		return incidentmap.Invalidf("country", "must be an ISO 3166-1 alpha-3 code, got %q", clip(country))
	}
	limit, offset := 100, 0
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > incidentmap.MaxLimit {
			return incidentmap.Invalidf("limit", "must be an integer from 1 to %d", incidentmap.MaxLimit)
		}
		limit = n
	}
	if v := c.Query("cursor"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return incidentmap.Invalidf("cursor", "is not a cursor this server issued")
		}
		offset = n
	}
	ix, err := s.geo.Regions()
	if err != nil {
		return err
	}
	var all []*region.Region
	for _, lv := range []int{region.LevelCountry, region.LevelProvince} {
		if level == -1 || level == lv {
			all = append(all, ix.All(lv, country)...)
		}
	}
	page := all[min(offset, len(all)):min(offset+limit, len(all))]
	fc := geojson.NewFeatureCollection()
	for _, r := range page {
		fc.Append(regionFeature(r))
	}
	self := s.base(c.Request) + regionItemsPath
	q := c.Request.URL.Query()
	links := []link{{Href: self + encodeQuery(q), Rel: "self", Type: mediaGeoJSON}}
	if offset+limit < len(all) {
		links = append(links, link{Href: self + encodeQuery(withParam(q, "cursor", strconv.Itoa(offset+limit))), Rel: "next", Type: mediaGeoJSON})
	}
	fc.ExtraMembers = geojson.Properties{"numberMatched": len(all), "numberReturned": len(page), "links": links,
		"attribution": "Boundaries from Natural Earth (public domain), simplified"}
	return writeGeoJSON(c, fc)
}

// regionItem answers GET /collections/regions/items/{code}, e.g. AF-HER.
func (s *server) regionItem(c *gin.Context) error {
	if s.geo == nil {
		return incidentmap.Errorf(incidentmap.ENOTFOUND, "regions are not enabled")
	}
	ix, err := s.geo.Regions()
	if err != nil {
		return err
	}
	r, ok := ix.Get(c.Param("id"))
	if !ok {
		return incidentmap.Errorf(incidentmap.ENOTFOUND, "no region with that code; use ISO 3166-1 alpha-3 (AFG) or ISO 3166-2 (AF-HER)")
	}
	return writeGeoJSON(c, regionFeature(r))
}

func regionFeature(r *region.Region) *geojson.Feature {
	f := geojson.NewFeature(r.Geometry)
	f.ID = r.Code
	f.Properties["code"] = r.Code
	f.Properties["name"] = r.Name
	f.Properties["level"] = r.Level
	f.Properties["country"] = r.Country
	return f
}

func writeGeoJSON(c *gin.Context, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	c.Data(http.StatusOK, "application/geo+json", b)
	return nil
}

func parseLonLat(s string) (orb.Point, bool) {
	lon, lat, ok := strings.Cut(s, ",")
	x, err1 := strconv.ParseFloat(strings.TrimSpace(lon), 64)
	y, err2 := strconv.ParseFloat(strings.TrimSpace(lat), 64)
	p := orb.Point{x, y}
	return p, ok && err1 == nil && err2 == nil && incidentmap.ValidLonLat(p)
}

// round6 rounds a coordinate to feature.CoordinateDecimals (6) places.
func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// extractRequest is the body of POST /extract.
type extractRequest struct {
	Text      string `json:"text"`
	Published string `json:"published"`
	// Country is the publication's country (ISO 3166-1 alpha-3), preferred
	// when the places are resolved.
	Country string `json:"country"`
	Source  struct {
		Publisher string `json:"publisher"`
		Title     string `json:"title"`
		URL       string `json:"url"`
	} `json:"source"`
}

// extract answers POST /extract: the draft incidents a news article yields,
// for a person to review. Nothing is stored. The body is JSON
// {"text", "published": "YYYY-MM-DD", "source": {publisher, title, url}};
// the answer is a FeatureCollection of drafts, each with an "evidence"
// member giving the byte offsets of the sentence every field came from,
// a "toponyms" member listing the places drafting considered and how each
// was resolved, and a "places" member with every place mention the
// recogniser found, resolved together (as POST /geocode answers).
func (s *server) extract(c *gin.Context) error {
	if s.geo == nil {
		return incidentmap.Errorf(incidentmap.ENOTFOUND, "extraction is not enabled")
	}
	if err := requireJSON(c); err != nil {
		return err
	}
	var req extractRequest
	if err := s.decodeJSONBody(c, &req, "must be JSON {\"text\": …, \"published\": \"YYYY-MM-DD\", \"source\": {…}}"); err != nil {
		return err
	}
	for _, f := range []struct{ name, v string }{{"text", req.Text}, {"source", req.Source.Publisher}, {"source", req.Source.Title}} {
		if p := incidentmap.CheckText(f.v); p != "" {
			return incidentmap.Invalidf(f.name, "%s", p)
		}
	}
	if strings.TrimSpace(req.Text) == "" {
		return incidentmap.Invalidf("text", "is required: the article text")
	}
	published, err := time.Parse(time.DateOnly, req.Published)
	if err != nil {
		return incidentmap.Invalidf("published", "must be the publication date YYYY-MM-DD, got %q", clip(req.Published))
	}
	if req.Country != "" && !incidentmap.ValidCountry(req.Country) {
		return incidentmap.Invalidf("country", "must be the publication's ISO 3166-1 alpha-3 code, got %q", clip(req.Country))
	}
	src := incidentmap.Source{Publisher: req.Source.Publisher, Title: req.Source.Title, URL: req.Source.URL, PublishedOn: published}
	if src.URL != "" {
		if p := incidentmap.CheckURL(src.URL); p != "" {
			return incidentmap.Invalidf("source", "url %s", p)
		}
	}
	// The slot is taken only now that the body is read: a client that
	// sends its body slowly must not hold one.
	if err := s.gate.acquire(c.Request.Context()); err != nil {
		return err
	}
	defer s.gate.release()
	x, err := s.extractor()
	if err != nil {
		return err
	}
	ex, err := x.Extract(req.Text, published)
	if err != nil {
		return err
	}
	var buf []byte
	buf = append(buf, `{"type":"FeatureCollection","features":[`...)
	for i, d := range ex.Drafts {
		if i > 0 {
			buf = append(buf, ',')
		}
		inc := *d.Incident
		if src.Publisher != "" || src.Title != "" || src.URL != "" {
			inc.Sources = []incidentmap.Source{src}
		}
		f := feature.Append(nil, &inc)
		ev, _ := json.Marshal(d.Evidence)
		buf = append(buf, f[:len(f)-1]...) // reopen the Feature object
		buf = append(buf, `,"evidence":`...)
		buf = append(buf, ev...)
		buf = append(buf, '}')
	}
	top, _ := json.Marshal(ex.Toponyms)
	buf = append(buf, `],"toponyms":`...)
	buf = append(buf, top...)
	if req.Country != "" {
		ex.Places = x.PlacesIn(req.Text, req.Country)
	}
	places, _ := json.Marshal(toponymBodies(ex.Places, true, defaultBatchCands))
	buf = append(buf, `,"places":`...)
	buf = append(buf, places...)
	buf = append(buf, `,"sentences":`...)
	buf = strconv.AppendInt(buf, int64(ex.Sentences), 10)
	buf = append(buf, '}')
	c.Data(http.StatusOK, mediaGeoJSON, buf)
	return nil
}

// extractor returns the shared extractor, built on first use.
func (s *server) extractor() (*ingest.Extractor, error) {
	s.extractorOnce.Do(func() {
		g, err := s.geo.Gazetteer()
		if err != nil {
			s.extractorErr = err
			return
		}
		r, err := s.geo.Regions()
		if err != nil {
			s.extractorErr = err
			return
		}
		s.extractorVal = ingest.NewExtractor(g, r)
	})
	return s.extractorVal, s.extractorErr
}

// regionsCollectionDoc describes the regions collection: the boundaries
// of countries and provinces that region filters use.
func (s *server) regionsCollectionDoc(c *gin.Context) collectionBody {
	base := s.base(c.Request)
	return collectionBody{
		ID:    "regions",
		Title: "Countries and provinces",
		Description: "Boundaries of countries (level 0, ISO 3166-1 alpha-3 codes) and provinces (level 1, ISO 3166-2 codes) " +
			"from Natural Earth (public domain), simplified to 0.005°. The region parameter of the incidents filters by them.",
		Links: []link{
			{Href: base + regionsURL, Rel: "self", Type: mediaJSON},
			{Href: base + regionItemsPath, Rel: relItems, Type: mediaGeoJSON},
		},
		Extent:   &extentBody{Spatial: &spatialExtent{BBox: [][4]float64{{-180, -90, 180, 90}}, CRS: crsCRS84}},
		ItemType: "feature",
		CRS:      []string{crsCRS84},
	}
}

// regionsCollection answers GET /collections/regions.
func (s *server) regionsCollection(c *gin.Context) error {
	if s.geo == nil {
		return incidentmap.Errorf(incidentmap.ENOTFOUND, "regions are not enabled")
	}
	if err := checkParams(c, "f"); err != nil {
		return err
	}
	if f := c.Query("f"); f != "" && f != "json" {
		return incidentmap.Invalidf("f", "this document is served as json only")
	}
	writeJSON(c, http.StatusOK, s.regionsCollectionDoc(c))
	return nil
}
