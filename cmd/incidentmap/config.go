package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/incidentmap/incidentmap/api"
)

// Config is everything the commands take from flags and the environment.
type Config struct {
	DB                 string        // sqlite:PATH or postgres://…
	Addr               string        // listen address of serve
	BaseURL            string        // public URL prefix for links, when behind a proxy
	TrustProxy         bool          // honour X-Forwarded-Proto/Host
	BasemapURL         string        // tile URL template for the map; empty for none
	BasemapAttribution string        // attribution shown with the basemap
	Seed               bool          // load the seed incidents into an empty database
	LogFormat          string        // text or json
	CORSOrigins        string        // comma-separated origins allowed by CORS; * for any
	CacheControl       string        // Cache-Control of data responses
	RequestTimeout     time.Duration // per request
	DBConns            int           // read connections: SQLite's readers, PostGIS's pool; 0 for the store's default
	MatchedCap         int           // most incidents counted for numberMatched beyond the page; 0 for none
	ItemIndex          bool          // answer item pages from the in-memory read model where it can
	MemoryLimit        int64         // ceiling of the soft limit of the Go heap in bytes (runtime/debug.SetMemoryLimit); 0 for none
	GCHeadroom         int64         // most the heap may grow past what the last collection left before the next; 0 for Go's doubling
	ShutdownTimeout    time.Duration // grace for in-flight requests on SIGTERM
	PrivateRead        bool          // reads need an API key too
	MaxBodyBytes       int64         // limit of the body of a write
	MaxImportBytes     int64         // limit of the body of POST /imports
	AuthFailures       int64         // failed authentications per address and minute before 429

	ReadDB          string        // postgres://… of a streaming replica for heavy reads; empty for none
	MaxConns        int           // open client connections at once
	ReadTimeout     time.Duration // to read a request, headers and body
	WriteTimeout    time.Duration // to write a response; 0 means RequestTimeout + 10 s
	MaxHeavy        int           // heavy requests at once
	HeavyQueue      int           // heavy requests waiting for a slot
	HeavyWait       time.Duration // longest wait for a slot
	MaxRequestBytes int64         // largest request body
	WriteStall      time.Duration // longest a write may wait for a client that does not read
}

// maxHeaderBytes caps a request's line and headers: enough for a CQL2 filter
// of cql2.MaxLength bytes percent-encoded.
const maxHeaderBytes = 256 << 10

// DefaultConfig returns the configuration of a plain `incidentmap serve`.
func DefaultConfig() Config {
	return Config{
		DB:   "sqlite:./incidentmap.db",
		Addr: ":8080",
		// No tile URL: the built-in basemap, which needs no network. A
		// tile server (OSM, any XYZ or WMTS) is opt-in with --basemap-url.
		BasemapURL:         "",
		BasemapAttribution: "",
		Seed:               true,
		ItemIndex:          true,
		GCHeadroom:         defaultGCHeadroom,
		LogFormat:          "text",
		CORSOrigins:        "*",
		CacheControl:       "public, max-age=60",
		RequestTimeout:     60 * time.Second,
		ShutdownTimeout:    15 * time.Second,
		MaxBodyBytes:       1 << 20,
		MaxImportBytes:     64 << 20,
		AuthFailures:       10,
		MaxConns:           1024,
		ReadTimeout:        30 * time.Second,
		MaxHeavy:           defaultMaxHeavy(),
		HeavyQueue:         64,
		HeavyWait:          30 * time.Second,
		MaxRequestBytes:    2 << 20,
		WriteStall:         15 * time.Second,
	}
}

// defaultMaxHeavy is two heavy requests per CPU, from 4 to 16: a heavy
// request mostly waits on the database, which has the same CPUs.
func defaultMaxHeavy() int { return min(16, max(4, 2*runtime.GOMAXPROCS(0))) }

// writeTimeout is the time allowed to write a response.
func (c Config) writeTimeout() time.Duration {
	if c.WriteTimeout > 0 {
		return c.WriteTimeout
	}
	return c.RequestTimeout + 10*time.Second
}

