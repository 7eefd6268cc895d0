package incidentmap

import (
	"slices"
	"time"
)

// ImportItem is one incident of a bulk import and the line of the input it
// came from, which errors about it name.
type ImportItem struct {
	Incident *Incident
	Line     int
	// Validated says that the importer has run Incident.Validate and it
	// passed, so that the store need not run it again.
	Validated bool
}

// ImportOptions tune Store.UpsertIncidents.
type ImportOptions struct {
	// DryRun runs the import to the end and counts what it would do, then
	// rolls it back: nothing is written.
	DryRun bool
	// Progress, when set, is called now and then with the number of items
	// taken so far, from the goroutine that called UpsertIncidents.
	Progress func(items int)
}

// MaxListedIDs caps the ids an ImportResult lists by outcome.
const MaxListedIDs = 20

// ImportResult counts what an import did or, in a dry run, would do.
type ImportResult struct {
	Created, Updated, Unchanged int
	// UpdatedIDs lists the first MaxListedIDs incidents updated.
	UpdatedIDs []string
	// Bulk is set when the store was empty and loaded the items in bulk,
	// building its indexes after the load.
	Bulk bool
}

// SameContent reports whether a and b say the same thing: every field but
// Version, CreatedAt and UpdatedAt, which the store owns, is equal (an empty
// list equals a nil one, and times compare as instants). An import leaves an
// incident whose content is the same unchanged.
func SameContent(a, b *Incident) bool {
	if a.ID != b.ID || a.Title != b.Title || a.Summary != b.Summary ||
		!a.OccurredStart.Equal(b.OccurredStart) || !a.OccurredEnd.Equal(b.OccurredEnd) ||
		a.DatePrecision != b.DatePrecision || a.Location != b.Location ||
		a.LocationPrecision != b.LocationPrecision || a.PlaceName != b.PlaceName ||
		a.Country != b.Country || a.Admin1Code != b.Admin1Code || a.Admin1Name != b.Admin1Name ||
		a.EventType != b.EventType || a.SubEventType != b.SubEventType || a.TargetType != b.TargetType ||
		a.TargetCountry != b.TargetCountry || a.Facility != b.Facility || a.Perpetrator != b.Perpetrator ||
		!sameInt(a.Fatalities, b.Fatalities) || !sameInt(a.Injuries, b.Injuries) || a.Status != b.Status {
		return false
	}
	return slices.Equal(a.ExternalIDs, b.ExternalIDs) && slices.Equal(a.Actors, b.Actors) &&
		slices.Equal(a.Tags, b.Tags) &&
		slices.EqualFunc(a.Sources, b.Sources, sameSource) &&
		slices.EqualFunc(a.Responses, b.Responses, func(x, y Response) bool {
			return x.Date.Equal(y.Date) && x.DatePrecision == y.DatePrecision && x.Actor == y.Actor &&
				x.ActorCountry == y.ActorCountry && x.Kind == y.Kind && x.Summary == y.Summary &&
				sameSource(x.Source, y.Source)
		})
}

func sameInt(a, b *int) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func sameSource(a, b Source) bool {
	return a.Publisher == b.Publisher && a.Title == b.Title && a.URL == b.URL && sameDay(a.PublishedOn, b.PublishedOn)
}

func sameDay(a, b time.Time) bool { return a.IsZero() == b.IsZero() && (a.IsZero() || a.Equal(b)) }
