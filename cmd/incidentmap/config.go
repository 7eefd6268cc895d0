package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
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
	ShutdownTimeout    time.Duration // grace for in-flight requests on SIGTERM
}

// DefaultConfig returns the configuration of a plain `incidentmap serve`.
func DefaultConfig() Config {
	return Config{
		DB:                 "sqlite:./incidentmap.db",
		Addr:               ":8080",
		BasemapURL:         "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
		BasemapAttribution: "© OpenStreetMap contributors",
		Seed:               true,
		LogFormat:          "text",
		CORSOrigins:        "*",
		CacheControl:       "public, max-age=60",
		RequestTimeout:     60 * time.Second,
		ShutdownTimeout:    15 * time.Second,
	}
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
	case c.BaseURL != "" && !strings.HasPrefix(c.BaseURL, "http://") && !strings.HasPrefix(c.BaseURL, "https://"):
		return fmt.Errorf("--base-url must start with http:// or https://, got %q", c.BaseURL)
	}
	return nil
}

// parseConfig reads the flags of cmd, each defaulting to its INCIDENTMAP_
// environment variable and then to DefaultConfig. It returns the arguments
// left after the flags.
func parseConfig(cmd string, args []string, getenv func(string) string, stderr io.Writer) (Config, []string, error) {
	c := DefaultConfig()
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
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
	str(&c.DB, "db", "INCIDENTMAP_DB", "database: sqlite:PATH or postgres://user:pass@host/db")
	integer(&c.DBConns, "db-conns", "INCIDENTMAP_DB_CONNS", "database connections that read at once: SQLite's readers beside its one writer (default 4), PostGIS's whole pool (default 8, and below the server's max_connections)")
	str(&c.LogFormat, "log-format", "INCIDENTMAP_LOG_FORMAT", "log format: text or json")
	if cmd == "serve" {
		str(&c.Addr, "addr", "INCIDENTMAP_ADDR", "listen address")
		str(&c.BaseURL, "base-url", "INCIDENTMAP_BASE_URL", "public URL prefix used in links (default: from the request)")
		boolean(&c.TrustProxy, "trust-proxy", "INCIDENTMAP_TRUST_PROXY", "derive link host and scheme from X-Forwarded-Host/Proto")
		str(&c.BasemapURL, "basemap-url", "INCIDENTMAP_BASEMAP_URL", "basemap tile URL template; empty for none")
		str(&c.BasemapAttribution, "basemap-attribution", "INCIDENTMAP_BASEMAP_ATTRIBUTION", "basemap attribution text")
		str(&c.CORSOrigins, "cors-origins", "INCIDENTMAP_CORS_ORIGINS", "comma-separated origins allowed to read the API from a browser; * for any")
		str(&c.CacheControl, "cache-control", "INCIDENTMAP_CACHE_CONTROL", "Cache-Control header of data responses")
		boolean(&c.Seed, "seed", "INCIDENTMAP_SEED", "load the seed incidents into an empty database")
		duration(&c.RequestTimeout, "request-timeout", "INCIDENTMAP_REQUEST_TIMEOUT", "time limit of one request; its database queries are cancelled when it passes")
		integer(&c.MatchedCap, "matched-cap", "INCIDENTMAP_MATCHED_CAP", "most incidents an items request counts for numberMatched beyond its page (left out beyond it); 0 counts nothing beyond the page")
		duration(&c.ShutdownTimeout, "shutdown-timeout", "INCIDENTMAP_SHUTDOWN_TIMEOUT", "grace period for requests on shutdown")
	}
	if err := fs.Parse(args); err != nil {
		return c, nil, err
	}
	if envErr != nil {
		return c, nil, envErr
	}
	return c, fs.Args(), c.Validate()
}
