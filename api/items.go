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
	"github.com/incidentmap/incidentmap/feature"
)

// Media types of the items endpoints.
const (
	mediaGeoJSON = "application/geo+json"
	mediaJSON    = "application/json"
)

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

// items serves GET /collections/incidents/items: one page of published
// incidents as a GeoJSON FeatureCollection. numberMatched is counted first;
// the features are then streamed as the store yields them, so that a page is
// never held whole. links come after the features because the next cursor
// is known only at the end of the page.
func (s *server) items(c *gin.Context) error {
	q, err := url.ParseQuery(c.Request.URL.RawQuery)
	if err != nil {
		return incidentmap.Errorf(incidentmap.EINVALID, "the query string is malformed")
	}
	f, err := parseItemsQuery(q)
	if err != nil {
		return err
	}
	f.Statuses = []incidentmap.Status{incidentmap.StatusPublished}

	ctx := c.Request.Context()
	matched, err := s.store.CountIncidents(ctx, f)
	if err != nil {
		return fmt.Errorf("api: count incidents: %w", err)
	}

	st, _ := s.streams.Get().(*stream)
	if st == nil {
		st = &stream{w: bufio.NewWriterSize(nil, flushBytes)}
	}
	w := st.w
	w.Reset(c.Writer)
	c.Header("Content-Type", mediaGeoJSON)
	w.WriteString(`{"type":"FeatureCollection","numberMatched":`)
	w.Write(strconv.AppendInt(st.buf[:0], int64(matched), 10))
	w.WriteString(`,"features":[`)

	returned := 0
	var writeErr error
	next, err := s.store.FindIncidents(ctx, f, func(inc *incidentmap.Incident) error {
		buf := st.buf[:0]
		if returned > 0 {
			buf = append(buf, ',')
		}
		buf = feature.Append(buf, inc)
		st.buf = buf
		returned++
		_, writeErr = w.Write(buf)
		return writeErr
	})
	if err == nil {
		base := s.base(c.Request)
		links := []link{{Href: base + itemsPath + encodeQuery(q), Rel: "self", Type: mediaGeoJSON}}
		if next != nil {
			q.Set("cursor", next.Encode())
			links = append(links, link{Href: base + itemsPath + encodeQuery(q), Rel: "next", Type: mediaGeoJSON})
		}
		w.WriteString(`],"numberReturned":`)
		w.Write(strconv.AppendInt(st.buf[:0], int64(returned), 10))
		w.WriteString(`,"links":`)
		w.Write(mustJSON(links))
		w.WriteString(`,"timeStamp":"`)
		w.Write(s.now().UTC().AppendFormat(st.buf[:0], time.RFC3339))
		w.WriteString(`"}`)
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
		c.Writer.Header().Del("Content-Type")
		s.streams.Put(st)
		return fmt.Errorf("api: find incidents: %w", err)
	}
	// Part of a valid-looking document has gone out. Abort the connection so
	// that the client sees a broken transfer, never a truncated document
	// that parses.
	if writeErr != nil || clientGone(c, err) {
		s.log.LogAttrs(ctx, slog.LevelDebug, "client went away during a page",
			slog.String("requestId", requestIDOf(c)), slog.String("error", err.Error()))
	} else {
		s.log.LogAttrs(ctx, slog.LevelError, "page failed after the response began; aborting it",
			slog.String("requestId", requestIDOf(c)), slog.Int("featuresWritten", returned), slog.String("error", err.Error()))
	}
	panic(http.ErrAbortHandler)
}

// item serves GET /collections/incidents/items/{id}: one published incident
// as a GeoJSON Feature with self and collection links.
func (s *server) item(c *gin.Context) error {
	q, err := url.ParseQuery(c.Request.URL.RawQuery)
	if err != nil {
		return incidentmap.Errorf(incidentmap.EINVALID, "the query string is malformed")
	}
	for name, vals := range q {
		if name != "f" {
			return incidentmap.Invalidf(clip(name), "is not a query parameter of this endpoint; it takes f")
		}
		if len(vals) != 1 {
			return incidentmap.Invalidf(name, "must be given at most once")
		}
		if err := parseFormat(vals[0]); err != nil {
			return err
		}
	}
	id := c.Param("id")
	if !incidentmap.ValidID(id) {
		return errIncidentNotFound
	}
	inc, err := s.store.GetIncident(c.Request.Context(), id)
	if incidentmap.ErrorCode(err) == incidentmap.ENOTFOUND {
		return errIncidentNotFound
	} else if err != nil {
		return fmt.Errorf("api: get incident %s: %w", id, err)
	}
	if inc.Status != incidentmap.StatusPublished {
		return errIncidentNotFound
	}
	base := s.base(c.Request)
	b := feature.Append(make([]byte, 0, 2048), inc)
	// The encoder writes a closed Feature object; reopen it to add links.
	b = append(b[:len(b)-1], `,"links":`...)
	b = append(b, mustJSON([]link{
		{Href: base + itemsPath + "/" + url.PathEscape(inc.ID), Rel: "self", Type: mediaGeoJSON},
		{Href: base + "/collections/incidents", Rel: "collection", Type: mediaJSON},
	})...)
	b = append(b, '}')
	c.Data(http.StatusOK, mediaGeoJSON, b)
	return nil
}

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