// Validate checks the configuration before anything is opened.
func (c Config) Validate() error {
	switch {
	case !strings.HasPrefix(c.DB, "sqlite:") && !strings.HasPrefix(c.DB, "postgres://") && !strings.HasPrefix(c.DB, "postgresql://"):
		return fmt.Errorf("--db must be sqlite:PATH or postgres://…, got %q", c.DB)
	case c.DB == "sqlite:":
		return errors.New("--db sqlite: needs a path, e.g. sqlite:./incidentmap.db")
	case c.LogFormat != "text" && c.LogFormat != "json":
		return fmt.Errorf("--log-format must be text or json, got %q", c.LogFormat)
	case c.DBConns < 0 || c.DBConns > 1000:
		return fmt.Errorf("--db-conns must be between 0 (the default) and 1000, got %d", c.DBConns)
	case c.MatchedCap < 0 || c.MatchedCap > 1_000_000:
		return fmt.Errorf("--matched-cap must be between 0 (count nothing beyond the page) and 1000000, got %d", c.MatchedCap)
	case c.RequestTimeout <= 0 || c.ShutdownTimeout <= 0:
		return errors.New("--request-timeout and --shutdown-timeout must be positive")
	case c.MemoryLimit < 0:
		return fmt.Errorf("--memory-limit must be 0 (none) or a number of bytes, got %d", c.MemoryLimit)
	case c.GCHeadroom < 0:
		return fmt.Errorf("--gc-headroom must be 0 (Go's doubling) or a number of bytes, got %d", c.GCHeadroom)
	case c.MaxBodyBytes <= 0 || c.MaxImportBytes <= 0 || c.AuthFailures <= 0:
		return errors.New("--max-body-bytes, --max-import-bytes and --auth-failures must be positive")
	case c.BaseURL != "" && !strings.HasPrefix(c.BaseURL, "http://") && !strings.HasPrefix(c.BaseURL, "https://"):
		return fmt.Errorf("--base-url must start with http:// or https://, got %q", c.BaseURL)
	case c.ReadDB != "" && !isPostgres(c.DB):
		return errors.New("--read-db needs --db to be a postgres:// primary: the read database is a streaming replica of it")
	case c.ReadDB != "" && !isPostgres(c.ReadDB):
		return fmt.Errorf("--read-db must be a postgres://… URL, got %q", redact(c.ReadDB))
	case c.MaxConns < 1 || c.MaxHeavy < 1 || c.HeavyQueue < 0 || c.MaxRequestBytes < 1:
		return errors.New("--max-conns, --max-heavy and --max-request-bytes must be at least 1, --heavy-queue at least 0")
	case c.ReadTimeout <= 0 || c.HeavyWait <= 0 || c.WriteStall <= 0 || c.WriteTimeout < 0:
		return errors.New("--read-timeout, --heavy-wait and --write-stall must be positive, --write-timeout not negative")
	}
	if _, err := api.TileTemplate(c.BasemapURL); err != nil {
		return fmt.Errorf("--basemap-url: %w", err)
	}
	for _, dsn := range []string{c.DB, c.ReadDB} {
		if isPostgres(dsn) {
			if u, err := url.Parse(dsn); err != nil || u.Fragment != "" || u.Host == "" {
				return fmt.Errorf("the database URL %s does not parse: escape @ / : # ? %% in the password as %%XX, or give the password in $PGPASSWORD", redact(dsn))
			}
		}
	}
	return nil
}

func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// parseConfig reads the flags of cmd, each defaulting to its INCIDENTMAP_
// environment variable and then to DefaultConfig. It returns the arguments
// left after the flags.
func parseConfig(cmd string, args []string, getenv func(string) string, stderr io.Writer) (Config, []string, error) {
	return parseConfigWith(cmd, args, getenv, stderr, nil)
}

