package api

import (
	"bufio"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/cql2"
	"github.com/incidentmap/incidentmap/feature"
	"github.com/paulmach/orb"
)

// Media types of the items endpoints.
const (
	mediaGeoJSON = "application/geo+json"
	mediaJSON    = "application/json"
	// mediaGeoJSONSeq is RFC 8142's GeoJSON text sequence.
	mediaGeoJSONSeq = "application/geo+json-seq"
	// mediaItemsCSV is the CSV of the items: UTF-8, with a header row.
	mediaItemsCSV = "text/csv; charset=utf-8; header=present"
)

// headerNumberMatched carries numberMatched in the formats that have no
// place for it in the body (jsonseq and CSV).
const headerNumberMatched = "OGC-NumberMatched"

// itemsPath is the path of the incidents collection's items.
const itemsPath = "/collections/incidents/items"

// flushBytes is the size of the buffer between the encoder and the
// connection: a page is written in pieces of about this size.
const flushBytes = 64 << 10

// errIncidentNotFound answers for unknown, malformed and unpublished ids
// alike, and never repeats the id.
var errIncidentNotFound = incidentmap.Errorf(incidentmap.ENOTFOUND, "incident not found")

// link is a link object of OGC API responses.
type link struct {
	Href string `json:"href"`
	Rel  string `json:"rel"`
	Type string `json:"type"`
}

// stream holds the buffers of one items response, pooled across requests.
type stream struct {
	w   *bufio.Writer
	buf []byte
}

// page is what a handler learns from one page of incidents: the store's
// next cursor, the positions of the first and last incidents in the
// page's sort order (last only when the handler asked for it), how many
// there were, and how many match (see incidentmap.Store.FindPage).
type page struct {
	next        *incidentmap.Cursor
	first, last *incidentmap.Cursor
	returned    int
	matched     incidentmap.Page
}

