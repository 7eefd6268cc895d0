package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/feature"
)

// changesPath is the change feed of the incidents collection.
const changesPath = collectionURL + "/changes"

// DefaultChangesLimit is the page size of the change feed without limit.
const DefaultChangesLimit = 100

// revisionJSON is one revision on the wire.
type revisionJSON struct {
	Seq     int64  `json:"seq"`
	ID      string `json:"id"`
	Version int    `json:"version"`
	Op      string `json:"op"`
	Actor   string `json:"actor"`
	At      string `json:"at"`
	// Changed lists the properties (and "geometry") that differ from the
	// revision before, and Previous their values there; both absent for a
	// create and a delete.
	Changed  []string                   `json:"changed,omitempty"`
	Previous map[string]json.RawMessage `json:"previous,omitempty"`
	// Feature is the incident after the change; absent for a delete.
	Feature json.RawMessage `json:"feature,omitempty"`
}

// serverProps are written by the store on every change; they are not
// "what changed".
var serverProps = []string{"version", "created_at", "updated_at"}

// wireValues returns the geometry and each property of inc as the feature
// encoder writes them.
func wireValues(enc []byte) (map[string]json.RawMessage, error) {
	var f struct {
		Geometry   json.RawMessage            `json:"geometry"`
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(enc, &f); err != nil {
		return nil, err
	}
	f.Properties["geometry"] = f.Geometry
	return f.Properties, nil
}

// revisionsJSON puts revisions on the wire; with diff, which needs the
// revisions of one incident, each update is compared with the revision
// before it in the list.
func revisionsJSON(revs []incidentmap.Revision, diff bool) ([]revisionJSON, error) {
	out := make([]revisionJSON, 0, len(revs))
	var prev map[string]json.RawMessage
	for _, r := range revs {
		rj := revisionJSON{Seq: r.Seq, ID: r.ID, Version: r.Version, Op: string(r.Op), Actor: r.Actor,
			At: r.At.UTC().Format(time.RFC3339Nano)}
		var cur map[string]json.RawMessage
		if r.Incident != nil {
			rj.Feature = feature.Append(nil, r.Incident)
			var err error
			if cur, err = wireValues(rj.Feature); err != nil {
				return nil, fmt.Errorf("api: revision %d: %w", r.Seq, err)
			}
		}
		if diff && prev != nil && cur != nil && r.Op == incidentmap.OpUpdate {
			rj.Previous = map[string]json.RawMessage{}
			names := append([]string{"geometry"}, feature.PropertyNames()...)
			for _, name := range names {
				if slices.Contains(serverProps, name) || string(prev[name]) == string(cur[name]) {
					continue
				}
				rj.Changed = append(rj.Changed, name)
				if v, ok := prev[name]; ok {
					rj.Previous[name] = v
				} else {
					rj.Previous[name] = json.RawMessage("null")
				}
			}
		}
		out = append(out, rj)
		prev = cur
	}
	return out, nil
}

// publicRevisions keeps what an anonymous caller may see of a history:
// revisions of an incident that is not a draft, and deletions of one that
// was not. Updates are compared with the revision before them in what is
// kept, so that no draft's values show.
func publicRevisions(revs []incidentmap.Revision) []incidentmap.Revision {
	var out []incidentmap.Revision
	shown := false
	for _, r := range revs {
		switch {
		case r.Incident != nil && r.Incident.Status != incidentmap.StatusDraft:
			if !shown && r.Op == incidentmap.OpUpdate {
				r.Op = incidentmap.OpCreate // the first state the public saw
			}
			out, shown = append(out, r), true
		case r.Incident == nil && shown:
			out, shown = append(out, r), false
		}
	}
	return out
}

// history serves GET /collections/incidents/items/{id}/history: every
// revision of the incident, oldest first, across deletions: who made it,
// when, the feature after it, and for updates what changed and the values
// before. Anonymous callers see only the revisions of published and
// retracted states (publicRevisions); a key of any role sees drafts too.
// An id with nothing to show is 404.
func (s *server) history(c *gin.Context) error {
	if err := onlyFormat(c, "json"); err != nil {
		return err
	}
	privateCache(c)
	id := c.Param("id")
	if !incidentmap.ValidID(id) {
		return errIncidentNotFound
	}
	revs, err := s.store.History(c.Request.Context(), id)
	if err != nil {
		return fmt.Errorf("api: history of %s: %w", id, err)
	}
	if principal(c) == nil {
		revs = publicRevisions(revs)
	}
	if len(revs) == 0 {
		return errIncidentNotFound
	}
	out, err := revisionsJSON(revs, true)
	if err != nil {
		return err
	}
	base := s.base(c.Request) + itemsPath + "/" + url.PathEscape(id)
	c.Header("Cache-Control", "no-cache")
	writeJSON(c, http.StatusOK, struct {
		ID        string         `json:"id"`
		Revisions []revisionJSON `json:"revisions"`
		Links     []link         `json:"links"`
	}{id, out, []link{{Href: base + "/history", Rel: "self", Type: mediaJSON}, {Href: base, Rel: "item", Type: mediaGeoJSON}}})
	return nil
}

// changes serves GET /collections/incidents/changes?since=SEQ&limit=N:
// the revisions of all incidents after seq since, in commit order, so
// that a client can mirror the collection: apply each create and update
// (an upsert of feature) and delete, then ask the next link, which
// carries the last seq, until a page comes back empty. Anonymous callers
// get the changes of published and retracted incidents only (a retracted
// incident is an update whose status is retracted); a key shows drafts.
func (s *server) changes(c *gin.Context) error {
	q, err := url.ParseQuery(c.Request.URL.RawQuery)
	if err != nil {
		return incidentmap.Errorf(incidentmap.EINVALID, "the query string is malformed")
	}
	since, limit := int64(0), DefaultChangesLimit
	for name, vals := range q {
		if len(vals) != 1 {
			return incidentmap.Invalidf(clip(name), "must be given at most once")
		}
		v := vals[0]
		switch name {
		case "since":
			if since, err = strconv.ParseInt(v, 10, 64); err != nil || since < 0 {
				return incidentmap.Invalidf("since", "must be a seq from a change (an integer from 0), got %q", clip(v))
			}
		case "limit":
			if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > incidentmap.HistoryLimit {
				return incidentmap.Invalidf("limit", "must be an integer from 1 to %d", incidentmap.HistoryLimit)
			}
		case "f":
			if v != "json" {
				return incidentmap.Invalidf("f", "the change feed is JSON only")
			}
		default:
			return incidentmap.Invalidf(clip(name), "is not a query parameter of this endpoint; it takes since, limit and f")
		}
	}
	privateCache(c)
	revs, err := s.store.Changes(c.Request.Context(), since, limit, principal(c) != nil)
	if err != nil {
		return fmt.Errorf("api: changes: %w", err)
	}
	out, err := revisionsJSON(revs, false)
	if err != nil {
		return err
	}
	last := since
	if len(revs) > 0 {
		last = revs[len(revs)-1].Seq
	}
	base := s.base(c.Request) + changesPath
	page := func(from int64) string {
		return base + "?" + url.Values{"since": {strconv.FormatInt(from, 10)}, "limit": {strconv.Itoa(limit)}}.Encode()
	}
	c.Header("Cache-Control", "no-cache")
	writeJSON(c, http.StatusOK, struct {
		Changes        []revisionJSON `json:"changes"`
		NumberReturned int            `json:"numberReturned"`
		Last           int64          `json:"last"`
		Links          []link         `json:"links"`
	}{out, len(out), last, []link{{Href: page(since), Rel: "self", Type: mediaJSON}, {Href: page(last), Rel: "next", Type: mediaJSON}}})
	return nil
}
