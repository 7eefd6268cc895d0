package postgis

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/stdlib"

	"github.com/incidentmap/incidentmap"
)

// RepeatedKey runs repeatedKey on the items in a transaction of s that it
// rolls back, for the tests of package postgis_test.
func (s *Store) RepeatedKey(ctx context.Context, items []incidentmap.ImportItem) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(driverConn any) error {
		c, ok := driverConn.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("driver connection is a %T", driverConn)
		}
		tx, err := c.Conn().Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		return repeatedKey(ctx, tx, items)
	})
}