// items serves GET /collections/incidents/items: one page of published
// incidents, streamed as the store yields them so that a page is never held
// whole.
//
// Query parameters: see itemParams (bbox, datetime, limit, cursor, sortby,
// filter, filter-lang, filter-crs, properties, f, and a parameter per
// queryable that makes sense as equality). Unknown parameters are 400.
//
// Formats, by f or else by the Accept header (f wins; no match gives
// GeoJSON):
//   - json, geojson (application/geo+json, the default): a FeatureCollection
//     with numberReturned, numberMatched, links and timeStamp after the
//     features, because the next cursor and the count are known only at
//     the end.
//   - jsonseq (application/geo+json-seq): an RFC 8142 text sequence, each
//     feature preceded by RS (0x1E) and followed by LF, with no collection
//     around them; numberMatched is in the OGC-NumberMatched header and the
//     self, next and prev links are Link headers.
//   - csv (text/csv): see csvWriter for the columns and the neutralising of
//     formulas; attachment incidents.csv; numberMatched and the links as for
//     jsonseq.
//   - html (f=html, or an Accept header that prefers text/html, as a
//     browser's does): the page of renderItemsHTML.
//
// properties selects the properties of each feature (jsonseq and GeoJSON)
// or the property columns (CSV), always in canonical order; id and
// geometry are always there.
//
// Coordinates are written rounded to feature.CoordinateDecimals (6) decimal
// places, about 0.1 m, in every format.
//
// Paging is by key: a next link carries a cursor after the last incident
// of the page. When the request itself had a cursor and the page is not
// empty, a prev link carries a cursor for the page that ends just before
// its first incident
// (Filter.Before). Both travel in the one cursor parameter and are opaque
// to clients. For the record: a next cursor is Cursor.Encode's token of a
// position, a prev cursor is "b." followed by such a token (a token is
// base64url, which never holds a "."), and a token holds the sort order it
// was taken in, so a cursor used with another sortby is a 400 naming
// cursor. A page reached by a prev link has a next link (after its last
// incident), and a prev link only when incidents precede it, which costs
// one more page of one row (from the item index when it answers the
// filter, else from the store).
//
// numberMatched (and OGC-NumberMatched) is there only when it is exact and
// cheap (incidentmap.Store.FindPage): when the page holds every match, or
// when at most Config.MatchedCap incidents match (0 by default: no count
// beyond the page); otherwise it is left out, as OGC API Features allows,
// so that no request counts a million rows. The page and its count are
// read in one snapshot.
//
// Which incidents a page holds, in which order, with which cursors and
// numberMatched, comes from the item index when it can answer the filter
// and is of the request's data version, else from the store: the GeoJSON
// of all properties through itemsFromIndex and its cache of encoded
// features, every other format and a properties selection through
// pageSourceOf, whose index page is read from the store by id before a
// byte is written. jsonseq and CSV must send their Link and
// OGC-NumberMatched headers before the body, so on the store path they
// read the page (and its count) once before streaming it.
func (s *server) items(c *gin.Context) error {
	q, err := url.ParseQuery(c.Request.URL.RawQuery)
	if err != nil {
		return incidentmap.Errorf(incidentmap.EINVALID, "the query string is malformed")
	}
	statuses, rest, err := statusParam(c, q)
	if err != nil {
		return err
	}
	iq, err := s.parseItemsRequest(rest, statuses)
	if err != nil {
		return err
	}
	format := iq.format
	if format == "" {
		format = negotiateItems(c.GetHeader("Accept"))
	}
	f := iq.filter
	if format == outGeoJSON && iq.props == feature.AllProperties {
		// The index's page of encoded features, from their cache.
		if served, err := s.itemsFromIndex(c, q, f); served {
			return err
		}
		return s.itemsGeoJSON(c, q, storePage(f), iq.props)
	}
	src, err := s.pageSourceOf(c, f)
	if err != nil {
		return err
	}
	switch format {
	case outHTML:
		return s.renderItemsHTML(c, src)
	case outSeq:
		return s.itemsSeq(c, q, src, iq.props)
	case outCSV:
		return s.itemsCSV(c, q, src, iq.props)
	}
	return s.itemsGeoJSON(c, q, src, iq.props)
}

// parseItemsRequest turns the query of an items request into the Filter
// the store runs: parseItemsQuery's, limited to incidents in statuses (nil:
// published ones only, what the public sees), with the region parameter
// expanded into the regions' boundaries. Every
// endpoint that filters incidents like the items do uses it. A filter may
// name a region's boundary as REGION('AF-HER') (cql2-json:
// {"op": "region", "args": ["AF-HER"]}), an incidentmap extension.
//
// A geometry written in the filter may have at most MaxVertices vertices;
// the regions' boundaries are exempt.
func (s *server) parseItemsRequest(q url.Values, statuses []incidentmap.Status) (itemsQuery, error) {
	regions := map[geometryKey]bool{}
	region := func(name string, args []string) (orb.Geometry, error) {
		g, err := s.regionGeometry(name, args)
		if err == nil {
			regions[keyOf(g)] = true
		}
		return g, err
	}
	iq, err := parseItemsQueryWith(q, cql2.Options{Geometry: region})
	if err != nil {
		return iq, err
	}
	if err := checkVertices(iq.filter.Where, regions); err != nil {
		return iq, err
	}
	if statuses == nil {
		statuses = []incidentmap.Status{incidentmap.StatusPublished}
	}
	var in incidentmap.Expr
	if len(iq.regions) > 0 {
		if in, err = s.regionFilter(iq.regions); err != nil {
			return iq, err
		}
	}
	iq.filter.Where = incidentmap.AllOf(incidentmap.InStrings("status", statuses...), in, iq.filter.Where)
	return iq, nil
}

