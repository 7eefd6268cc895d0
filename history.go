package incidentmap

import "time"

// Op is the kind of change a revision records.
type Op string

// Ops.
const (
	OpCreate Op = "create"
	OpUpdate Op = "update"
	OpDelete Op = "delete"
)

// Revision is one change of one incident: every create, update and delete
// leaves one, in the same transaction as the change.
type Revision struct {
	// Seq orders all revisions of all incidents in the order their
	// transactions committed; the change feed pages by it.
	Seq int64
	// ID is the incident's id; Version its version after the change (for a
	// delete, one more than the version deleted).
	ID      string
	Version int
	Op      Op
	// Actor is who made the change (see WithActor); "" for the system.
	Actor string
	// At is when the change was made: the incident's UpdatedAt, or the
	// time of deletion.
	At time.Time
	// Incident is the incident as it stood after the change; nil for a
	// delete.
	Incident *Incident
}

// StateAt returns the incident as revs (the revisions of one incident)
// say it stood at the instant at: the one of the revision with the
// greatest Seq whose At is at or before at, nil when that is a delete or
// there is none. Seq, not At, decides: two writers may commit with their
// instants out of the order of their seqs, so a later revision can carry
// an earlier instant.
func StateAt(revs []Revision, at time.Time) *Incident {
	var latest *Revision
	for i := range revs {
		if !revs[i].At.After(at) && (latest == nil || revs[i].Seq > latest.Seq) {
			latest = &revs[i]
		}
	}
	if latest == nil {
		return nil
	}
	return latest.Incident
}

// HistoryLimit caps how many revisions one call of Changes returns.
const HistoryLimit = 1000

// CheckTransition reports whether an incident may go from status from to
// status to: draft → published → retracted, and a draft may be retracted
// without being published. Anything else, such as publishing a retracted
// incident again, is ECONFLICT naming "status".
func CheckTransition(from, to Status) error {
	switch {
	case from == to,
		from == StatusDraft && (to == StatusPublished || to == StatusRetracted),
		from == StatusPublished && to == StatusRetracted:
		return nil
	}
	return &Error{Code: ECONFLICT, Param: "status", Message: "status: cannot go from " + string(from) + " to " + string(to) +
		"; the workflow is draft → published → retracted"}
}
