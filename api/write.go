package api

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/feature"
	"github.com/incidentmap/incidentmap/ingest"
)

// Writes (OGC API – Features – Part 4): create, replace, update and delete
// incidents with an editor's key, each checked against the version the
// client read (ETag / If-Match), and bulk imports.

// Defaults of the body limits of Config.
const (
	DefaultMaxBodyBytes   = 1 << 20  // one feature
	DefaultMaxImportBytes = 64 << 20 // one import
)

// Paths of the write side.
const (
	importsPath = "/imports"
	mediaMerge  = "application/merge-patch+json"
)

// Codes of the errors of the write side, besides the domain's.
const (
	codePreconditionRequired = "precondition_required"
	codeUnsupportedMedia     = "unsupported_media_type"
)

var errNoIfMatch = incidentmap.Errorf(codePreconditionRequired,
	"a write needs If-Match with the ETag of the incident as read (GET it first), so that it cannot overwrite a change it has not seen")

// writeRoutes adds the routes of the write side, history and change feed.
func (s *server) writeRoutes(e *gin.Engine) {
	e.POST(itemsPath, s.handle(s.createItem))
	e.PUT(itemsPath+"/:id", s.handle(s.replaceItem))
	e.PATCH(itemsPath+"/:id", s.handle(s.patchItem))
	e.DELETE(itemsPath+"/:id", s.handle(s.deleteItem))
	e.POST(importsPath, s.handle(s.importItems))
	reads := e.Group("", s.readGate, s.compress)
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		reads.Handle(method, itemsPath+"/:id", s.handle(s.item))
		reads.Handle(method, itemsPath+"/:id/history", s.handle(s.history))
		reads.Handle(method, changesPath, s.handle(s.changes))
	}
}

// readBody reads the request body up to limit bytes: more is 413, and a
// Content-Type other than JSON (or, when merge is set, a JSON merge patch)
// is 415.
func readBody(c *gin.Context, limit int64, merge bool) ([]byte, error) {
	mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil || (mt != mediaJSON && mt != mediaGeoJSON && !(merge && mt == mediaMerge)) {
		want := "application/geo+json or application/json"
		if merge {
			want = "application/merge-patch+json or application/json"
		}
		return nil, incidentmap.Errorf(codeUnsupportedMedia, "the body must be %s", want)
	}
	tooLarge := incidentmap.Errorf(codeTooLarge, "the body is larger than the limit of %d bytes", limit)
	if c.Request.ContentLength > limit {
		return nil, tooLarge
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, limit))
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		return nil, tooLarge
	} else if err != nil {
		return nil, fmt.Errorf("api: read body: %w", err)
	}
	return body, nil
}

// ifMatch returns the version an If-Match header names: a strong ETag of
// this API, or * for whatever version is current (then 0). No header is
// 428; anything else, 412, as no current ETag matches it.
func ifMatch(c *gin.Context) (int, error) {
	v := strings.TrimSpace(c.GetHeader("If-Match"))
	if v == "" {
		return 0, errNoIfMatch
	}
	if v == "*" {
		return 0, nil
	}
	n, err := strconv.Atoi(strings.Trim(v, `"`))
	if err != nil || n < 1 || !strings.HasPrefix(v, `"`) || !strings.HasSuffix(v, `"`) {
		return 0, incidentmap.Errorf(incidentmap.ESTALE, "If-Match %q is not an ETag of this incident", clip(v))
	}
	return n, nil
}

// decodeFeature reads a Feature body for the incident id (empty: the body
// names it, or a new one is made), with status defaulting to def when the
// body has none. Errors are 400s naming the field.
func decodeFeature(body []byte, id string, def incidentmap.Status) (*incidentmap.Incident, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil || doc == nil {
		return nil, incidentmap.Invalidf("body", "must be a GeoJSON Feature object")
	}
	var given string
	if raw, ok := doc["id"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &given); err != nil {
			return nil, incidentmap.Invalidf("id", "must be a string")
		}
	}
	switch {
	case given == "" && id == "":
		id = newIncidentID()
	case given != "" && id != "" && given != id:
		return nil, incidentmap.Invalidf("id", "is %q in the body but %q in the URL", clip(given), clip(id))
	case given != "":
		id = given
	}
	doc["id"] = mustJSON(id)
	var props map[string]json.RawMessage
	if raw, ok := doc["properties"]; ok {
		if err := json.Unmarshal(raw, &props); err != nil || props == nil {
			return nil, incidentmap.Invalidf("properties", "must be an object")
		}
		if st, ok := props["status"]; !ok || string(st) == "null" {
			props["status"] = mustJSON(def)
			doc["properties"] = mustJSON(props)
		}
	}
	return feature.Decode(mustJSON(doc))
}