// regionGeometry resolves the CQL2 function REGION(code) to the boundary
// of the region code names.
func (s *server) regionGeometry(name string, args []string) (orb.Geometry, error) {
	if name != "region" {
		return nil, cql2.UnknownFunction(name)
	}
	if len(args) != 1 {
		return nil, incidentmap.Invalidf("filter", "REGION takes 1 argument, a region code such as 'AF-HER', got %d", len(args))
	}
	if s.geo == nil {
		return nil, incidentmap.Invalidf("filter", "REGION: regions are not enabled on this server")
	}
	ix, err := s.geo.Regions()
	if err != nil {
		return nil, err
	}
	r, ok := ix.Get(args[0])
	if !ok {
		return nil, incidentmap.Invalidf("filter", "REGION: no region %q; see %s", args[0], regionItemsPath)
	}
	return r.Geometry, nil
}

// negotiateItems picks the items format from an Accept header: the type
// with the highest quality among those served, the first listed on a tie;
// GeoJSON when none is listed.
func negotiateItems(accept string) string {
	best, bestQ := outGeoJSON, 0.0
	for _, part := range strings.Split(accept, ",") {
		mt, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		var format string
		switch strings.ToLower(strings.TrimSpace(mt)) {
		case mediaGeoJSON, mediaJSON, "*/*", "application/*":
			format = outGeoJSON
		case mediaGeoJSONSeq:
			format = outSeq
		case "text/csv":
			format = outCSV
		case "text/html", "application/xhtml+xml":
			format = outHTML
		default:
			continue
		}
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(p), "q="); ok {
				x, err := strconv.ParseFloat(v, 64)
				if err != nil || x < 0 || x > 1 {
					x = 0
				}
				q = x
			}
		}
		if q > bestQ {
			best, bestQ = format, q
		}
	}
	return best
}

// itemsGeoJSON streams the page of src as a FeatureCollection.
func (s *server) itemsGeoJSON(c *gin.Context, q url.Values, src *pageSource, props feature.Selection) error {
	emit := func(st *stream, i int, inc *incidentmap.Incident) error {
		buf := st.buf[:0]
		if i > 0 {
			buf = append(buf, ',')
		}
		if props == feature.AllProperties {
			buf = feature.Append(buf, inc)
		} else {
			buf = feature.AppendSelected(buf, inc, props)
		}
		st.buf = buf
		_, err := st.w.Write(buf)
		return err
	}
	c.Header("Content-Type", mediaGeoJSON)
	return s.streamPage(c, src, geoJSONHead, emit, s.geoJSONTail(c, q, src.f))
}

// geoJSONHead starts a FeatureCollection.
func geoJSONHead(st *stream) {
	st.w.WriteString(geoJSONHeadText)
}

// geoJSONHeadText opens a FeatureCollection, up to its first feature.
const geoJSONHeadText = `{"type":"FeatureCollection","features":[`

// geoJSONTail returns the end of the FeatureCollection of a page of f,
// after its features: numberReturned, numberMatched, links and timeStamp.
func (s *server) geoJSONTail(c *gin.Context, q url.Values, f incidentmap.Filter) func(*stream, page) error {
	return func(st *stream, p page) error {
		links, err := s.pageLinks(c, q, f, p, mediaGeoJSON)
		if err != nil {
			return err
		}
		w := st.w
		w.WriteString(`],"numberReturned":`)
		w.Write(strconv.AppendInt(st.buf[:0], int64(p.returned), 10))
		if p.matched.Exact {
			w.WriteString(`,"numberMatched":`)
			w.Write(strconv.AppendInt(st.buf[:0], int64(p.matched.Matched), 10))
		}
		w.WriteString(`,"links":`)
		w.Write(mustJSON(links))
		w.WriteString(`,"timeStamp":"`)
		w.Write(s.now().UTC().AppendFormat(st.buf[:0], time.RFC3339))
		w.WriteString(`"}`)
		return nil
	}
}

