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

// ListenerPID returns the backend of the data version's listener, 0 while
// it is down.
func (s *Store) ListenerPID() uint32 { return s.listen.pid.Load() }

// Notifications counts the notifications the listener received.
func (s *Store) Notifications() int64 { return s.listen.heard.Load() }

// ListenerUp reports whether the data version's listener LISTENs.
func (s *Store) ListenerUp() bool { up, _ := s.VersionStats(); return up }

// ListenerDone is closed when the data version's listener has stopped.
func (s *Store) ListenerDone() <-chan struct{} { return s.listen.done }

// VersionReads counts DataVersion's reads of data_version's row.
func (s *Store) VersionReads() int64 { _, n := s.VersionStats(); return n }

// DeafListener stops the data version's listener but keeps the cache as
// if it still listened: no notification ever drops the cached version,
// so that only the store's own writes do.
func (s *Store) DeafListener() {
	s.listen.stop()
	s.version.setUp(true)
}

// StopListener stops the data version's listener: every DataVersion reads
// the row from then on.
func (s *Store) StopListener() { s.listen.stop() }
