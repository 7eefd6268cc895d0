package postgis

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/incidentmap/incidentmap"
)

// revisionColumns are the columns of a "create" revision that a bulk load
// copies: those the row trigger incident_revision (migration 0004) writes
// on an insert, seq left to its identity so that it follows the copy.
var revisionColumns = []string{
	"incident_id", "version", "op", "actor", "at", "external_ids",
	"title", "summary", "occurred_start", "occurred_end", "date_precision", "location",
	"location_precision", "place_name", "country", "admin1_code", "admin1_name", "event_type",
	"sub_event_type", "target_type", "target_country", "facility", "perpetrator", "actors",
	"fatalities", "injuries", "tags", "sources", "responses", "status", "created_at",
}

// Where incidentValues puts what a revision takes from it.
const (
	valueTitle     = 1  // title … status: 24 columns in revisionColumns' order
	valueStatus    = 24 //
	valueVersion   = 25
	valueCreatedAt = 26
	valueUpdatedAt = 27
	valueUpdatedBy = 28
)

// copyRevisions copies the "create" revisions of incidents that were just
// copied with values (encodeIncidents), in their order: the rows the
// triggers of migration 0004 would have written for them, with the same
// values, so the same bytes, as the incidents' columns. Sent with the
// incidents, they cost the server a COPY instead of a join per row with
// incidents and with the external ids (an INSERT … SELECT per batch took
// as long as the COPY of the incidents and their external ids together).
func copyRevisions(ctx context.Context, tx pgx.Tx, incs []*incidentmap.Incident, values [][]any) error {
	rows := make([][]any, len(values))
	for i, v := range values {
		r := make([]any, 0, len(revisionColumns))
		r = append(r, v[0], v[valueVersion], string(incidentmap.OpCreate), v[valueUpdatedBy], v[valueUpdatedAt], nonNil(incs[i].ExternalIDs))
		r = append(r, v[valueTitle:valueStatus+1]...)
		rows[i] = append(r, v[valueCreatedAt])
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"incident_revisions"}, revisionColumns, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("copy revisions: %w", err)
	}
	return nil
}