// pageHeaders sets the headers of the formats without a place for links
// and numberMatched in the body: OGC-NumberMatched (when exact) and Link
// headers for self, next and prev. It learns the page's positions and
// count first (a read of the store's page, unless src is the index's);
// an error then is returned before anything is written.
func (s *server) pageHeaders(c *gin.Context, q url.Values, src *pageSource, media string) error {
	p, err := s.findPage(c.Request.Context(), src, func(*incidentmap.Incident) error { return nil })
	if err != nil {
		return fmt.Errorf("api: find incidents: %w", err)
	}
	links, err := s.pageLinks(c, q, src.f, p, media)
	if err != nil {
		return err
	}
	h := c.Writer.Header()
	if p.matched.Exact {
		h.Set(headerNumberMatched, strconv.Itoa(p.matched.Matched))
	}
	for _, l := range links {
		// Commas stay escaped in headers: Link values are comma-separated,
		// and some clients split on every comma.
		href := strings.ReplaceAll(l.Href, ",", "%2C")
		h.Add("Link", "<"+href+`>; rel="`+l.Rel+`"; type="`+l.Type+`"`)
	}
	return nil
}

// pageLinks returns the self link of a page and its next and prev links
// where they exist (see items).
func (s *server) pageLinks(c *gin.Context, q url.Values, f incidentmap.Filter, p page, media string) ([]link, error) {
	base := s.base(c.Request) + itemsPath
	links := []link{{Href: base + encodeQuery(q), Rel: "self", Type: media}}
	if f.Before == nil && p.next != nil {
		links = append(links, link{Href: base + encodeQuery(withParam(q, "cursor", encodeCursor(p.next))), Rel: "next", Type: media})
	}
	if f.Before != nil && p.last != nil {
		links = append(links, link{Href: base + encodeQuery(withParam(q, "cursor", encodeCursor(p.last))), Rel: "next", Type: media})
	}
	if (f.After != nil || f.Before != nil) && p.first != nil {
		more := true
		if f.Before != nil {
			var err error
			if more, err = s.anyBefore(c, f, p); err != nil {
				return nil, err
			}
		}
		if more {
			links = append(links, link{Href: base + encodeQuery(withParam(q, "cursor", prevCursorPrefix+encodeCursor(p.first))), Rel: "prev", Type: media})
		}
	}
	return links, nil
}

// anyBefore reports whether any incident precedes the page p, which was
// read with f.Before set: only a full page may have some, and then one more
// incident is asked for.
func (s *server) anyBefore(c *gin.Context, f incidentmap.Filter, p page) (bool, error) {
	if p.returned < f.PageLimit() {
		return false, nil
	}
	if found, ok := s.anyBeforeFromIndex(c, f, p.first); ok {
		return found, nil
	}
	f.Before, f.Limit = p.first, 1
	found := false
	if _, err := s.store.FindIncidents(c.Request.Context(), f, func(*incidentmap.Incident) error {
		found = true
		return nil
	}); err != nil {
		return false, fmt.Errorf("api: find incidents before a page: %w", err)
	}
	return found, nil
}

// withParam returns a copy of q with name set to value.
func withParam(q url.Values, name, value string) url.Values {
	out := make(url.Values, len(q)+1)
	for k, v := range q {
		out[k] = v
	}
	out[name] = []string{value}
	return out
}