// newIncidentID makes an id for a created incident that has none.
func newIncidentID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return "im-" + hex.EncodeToString(b[:])
}

// writeFeature answers a successful write with the incident, its ETag and
// its location.
func (s *server) writeFeature(c *gin.Context, status int, inc *incidentmap.Incident) {
	h := c.Writer.Header()
	h.Set("ETag", versionETag(inc.Version))
	h.Set("Location", s.base(c.Request)+itemsPath+"/"+url.PathEscape(inc.ID))
	h.Set("Cache-Control", "no-store")
	c.Data(status, mediaGeoJSON, s.featureBody(c, inc))
}

// createItem serves POST /collections/incidents/items: an editor creates
// an incident from a Feature, as a draft unless its status says otherwise.
// A taken id is 409. The answer is 201 with Location and ETag.
func (s *server) createItem(c *gin.Context) error {
	if _, err := require(c, incidentmap.RoleEditor); err != nil {
		return err
	}
	body, err := readBody(c, s.maxBody, false)
	if err != nil {
		return err
	}
	inc, err := decodeFeature(body, "", incidentmap.StatusDraft)
	if err != nil {
		return err
	}
	if err := incidentmap.CheckTransition(incidentmap.StatusDraft, inc.Status); err != nil {
		return err
	}
	if err := s.store.CreateIncident(c.Request.Context(), inc); err != nil {
		return err
	}
	s.writeFeature(c, http.StatusCreated, inc)
	return nil
}

// current checks that the caller is an editor and returns the incident a
// write is about, checked against the If-Match version: 404 when it is
// unknown, 412 when another version is current. It returns the version to
// write against.
func (s *server) current(c *gin.Context) (*incidentmap.Incident, int, error) {
	if _, err := require(c, incidentmap.RoleEditor); err != nil {
		return nil, 0, err
	}
	expected, err := ifMatch(c)
	if err != nil {
		return nil, 0, err
	}
	id := c.Param("id")
	if !incidentmap.ValidID(id) {
		return nil, 0, errIncidentNotFound
	}
	cur, err := s.store.GetIncident(c.Request.Context(), id)
	if incidentmap.ErrorCode(err) == incidentmap.ENOTFOUND {
		return nil, 0, errIncidentNotFound
	} else if err != nil {
		return nil, 0, fmt.Errorf("api: get incident %s: %w", id, err)
	}
	if expected == 0 {
		expected = cur.Version
	}
	if cur.Version != expected {
		return nil, 0, incidentmap.Errorf(incidentmap.ESTALE,
			"the incident is at version %d (ETag %s), not %d: read it again and reapply the change", cur.Version, versionETag(cur.Version), expected)
	}
	return cur, expected, nil
}

// update stores inc in place of cur at version expected, after checking the
// status workflow.
func (s *server) update(c *gin.Context, cur, inc *incidentmap.Incident, expected int) error {
	if err := incidentmap.CheckTransition(cur.Status, inc.Status); err != nil {
		return err
	}
	if err := s.store.UpdateIncident(c.Request.Context(), inc, expected); err != nil {
		return err
	}
	s.writeFeature(c, http.StatusOK, inc)
	return nil
}

// replaceItem serves PUT /collections/incidents/items/{id}: an editor
// replaces the incident with a Feature (whose status defaults to the
// current one), if If-Match names the current version.
func (s *server) replaceItem(c *gin.Context) error {
	cur, expected, err := s.current(c)
	if err != nil {
		return err
	}
	body, err := readBody(c, s.maxBody, false)
	if err != nil {
		return err
	}
	inc, err := decodeFeature(body, cur.ID, cur.Status)
	if err != nil {
		return err
	}
	return s.update(c, cur, inc, expected)
}

