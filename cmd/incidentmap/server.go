package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/api"
	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/ingest"
	"github.com/incidentmap/incidentmap/store/postgis"
	"github.com/incidentmap/incidentmap/store/sqlite"
	"github.com/incidentmap/incidentmap/web"
	"golang.org/x/net/netutil"
)

// openStore opens the store a DSN names: sqlite:PATH or postgres://…,
// with the store's default pools. Opening applies the store's migrations.
func openStore(ctx context.Context, dsn string) (incidentmap.Store, error) {
	return openStoreConns(ctx, dsn, 0)
}

// openStoreConns is openStore with conns reading connections (0 for the
// store's default): SQLite's readers, PostGIS's whole pool.
func openStoreConns(ctx context.Context, dsn string, conns int) (incidentmap.Store, error) {
	if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		return sqlite.OpenOptions(ctx, path, sqlite.Options{ReadConns: conns})
	}
	return postgis.OpenOptions(ctx, dsn, postgis.Options{MaxConns: conns})
}

// openImportStore is openStore for `incidentmap import`, which is the only
// user of the store in its process: a first import into an empty SQLite
// file may then run without the WAL (sqlite.Options.ExclusiveImports).
func openImportStore(ctx context.Context, dsn string) (incidentmap.Store, error) {
	if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		return sqlite.OpenOptions(ctx, path, sqlite.Options{ExclusiveImports: true})
	}
	return openStore(ctx, dsn)
}

func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// Main is a running server: its store, listener and HTTP server. Tests boot
// it on 127.0.0.1:0 exactly as `incidentmap serve` does.
type Main struct {
	Config Config
	Logger *slog.Logger

	Store      incidentmap.Store
	Geo        *geo.Data // the gazetteer and boundaries, each loaded on first use
	listener   net.Listener
	server     *http.Server
	closeReady func() error

	// WarmBasemap builds the built-in basemap at start: serve sets it
	// when the built-in basemap is the map's (an empty --basemap-url);
	// tests that never draw a map leave it off.
	WarmBasemap bool
}

// Open opens the store, loads the seeds into an empty database when
// Config.Seed is set, and starts listening. It does not serve yet.
func (m *Main) Open(ctx context.Context) (err error) {
	if m.Logger == nil {
		m.Logger = newLogger(m.Config.LogFormat, os.Stderr)
	}
	if m.Store, err = openServing(ctx, m.Config); err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	ready, closeReady, err := readyCheck(m.Config.DB)
	if err != nil {
		return err
	}
	m.closeReady = closeReady
	pools, collectors := poolStats(m.Store)
	if m.Config.Seed {
		if err := m.seed(ctx); err != nil {
			return err
		}
	}
	if m.Geo == nil {
		m.Geo = &geo.Data{}
	}
	keys, _ := m.Store.(incidentmap.KeyStore) // both stores keep keys
	handler, err := api.New(m.Store, api.Config{
		Geo:             m.Geo,
		BaseURL:         m.Config.BaseURL,
		TrustProxy:      m.Config.TrustProxy,
		Basemap:         api.Basemap{URL: tileTemplate(m.Config.BasemapURL), Attribution: m.Config.BasemapAttribution},
		Web:             web.FS(),
		RequestTimeout:  m.Config.RequestTimeout,
		MatchedCap:      m.Config.MatchedCap,
		CORSOrigins:     splitList(m.Config.CORSOrigins),
		CacheControl:    m.Config.CacheControl,
		Logger:          m.Logger,
		MaxHeavy:        m.Config.MaxHeavy,
		HeavyQueue:      m.Config.HeavyQueue,
		HeavyWait:       m.Config.HeavyWait,
		MaxRequestBytes: m.Config.MaxRequestBytes,
		WriteStall:      m.Config.WriteStall,
		Ready:           ready,
		Pools:           pools,
		Collectors:      collectors,
		Keys:            keys,
		PrivateRead:     m.Config.PrivateRead,
		MaxBodyBytes:    m.Config.MaxBodyBytes,
		MaxImportBytes:  m.Config.MaxImportBytes,
		AuthFailures:    int(m.Config.AuthFailures),
		WarmTiles:       true,
		WarmBasemap:     m.WarmBasemap,
		ItemIndex:       m.Config.ItemIndex,
	})
	if err != nil {
		return err
	}
	if !web.Built() {
		m.Logger.Warn("the front end is not built; the map at / will say so (run make run, or make web)")
	}
	if m.listener, err = net.Listen("tcp", m.Config.Addr); err != nil {
		return fmt.Errorf("listen on %s: %w", m.Config.Addr, err)
	}
	// Beyond MaxConns, connections wait in the kernel's backlog to be
	// accepted. A client that sends its request or reads its response too
	// slowly is cut off by ReadTimeout and WriteTimeout, so that no
	// connection outlives the limits (slowloris, a client that never reads).
	m.listener = netutil.LimitListener(m.listener, m.Config.MaxConns)
	m.server = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: min(10*time.Second, m.Config.ReadTimeout),
		ReadTimeout:       m.Config.ReadTimeout,
		WriteTimeout:      m.Config.writeTimeout(),
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(m.Logger.Handler(), slog.LevelWarn),
	}
	return nil
}