// streamPage streams one page of the incidents of src (see findPage)
// through a pooled buffer: head (may be nil) is called first, emit for
// each incident with its index, and tail (may be nil) with what the page
// turned out to be.
// Content-Type and other headers are set by the caller.
//
// An error before any byte reached the client is returned for the error
// renderer, with the content headers removed. After that, part of a
// valid-looking document has gone out, so the connection is aborted:
// the client sees a broken transfer, never a truncated document that
// parses.
func (s *server) streamPage(c *gin.Context, src *pageSource,
	head func(*stream), emit func(*stream, int, *incidentmap.Incident) error, tail func(*stream, page) error) error {
	ctx := c.Request.Context()
	st, _ := s.streams.Get().(*stream)
	if st == nil {
		st = &stream{w: bufio.NewWriterSize(nil, flushBytes)}
	}
	w := st.w
	w.Reset(c.Writer)
	defer func() {
		// A panic before anything was written is answered by the error
		// renderer, which must not inherit the page's content headers.
		if r := recover(); r != nil {
			if r != http.ErrAbortHandler && !c.Writer.Written() {
				dropContentHeaders(c.Writer.Header())
			}
			panic(r)
		}
	}()
	if head != nil {
		head(st)
	}
	var writeErr error
	written := 0
	p, err := s.findPage(ctx, src, func(inc *incidentmap.Incident) error {
		writeErr = emit(st, written, inc)
		written++
		return writeErr
	})
	if err == nil && tail != nil {
		if err = tail(st, p); err != nil {
			writeErr = nil // the tail's own failure, not the client's
		}
	}
	if err == nil {
		err = w.Flush()
		writeErr = err
	}
	w.Reset(nil)
	if err == nil {
		s.streams.Put(st)
		return nil
	}
	if !c.Writer.Written() {
		// Nothing reached the client: discard the buffered start and
		// answer with an error document instead.
		dropContentHeaders(c.Writer.Header())
		s.streams.Put(st)
		return fmt.Errorf("api: find incidents: %w", err)
	}
	if writeErr != nil || clientGone(c, err) {
		s.log.LogAttrs(ctx, slog.LevelDebug, "client went away during a page",
			slog.String("requestId", requestIDOf(c)), slog.String("error", err.Error()))
	} else {
		s.log.LogAttrs(ctx, slog.LevelError, "page failed after the response began; aborting it",
			slog.String("requestId", requestIDOf(c)), slog.Int("featuresWritten", written), slog.String("error", err.Error()))
	}
	panic(http.ErrAbortHandler)
}

// dropContentHeaders removes the headers that describe a page from h.
func dropContentHeaders(h http.Header) {
	for _, k := range []string{"Content-Type", "Content-Disposition", "Link", headerNumberMatched} {
		h.Del(k)
	}
}

// item serves GET /collections/incidents/items/{id}: one incident as a
// GeoJSON Feature with self and collection links, or as HTML for f=html or
// an Accept header that prefers HTML. It takes f and as_of.
//
// Anonymous callers see published incidents only; a caller with a key of
// any role sees drafts and retracted incidents too. Every other id answers
// 404 alike. The GeoJSON carries a strong ETag of the incident's version,
// which If-Match of a write names and If-None-Match revalidates (304).
// With as_of, the incident is the one of its revisions that was current
// then (see the history endpoint), without an ETag.
func (s *server) item(c *gin.Context) error {
	q, err := url.ParseQuery(c.Request.URL.RawQuery)
	if err != nil {
		return incidentmap.Errorf(incidentmap.EINVALID, "the query string is malformed")
	}
	html := false
	var asOf time.Time
	for name, vals := range q {
		if name != "f" && name != "as_of" {
			return incidentmap.Invalidf(clip(name), "is not a query parameter of this endpoint; it takes f and as_of")
		}
		if len(vals) != 1 {
			return incidentmap.Invalidf(name, "must be given at most once")
		}
		switch {
		case name == "as_of":
			if asOf, err = parseAsOf(vals[0]); err != nil {
				return err
			}
		case vals[0] == outHTML:
			html = true
		default:
			if err := parseFormat(vals[0]); err != nil {
				return err
			}
		}
	}
	if _, ok := q["f"]; !ok {
		html = negotiateItems(c.GetHeader("Accept")) == outHTML
	}
	privateCache(c)
	inc, err := s.visibleIncident(c, c.Param("id"), asOf)
	if err != nil {
		return err
	}
	if html {
		return s.renderItemHTML(c, inc)
	}
	h := c.Writer.Header()
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", s.cacheControl)
	}
	if asOf.IsZero() {
		etag := versionETag(inc.Version)
		h.Set("ETag", etag)
		h.Set("Last-Modified", inc.UpdatedAt.UTC().Format(http.TimeFormat))
		if notModified(c.Request, etag, inc.UpdatedAt.UTC().Truncate(time.Second)) {
			c.Status(http.StatusNotModified)
			return nil
		}
	}
	c.Data(http.StatusOK, mediaGeoJSON, s.featureBody(c, inc))
	return nil
}