// parseConfigWith is parseConfig with more flags, which more adds to the
// flag set before it parses.
func parseConfigWith(cmd string, args []string, getenv func(string) string, stderr io.Writer, more func(*flag.FlagSet)) (Config, []string, error) {
	c := DefaultConfig()
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	if more != nil {
		more(fs)
	}
	var envErr error
	str := func(p *string, name, env, help string) {
		if v := getenv(env); v != "" {
			*p = v
		}
		fs.StringVar(p, name, *p, help+" ($"+env+")")
	}
	boolean := func(p *bool, name, env, help string) {
		if v := getenv(env); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				envErr = fmt.Errorf("$%s must be true or false, got %q", env, v)
			}
			*p = b
		}
		fs.BoolVar(p, name, *p, help+" ($"+env+")")
	}
	integer := func(p *int, name, env, help string) {
		if v := getenv(env); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				envErr = fmt.Errorf("$%s must be an integer, got %q", env, v)
			}
			*p = n
		}
		fs.IntVar(p, name, *p, help+" ($"+env+")")
	}
	size := func(p *int64, name, env, help string) {
		if v := getenv(env); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				envErr = fmt.Errorf("$%s must be a whole number, got %q", env, v)
			}
			*p = n
		}
		fs.Int64Var(p, name, *p, help+" ($"+env+")")
	}
	duration := func(p *time.Duration, name, env, help string) {
		if v := getenv(env); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				envErr = fmt.Errorf("$%s must be a duration like 30s, got %q", env, v)
			}
			*p = d
		}
		fs.DurationVar(p, name, *p, help+" ($"+env+")")
	}
	str(&c.DB, "db", "INCIDENTMAP_DB", "database: sqlite:PATH or postgres://user:pass@host/db")
	integer(&c.DBConns, "db-conns", "INCIDENTMAP_DB_CONNS", "database connections that read at once: SQLite's readers beside its one writer (default 4), PostGIS's whole pool (default 8, and below the server's max_connections)")
	str(&c.LogFormat, "log-format", "INCIDENTMAP_LOG_FORMAT", "log format: text or json")
	if cmd == "serve" {
		boolean(&c.PrivateRead, "private-read", "INCIDENTMAP_PRIVATE_READ", "reads of incidents need an API key too (default: published incidents are public)")
		size(&c.MaxBodyBytes, "max-body-bytes", "INCIDENTMAP_MAX_BODY_BYTES", "largest body of a create, replace or update (413 above)")
		size(&c.MaxImportBytes, "max-import-bytes", "INCIDENTMAP_MAX_IMPORT_BYTES", "largest body of POST /imports (413 above)")
		size(&c.AuthFailures, "auth-failures", "INCIDENTMAP_AUTH_FAILURES", "failed authentications per client address and minute before 429")
		str(&c.Addr, "addr", "INCIDENTMAP_ADDR", "listen address")
		str(&c.BaseURL, "base-url", "INCIDENTMAP_BASE_URL", "public URL prefix used in links (default: from the request)")
		boolean(&c.TrustProxy, "trust-proxy", "INCIDENTMAP_TRUST_PROXY", "derive link host and scheme from X-Forwarded-Host/Proto")
		str(&c.BasemapURL, "basemap-url", "INCIDENTMAP_BASEMAP_URL", "basemap tile URL: an XYZ template ({z}/{x}/{y}) or a WMTS one ({TileMatrix}/{TileRow}/{TileCol}, Web Mercator); empty (the default) for the built-in offline basemap")
		str(&c.BasemapAttribution, "basemap-attribution", "INCIDENTMAP_BASEMAP_ATTRIBUTION", "attribution of the --basemap-url tiles (the built-in basemap names its own sources)")
		str(&c.CORSOrigins, "cors-origins", "INCIDENTMAP_CORS_ORIGINS", "comma-separated origins allowed to read the API from a browser; * for any")
		str(&c.CacheControl, "cache-control", "INCIDENTMAP_CACHE_CONTROL", "Cache-Control header of data responses")
		boolean(&c.Seed, "seed", "INCIDENTMAP_SEED", "load the seed incidents into an empty database")
		duration(&c.RequestTimeout, "request-timeout", "INCIDENTMAP_REQUEST_TIMEOUT", "time limit of one request; its database queries are cancelled when it passes")
		integer(&c.MatchedCap, "matched-cap", "INCIDENTMAP_MATCHED_CAP", "most incidents an items request counts for numberMatched beyond its page (left out beyond it); 0 counts nothing beyond the page")
		boolean(&c.ItemIndex, "item-index", "INCIDENTMAP_ITEM_INDEX", "choose the item pages of the common filters (bbox, datetime, event_type, country, …), in every format, from an in-memory index of the published incidents, rebuilt after each change of the data; false sends every page to the database")
		size(&c.MemoryLimit, "memory-limit", "INCIDENTMAP_MEMORY_LIMIT", "hard ceiling in bytes of the server's soft Go memory limit (runtime/debug.SetMemoryLimit): the garbage collector works harder near it, whatever --gc-headroom allows; 0 for none")
		size(&c.GCHeadroom, "gc-headroom", "INCIDENTMAP_GC_HEADROOM", "most bytes the server's Go memory may grow past what the last garbage collection left before the next one: after each collection the soft memory limit is set to the memory in use plus this (never above --memory-limit), so the heap grows by at most this much instead of doubling, whatever the size of the read models; 0 leaves Go's doubling")
		duration(&c.ShutdownTimeout, "shutdown-timeout", "INCIDENTMAP_SHUTDOWN_TIMEOUT", "grace period for requests on shutdown")
		str(&c.ReadDB, "read-db", "INCIDENTMAP_READ_DB", "postgres://… of a streaming replica of --db for heavy reads (read-your-writes through the data version)")
		integer(&c.MaxConns, "max-conns", "INCIDENTMAP_MAX_CONNS", "most client connections open at once; more wait to be accepted")
		duration(&c.ReadTimeout, "read-timeout", "INCIDENTMAP_READ_TIMEOUT", "time limit to read a request, headers and body")
		duration(&c.WriteTimeout, "write-timeout", "INCIDENTMAP_WRITE_TIMEOUT", "time limit to write a response (default: request timeout + 10s)")
		integer(&c.MaxHeavy, "max-heavy", "INCIDENTMAP_MAX_HEAVY", "heavy requests (pages, counts, collections, extraction) at once; keep below the database pool")
		integer(&c.HeavyQueue, "heavy-queue", "INCIDENTMAP_HEAVY_QUEUE", "heavy requests that may wait for a slot; more get 503")
		duration(&c.HeavyWait, "heavy-wait", "INCIDENTMAP_HEAVY_WAIT", "longest wait of a heavy request for a slot before 503")
		duration(&c.WriteStall, "write-stall", "INCIDENTMAP_WRITE_STALL", "longest one write of a response may wait for a client that does not read")
		size(&c.MaxRequestBytes, "max-request-bytes", "INCIDENTMAP_MAX_REQUEST_BYTES", "largest request body; larger is 413")
	}
	if err := fs.Parse(args); err != nil {
		return c, nil, err
	}
	if envErr != nil {
		return c, nil, envErr
	}
	return c, fs.Args(), c.Validate()
}