// patchItem serves PATCH /collections/incidents/items/{id}: an editor
// changes some fields with a JSON merge patch (RFC 7396) of the Feature,
// e.g. {"properties": {"status": "published"}}; null removes an optional
// field. The result is validated whole, like a PUT.
func (s *server) patchItem(c *gin.Context) error {
	cur, expected, err := s.current(c)
	if err != nil {
		return err
	}
	body, err := readBody(c, s.maxBody, true)
	if err != nil {
		return err
	}
	var patch any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&patch); err != nil {
		return incidentmap.Invalidf("body", "must be a JSON merge patch object")
	}
	if _, ok := patch.(map[string]any); !ok {
		return incidentmap.Invalidf("body", "must be a JSON merge patch object")
	}
	var doc any
	dec = json.NewDecoder(bytes.NewReader(feature.Append(nil, cur)))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return fmt.Errorf("api: patch: read the current feature: %w", err)
	}
	merged := mergePatch(doc, patch)
	inc, err := decodeFeature(mustJSON(merged), cur.ID, cur.Status)
	if err != nil {
		return err
	}
	return s.update(c, cur, inc, expected)
}

// mergePatch applies an RFC 7396 merge patch to target.
func mergePatch(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	}
	for k, v := range p {
		if v == nil {
			delete(t, k)
		} else {
			t[k] = mergePatch(t[k], v)
		}
	}
	return t
}

// deleteItem serves DELETE /collections/incidents/items/{id}: an editor
// deletes the incident if If-Match names the current version; a
// tombstone and a delete revision remain. 204 on success.
func (s *server) deleteItem(c *gin.Context) error {
	cur, expected, err := s.current(c)
	if err != nil {
		return err
	}
	if err := s.store.DeleteIncidentVersion(c.Request.Context(), cur.ID, expected); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// importItems serves POST /imports: an editor imports a file through the
// same streaming importer as `incidentmap import` (ingest.Import): one
// transaction that creates new incidents, updates those whose id or
// external id is stored and changed, and leaves the rest alone, so that
// re-importing a file changes nothing. The body is read as it arrives,
// never whole, up to the import limit (413 beyond).
//
// Query parameters: format (geojson, the default; csv, ucdp, gdelt, acled,
// gtd — see "Import and export" in the README), dry_run=true (count what
// would change, write nothing) and partial=true (import the valid records
// when others are rejected). A GeoJSON body is application/geo+json or
// application/json; the others are text/csv, text/tab-separated-values or
// text/plain.
//
// It answers 201 with the report when incidents were created, 200 when
// none were (an update, a re-import, a dry run), and 400 with the report
// when records were rejected: each by line, field and reason.
func (s *server) importItems(c *gin.Context) error {
	if _, err := require(c, incidentmap.RoleEditor); err != nil {
		return err
	}
	opt := ingest.Options{Format: ingest.FormatGeoJSON}
	for name, vals := range c.Request.URL.Query() {
		if len(vals) != 1 {
			return incidentmap.Invalidf(name, "must be given at most once")
		}
		v := vals[0]
		switch name {
		case "format":
			opt.Format = ingest.Format(v)
			if !slices.Contains(ingest.Formats, opt.Format) {
				return incidentmap.Invalidf(name, "must be one of %v, got %q", ingest.Formats, clip(v))
			}
		case "dry_run", "partial":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return incidentmap.Invalidf(name, "must be true or false, got %q", clip(v))
			}
			if name == "dry_run" {
				opt.DryRun = b
			} else {
				opt.Partial = b
			}
		default:
			return incidentmap.Invalidf(clip(name), "is not a parameter of POST %s; it takes format, dry_run and partial", importsPath)
		}
	}
	mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	isJSON := mt == mediaJSON || mt == mediaGeoJSON
	isText := mt == "text/csv" || mt == "text/tab-separated-values" || mt == "text/plain"
	if err != nil || opt.Format == ingest.FormatGeoJSON && !isJSON || opt.Format != ingest.FormatGeoJSON && !isText {
		want := "application/geo+json or application/json"
		if opt.Format != ingest.FormatGeoJSON {
			want = "text/csv, text/tab-separated-values or text/plain"
		}
		return incidentmap.Errorf(codeUnsupportedMedia, "the body of a %s import must be %s", opt.Format, want)
	}
	if s.geo != nil {
		if opt.Regions, err = s.geo.Regions(); err != nil {
			return err
		}
		opt.Gazetteer = s.geo.Gazetteer
	}
	// limitBody has capped the body at s.maxImport.
	rep, err := ingest.Import(c.Request.Context(), s.store, c.Request.Body, opt)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return bodyError(err)
	}
	out := importReport(rep)
	c.Header("Cache-Control", "no-store")
	if err != nil {
		if len(rep.Rejects) == 0 {
			return err
		}
		status, code := errorStatus(err)
		writeJSON(c, status, struct {
			Code        string       `json:"code"`
			Description string       `json:"description"`
			Parameter   string       `json:"parameter,omitempty"`
			RequestID   string       `json:"requestId"`
			Report      importResult `json:"report"`
		}{code, incidentmap.ErrorParam(err) + ": " + incidentmap.ErrorMessage(err), incidentmap.ErrorParam(err), requestIDOf(c), out})
		return nil
	}
	status := http.StatusOK
	if rep.Committed && rep.Created > 0 {
		status = http.StatusCreated
	}
	writeJSON(c, status, out)
	return nil
}