// visibleIncident returns the incident id as the caller may see it (see
// item), now or as of an instant, or errIncidentNotFound.
func (s *server) visibleIncident(c *gin.Context, id string, asOf time.Time) (*incidentmap.Incident, error) {
	if !incidentmap.ValidID(id) {
		return nil, errIncidentNotFound
	}
	ctx := c.Request.Context()
	var inc *incidentmap.Incident
	if asOf.IsZero() {
		var err error
		inc, err = s.store.GetIncident(ctx, id)
		if incidentmap.ErrorCode(err) == incidentmap.ENOTFOUND {
			return nil, errIncidentNotFound
		} else if err != nil {
			return nil, fmt.Errorf("api: get incident %s: %w", id, err)
		}
	} else {
		revs, err := s.store.History(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("api: history of %s: %w", id, err)
		}
		if inc = incidentmap.StateAt(revs, asOf); inc == nil {
			return nil, errIncidentNotFound
		}
	}
	if inc.Status != incidentmap.StatusPublished && principal(c) == nil {
		return nil, errIncidentNotFound
	}
	return inc, nil
}

// featureBody returns inc as a GeoJSON Feature with self and collection
// links.
func (s *server) featureBody(c *gin.Context, inc *incidentmap.Incident) []byte {
	base := s.base(c.Request)
	b := feature.Append(make([]byte, 0, 2048), inc)
	// The encoder writes a closed Feature object; reopen it to add links.
	b = append(b[:len(b)-1], `,"links":`...)
	b = append(b, mustJSON([]link{
		{Href: base + itemsPath + "/" + url.PathEscape(inc.ID), Rel: "self", Type: mediaGeoJSON},
		{Href: base + "/collections/incidents", Rel: "collection", Type: mediaJSON},
	})...)
	return append(b, '}')
}

// versionETag is the strong entity tag of an incident at a version.
func versionETag(version int) string { return `"` + strconv.Itoa(version) + `"` }

// base returns the URL prefix of links: Config.BaseURL, or the scheme and
// host of the request, taken from X-Forwarded-Proto and X-Forwarded-Host
// only when the proxy is trusted. A host that does not look like one gives
// links without scheme and host.
func (s *server) base(r *http.Request) string {
	if s.baseURL != "" {
		return s.baseURL
	}
	scheme, host := "http", r.Host
	if r.TLS != nil {
		scheme = "https"
	}
	if s.trust {
		if p := strings.ToLower(firstValue(r.Header.Get("X-Forwarded-Proto"))); p == "http" || p == "https" {
			scheme = p
		}
		if h := firstValue(r.Header.Get("X-Forwarded-Host")); h != "" {
			host = h
		}
	}
	if !validHost(host) {
		return ""
	}
	return scheme + "://" + host
}

// firstValue returns the first of a comma-separated header value, which a
// chain of proxies may append to.
func firstValue(v string) string {
	v, _, _ = strings.Cut(v, ",")
	return strings.TrimSpace(v)
}

// validHost reports whether h is a host name or IP literal with an
// optional port.
func validHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	for i := 0; i < len(h); i++ {
		switch b := h[i]; {
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9', b == '.', b == '-', b == ':', b == '[', b == ']':
		default:
			return false
		}
	}
	return true
}

// encodeQuery returns q as "?…", keys sorted, with commas left readable.
func encodeQuery(q url.Values) string {
	if len(q) == 0 {
		return ""
	}
	return "?" + strings.ReplaceAll(q.Encode(), "%2C", ",")
}

// mustJSON marshals one of our own wire values, which cannot fail.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