// seed imports the seed incidents when the database holds no incident yet.
func (m *Main) seed(ctx context.Context) error {
	n, err := m.Store.CountIncidents(ctx, incidentmap.Filter{})
	if err != nil || n > 0 {
		return err
	}
	incs, err := ingest.Seeds()
	if err != nil {
		return err
	}
	if err := m.Store.ImportIncidents(ctx, incs); err != nil {
		return fmt.Errorf("load seed incidents: %w", err)
	}
	m.Logger.Info("loaded the seed incidents into an empty database", "count", len(incs))
	return nil
}

// URL returns the base URL the server listens on, for tests and the log.
func (m *Main) URL() string {
	addr := m.listener.Addr().(*net.TCPAddr)
	host := addr.IP.String()
	if addr.IP.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, fmt.Sprint(addr.Port))
}

// Serve serves until Close; it returns nil after a graceful shutdown.
func (m *Main) Serve() error {
	m.Logger.Info("serving", "url", m.URL(), "db", redact(m.Config.DB))
	if err := m.server.Serve(m.listener); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Close stops accepting requests, lets in-flight ones finish within the
// shutdown timeout, and closes the store.
func (m *Main) Close() error {
	var errs []error
	if m.server != nil {
		ctx, cancel := context.WithTimeout(context.Background(), m.Config.ShutdownTimeout)
		defer cancel()
		errs = append(errs, m.server.Shutdown(ctx))
	} else if m.listener != nil {
		errs = append(errs, m.listener.Close())
	}
	if m.Store != nil {
		errs = append(errs, m.Store.Close())
	}
	if m.closeReady != nil {
		errs = append(errs, m.closeReady())
	}
	return errors.Join(errs...)
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// redact hides the password of a postgres DSN for logging, also when it
// does not parse as a URL.
func redact(dsn string) string {
	if i, j := strings.Index(dsn, "://"), strings.LastIndex(dsn, "@"); i >= 0 && j > i {
		if k := strings.Index(dsn[i+3:j], ":"); k >= 0 {
			return dsn[:i+3+k+1] + "***" + dsn[j:]
		}
	}
	return dsn
}

// warmsBasemap reports whether serve builds the built-in basemap at start
// (its labels, the gazetteer and the boundaries: ≈170 MB of heap): only
// when it is the map's basemap. Behind a --basemap-url it is the page's
// offline fallback, built when a page first asks for its tiles.
func warmsBasemap(cfg Config) bool { return cfg.BasemapURL == "" }

func serve(ctx context.Context, cfg Config, stderr io.Writer) error {
	m := &Main{Config: cfg, Logger: newLogger(cfg.LogFormat, stderr), WarmBasemap: warmsBasemap(cfg)}
	if cfg.MemoryLimit > 0 {
		debug.SetMemoryLimit(cfg.MemoryLimit)
	}
	// The limit follows the live heap (memory.go): the read models are
	// built under it too.
	defer startGCTuner(cfg.GCHeadroom, cfg.MemoryLimit).Stop()
	if err := m.Open(ctx); err != nil {
		m.Close()
		return err
	}
	done := make(chan error, 1)
	go func() { done <- m.Serve() }()
	select {
	case err := <-done:
		m.Close()
		return err
	case <-ctx.Done():
		m.Logger.Info("shutting down", "grace", cfg.ShutdownTimeout)
		err := m.Close()
		if serveErr := <-done; serveErr != nil {
			err = errors.Join(err, serveErr)
		}
		return err
	}
}

func migrate(ctx context.Context, cfg Config, stdout io.Writer) error {
	s, err := openStore(ctx, cfg.DB)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	fmt.Fprintf(stdout, "%s: schema is up to date\n", redact(cfg.DB))
	return s.Close()
}

// tileTemplate is the configured basemap URL as the {z}/{x}/{y} template the
// page fills (Validate has checked it).
func tileTemplate(raw string) string {
	t, _ := api.TileTemplate(raw)
	return t
}