// importResult is the JSON of an import's report.
type importResult struct {
	Format     string         `json:"format"`
	DryRun     bool           `json:"dryRun"`
	Committed  bool           `json:"committed"`
	Rows       int            `json:"rows"`
	Created    int            `json:"created"`
	Updated    int            `json:"updated"`
	Unchanged  int            `json:"unchanged"`
	Rejected   int            `json:"rejected"`
	Rejects    []importReject `json:"rejects"`
	Notes      []string       `json:"notes"`
	NoteCount  int            `json:"noteCount"`
	UpdatedIDs []string       `json:"updatedIds"`
}

// importReject is one rejected record of an import.
type importReject struct {
	Line   int    `json:"line"`
	Field  string `json:"field,omitempty"`
	Reason string `json:"reason"`
}

func importReport(r ingest.Report) importResult {
	out := importResult{Format: string(r.Format), DryRun: r.DryRun, Committed: r.Committed, Rows: r.Rows,
		Created: r.Created, Updated: r.Updated, Unchanged: r.Unchanged, Rejected: r.Rejected,
		Rejects: []importReject{}, Notes: append([]string{}, r.Notes...), NoteCount: r.NoteCount,
		UpdatedIDs: append([]string{}, r.UpdatedIDs...)}
	for _, rj := range r.Rejects {
		out.Rejects = append(out.Rejects, importReject{rj.Line, rj.Field, rj.Reason})
	}
	return out
}

// parseAsOf reads the as_of parameter: an RFC 3339 instant.
func parseAsOf(v string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, incidentmap.Invalidf("as_of", "must be an RFC 3339 instant such as 2026-01-31T12:00:00Z, got %q", clip(v))
	}
	return t.UTC(), nil
}

// statusParam reads the status parameter of the items, which only a caller
// with a key may give: comma-separated statuses (draft, published,
// retracted), ORed. It returns them (nil when absent) and the query
// without them for the other parameters; the response is then private.
// Without a key the query is returned whole, and the items parser refuses
// status.
func statusParam(c *gin.Context, q url.Values) ([]incidentmap.Status, url.Values, error) {
	vals, ok := q["status"]
	if !ok || principal(c) == nil {
		return nil, q, nil
	}
	if len(vals) != 1 || vals[0] == "" {
		return nil, nil, incidentmap.Invalidf("status", "must be given once, as comma-separated statuses")
	}
	var out []incidentmap.Status
	for _, v := range strings.Split(vals[0], ",") {
		st := incidentmap.Status(strings.TrimSpace(v))
		if !slices.Contains(incidentmap.Statuses, st) {
			return nil, nil, incidentmap.Invalidf("status", "must be among %v, got %q", incidentmap.Statuses, clip(v))
		}
		out = append(out, st)
	}
	rest := make(url.Values, len(q))
	for k, v := range q {
		if k != "status" {
			rest[k] = v
		}
	}
	privateCache(c)
	return out, rest, nil
}
