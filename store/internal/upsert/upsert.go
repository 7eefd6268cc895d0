// Package upsert is the part of Store.UpsertIncidents that both stores
// share: it reads items in batches, decides for each whether it creates,
// updates or leaves alone an incident, given the incidents the store found
// for the batch's ids and external ids, and catches items that repeat an
// earlier one. The stores own the SQL: finding, inserting and updating.
package upsert

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/incidentmap/incidentmap"
)

// BatchSize is how many items a store looks up and writes at a time.
const BatchSize = 1000

// Next reads up to max items from next into buf[:0] and reports whether
// next said io.EOF. An error of next is returned as it is.
func Next(next func() (incidentmap.ImportItem, error), buf []incidentmap.ImportItem, max int) ([]incidentmap.ImportItem, bool, error) {
	buf = buf[:0]
	for len(buf) < max {
		item, err := next()
		if errors.Is(err, io.EOF) {
			return buf, true, nil
		} else if err != nil {
			return nil, false, err
		}
		buf = append(buf, item)
	}
	return buf, false, nil
}

// Batches reads the items of next in batches of up to size, validates
// each, and hands every batch that is not empty to write (buffers are reused: write must not
// keep the slice); after each batch it reports to progress, when not nil,
// how many items were taken so far. It stops at the first error, at the
// end of the items, or when ctx is done.
func Batches(ctx context.Context, next func() (incidentmap.ImportItem, error), size int, progress func(int), write func([]incidentmap.ImportItem) error) error {
	var buf []incidentmap.ImportItem
	taken := 0
	for {
		items, eof, err := Next(next, buf, size)
		if err != nil {
			return err
		}
		buf = items
		for _, item := range items {
			if err := Validate(item); err != nil {
				return err
			}
		}
		if len(items) > 0 {
			if err := write(items); err != nil {
				return err
			}
		}
		taken += len(items)
		if progress != nil {
			progress(taken)
		}
		if eof {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// Validate checks an item before a store writes it: a missing or invalid
// incident is EINVALID naming the line. An item the importer has validated
// (item.Validated) is not validated again.
func Validate(item incidentmap.ImportItem) error {
	if item.Incident == nil {
		return AtLine(item.Line, incidentmap.Invalidf("incident", "is missing"))
	}
	if item.Validated {
		return nil
	}
	if err := item.Incident.Validate(); err != nil {
		return AtLine(item.Line, err)
	}
	return nil
}

// AtLine prefixes the message of an *incidentmap.Error with "line N: ",
// keeping its code and Param; other errors get the prefix as context.
func AtLine(line int, err error) error {
	var e *incidentmap.Error
	if errors.As(err, &e) {
		return &incidentmap.Error{Code: e.Code, Param: e.Param, Message: fmt.Sprintf("line %d: %s", line, e.Message)}
	}
	return fmt.Errorf("line %d: %w", line, err)
}

// Keys returns the ids and external ids of a batch, for the store to look up.
func Keys(items []incidentmap.ImportItem) (ids, externalIDs []string) {
	for _, item := range items {
		ids = append(ids, item.Incident.ID)
		externalIDs = append(externalIDs, item.Incident.ExternalIDs...)
	}
	return ids, externalIDs
}

// Found is what a store holds for the keys of a batch: the existing
// incidents that have one of its ids or external ids, by id.
type Found map[string]*incidentmap.Incident

// FoundOf indexes incidents a store found by their ids.
func FoundOf(incs []*incidentmap.Incident) Found {
	found := make(Found, len(incs))
	for _, inc := range incs {
		found[inc.ID] = inc
	}
	return found
}

// Planner classifies the items of one import, batch after batch. Its zero
// value is ready to use.
type Planner struct {
	Result incidentmap.ImportResult
	// seen maps the ids ("i"+id) and external ids ("x"+id) that earlier
	// items of this import wrote to their lines.
	seen map[string]int
}

// Plan decides what each item of a batch does, given the incidents found
// for the batch's keys. It returns the incidents to create and those to
// update (with the id of the incident they replace) and counts all three
// outcomes in p.Result. Items are validated first.
func (p *Planner) Plan(items []incidentmap.ImportItem, found Found) (creates, updates []*incidentmap.Incident, err error) {
	if p.seen == nil {
		p.seen = map[string]int{}
	}
	owner := map[string]string{}
	for id, inc := range found {
		owner["i"+id] = id
		for _, x := range inc.ExternalIDs {
			owner["x"+x] = id
		}
	}
	for _, item := range items {
		if err := Validate(item); err != nil {
			return nil, nil, err
		}
		inc := item.Incident
		keys := append([]string{"i" + inc.ID}, prefixed("x", inc.ExternalIDs)...)
		var target string
		for _, k := range keys {
			if line, ok := p.seen[k]; ok {
				return nil, nil, conflict(item.Line, "%s %s repeats line %d", describeKey(k), k[1:], line)
			}
			id, ok := owner[k]
			switch {
			case !ok:
			case target == "":
				target = id
			case target != id:
				return nil, nil, conflict(item.Line, "its id and external ids match two incidents, %s and %s", target, id)
			}
		}
		if target != "" {
			if line, ok := p.seen["i"+target]; ok {
				return nil, nil, conflict(item.Line, "matches incident %s, which line %d already wrote", target, line)
			}
			inc.ID = target
		}
		for _, k := range append(keys, "i"+inc.ID) {
			p.seen[k] = item.Line
		}
		switch old := found[target]; {
		case old == nil:
			creates = append(creates, inc)
			p.Result.Created++
		case incidentmap.SameContent(old, inc):
			p.Result.Unchanged++
		default:
			updates = append(updates, inc)
			p.Result.Updated++
			if len(p.Result.UpdatedIDs) < incidentmap.MaxListedIDs {
				p.Result.UpdatedIDs = append(p.Result.UpdatedIDs, inc.ID)
			}
		}
	}
	return creates, updates, nil
}

func prefixed(prefix string, ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = prefix + s
	}
	return out
}

func describeKey(k string) string {
	if k[0] == 'x' {
		return "external id"
	}
	return "id"
}

func conflict(line int, format string, args ...any) error {
	return &incidentmap.Error{Code: incidentmap.ECONFLICT, Param: "file",
		Message: fmt.Sprintf("line %d: ", line) + fmt.Sprintf(format, args...)}
}

// Repeat is the error of a bulk load that a unique key refused: the item at
// line repeats an id or external id of an earlier item.
func Repeat(line int, what string) error {
	return conflict(line, "%s repeats an earlier line of this import", what)
}
