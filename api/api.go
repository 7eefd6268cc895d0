// Package api is the gin HTTP transport of incidentmap: OGC API – Features
// (landing page, conformance, the OpenAPI document, collections,
// queryables and items, in JSON and HTML), writes of Part 4 with API keys
// and If-Match (write.go, auth.go), history, the change feed and as_of
// (history.go), imports, OGC API – Tiles (vector tiles of clustered
// incidents, with the clusters, members and grid counts that the map
// draws, from an in-memory read model that follows the data version:
// tiles.go, tileindex.go), item pages answered from an in-memory index of
// the published incidents where it covers their filter (itemindex.go,
// itemsindex.go), HTTP caching, CORS and gzip, health and
// readiness probes, Prometheus metrics, the limits a client can
// hit (heavy requests at once, body size, request time) and the check of
// every query string for clean text, the front end's configuration and
// static files, and the one place where errors become HTTP statuses and
// JSON bodies. It depends on the domain and the feature codec, never on a
// store package.
package api

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/ingest"
	"github.com/prometheus/client_golang/prometheus"
)

// DefaultRequestTimeout is the time limit of one request when
// Config.RequestTimeout is zero.
const DefaultRequestTimeout = 30 * time.Second

// Config configures the HTTP transport. The zero value is valid apart from
// needing a store: links are derived from each request, there is no basemap,
// and / says the front end is not built.
type Config struct {
	// BaseURL, when set, is the public URL prefix that links in responses
	// start with, e.g. "https://maps.example.org/incidentmap". When empty,
	// the scheme and host come from the request.
	BaseURL string
	// TrustProxy makes links honour X-Forwarded-Proto and X-Forwarded-Host,
	// and the access log use X-Forwarded-For. Set it only behind a proxy
	// that overwrites those headers.
	TrustProxy bool
	// Basemap is the tile layer the front end draws under the incidents.
	Basemap Basemap
	// Web is the built front end: index.html at its root and hashed files
	// under assets/. It may be nil or lack index.html; / then answers 503
	// with a page that says how to build it.
	Web fs.FS
	// RequestTimeout limits each request, and cancels its database
	// queries when it passes; zero means DefaultRequestTimeout.
	RequestTimeout time.Duration
	// MatchedCap is the most incidents an items request counts for its
	// numberMatched beyond its page (see incidentmap.Store.FindPage):
	// beyond it the count stops and numberMatched is left out. Zero, the
	// default, counts nothing beyond the page: numberMatched is there when
	// the page holds every match. Counting costs up to MatchedCap index
	// entries and rows per request (at a million incidents, counting
	// 10,000 of a box took 10-500 ms, against 1-10 ms for its first page).
	MatchedCap int
	// Logger receives the access log and the causes of 5xx responses; nil
	// discards them.
	Logger *slog.Logger
	// Geo gives the gazetteer and boundaries for /geocode, /extract, the
	// regions collection and the region parameter; nil turns them off.
	Geo GeoSource
	// Now is the clock for response time stamps; nil means time.Now.
	Now func() time.Time
	// CORSOrigins are the origins whose pages may read responses: "*" for
	// any, or origins such as "https://maps.example.org". Nil means any;
	// an empty, non-nil slice allows none.
	CORSOrigins []string
	// CacheControl is the Cache-Control of data responses (the
	// collections, their items and the queryables' data); empty means
	// DefaultCacheControl. Clients revalidate with the ETag either way.
	CacheControl string

	// Keys checks the API keys of Authorization: Bearer headers; nil
	// refuses every key, so that only anonymous reads work.
	Keys incidentmap.KeyStore
	// PrivateRead makes reads of incidents (items, an item, its history,
	// the change feed, the collections and aggregates) need a key of any
	// role; by default published incidents are public.
	PrivateRead bool
	// AuthFailures is how many failed authentications per minute one
	// client address may make before getting 429; zero means
	// DefaultAuthFailures.
	AuthFailures int
	// MaxBodyBytes limits the body of a create, replace or update (zero:
	// DefaultMaxBodyBytes) and MaxImportBytes that of an import (zero:
	// DefaultMaxImportBytes); larger bodies are 413.
	MaxBodyBytes, MaxImportBytes int64
	// WarmTiles starts building the clustering of the published incidents
	// (the read model of tiles, clusters and bins) in the background when
	// the handler is made, instead of on the first request that needs it.
	WarmTiles bool
	// WarmBasemap builds the built-in basemap (loading the boundaries and
	// the gazetteer, a few seconds of CPU) in the background when the
	// handler is made, instead of when a page first asks for it.
	WarmBasemap bool
	// ItemIndex chooses the item pages of published incidents, in every
	// format, from an in-memory read model of the latest data version
	// (itemindex.go; the rows are read by id or from a cache of features),
	// built in the background at the first items request after each
	// change of the data, when their filter is one it covers; every other
	// request, and all of them while it is built, go to the store.
	ItemIndex bool
	// MaxHeavy is how many heavy requests (every request for data —
	// collections, items, counts — and extraction) run at once; zero means
	// DefaultMaxHeavy. Keep it below the database pool's size, so that
	// light requests and the readiness check always find a connection.
	MaxHeavy int
	// HeavyQueue is how many more heavy requests may wait for a slot,
	// each at most HeavyWait; the rest get 503 with Retry-After at once.
	// Zero means DefaultHeavyQueue and DefaultHeavyWait.
	HeavyQueue int
	HeavyWait  time.Duration
	// MaxRequestBytes caps a request body (413 beyond it); zero means
	// DefaultMaxRequestBytes.
	MaxRequestBytes int64
	// WriteStall is how long one write of a response may wait for a client
	// that does not read before the connection is dropped; zero means
	// DefaultWriteStall.
	WriteStall time.Duration
	// Ready is the readiness check of /readyz, and of errors that may mean
	// the database is down (then 503 with Retry-After instead of 500). It
	// runs with its own short deadline; give it a connection of its own so
	// that a busy pool does not make it fail. Nil means Store.Ping.
	Ready func(context.Context) error
	// Pools are the connection pools whose statistics /metrics shows.
	Pools []DBStats
	// Collectors are more metrics for /metrics, such as the read routing
	// of a replicated store.
	Collectors []prometheus.Collector
}

// Basemap is a Leaflet tile layer: a URL template with {z}, {x} and {y},
// absolute http(s) or a path on this server, and the attribution its
// provider requires.
type Basemap struct {
	URL         string
	Attribution string
}

// Validate reports the first thing wrong with c.
func (c Config) Validate() error {
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
			return fmt.Errorf("api: BaseURL must be an http(s) URL without query or fragment, got %q", c.BaseURL)
		}
	}
	if b := c.Basemap.URL; b != "" {
		if !strings.HasPrefix(b, "https://") && !strings.HasPrefix(b, "http://") &&
			(!strings.HasPrefix(b, "/") || strings.HasPrefix(b, "//")) {
			return fmt.Errorf("api: Basemap.URL must be an absolute http(s) URL or a path on this server, got %q", b)
		}
		for _, p := range []string{"{z}", "{x}", "{y}"} {
			if !strings.Contains(b, p) {
				return fmt.Errorf("api: Basemap.URL must be a tile template with {z}, {x} and {y}, got %q", b)
			}
		}
	}
	if c.AuthFailures < 0 || c.MaxBodyBytes < 0 || c.MaxImportBytes < 0 {
		return errors.New("api: AuthFailures, MaxBodyBytes and MaxImportBytes must not be negative")
	}
	if c.MatchedCap < 0 || c.MatchedCap > 1_000_000 {
		return fmt.Errorf("api: MatchedCap must be between 0 and 1,000,000, got %d", c.MatchedCap)
	}
	if c.RequestTimeout < 0 {
		return fmt.Errorf("api: RequestTimeout must not be negative, got %v", c.RequestTimeout)
	}
	if c.MaxHeavy < 0 || c.HeavyQueue < 0 || c.HeavyWait < 0 || c.MaxRequestBytes < 0 || c.WriteStall < 0 {
		return errors.New("api: MaxHeavy, HeavyQueue, HeavyWait, MaxRequestBytes and WriteStall must not be negative")
	}
	for _, o := range c.CORSOrigins {
		if err := validateCORSOrigin(o); err != nil {
			return err
		}
	}
	if strings.ContainsAny(c.CacheControl, "\r\n") {
		return fmt.Errorf("api: CacheControl must be one line, got %q", c.CacheControl)
	}
	return nil
}

// server holds what the handlers share. Everything in it is set by New and
// read-only afterwards, except the pools.
type server struct {
	store   incidentmap.Store
	baseURL string // without a trailing slash; "" to derive from the request
	trust   bool
	basemap Basemap
	web     fs.FS
	timeout time.Duration
	// matchedCap bounds the count of numberMatched; 0 counts nothing beyond the page.
	matchedCap int
	log        *slog.Logger
	now        func() time.Time

	corsOrigins  []string
	cacheControl string
	pages        map[string]*template.Template // the HTML pages, by name
	openAPI      []byte                        // the OpenAPI document, with "{{BASE}}" for the base URL

	streams sync.Pool // *stream, for the items endpoint
	gzip    func(http.Handler) http.HandlerFunc

	gate       *heavyGate
	maxRequest int64
	writeStall time.Duration
	ready      *readiness
	metrics    *metrics

	tiles  *tileIndexes // the clustered incidents of tiles, clusters and bins
	itemIx *itemIndexes // the read model of item pages; nil when off

	extentMu sync.Mutex
	extent   *extentCache // of the latest data version seen

	keys        incidentmap.KeyStore
	privateRead bool
	failures    failures // of authentication, per client address
	maxBody     int64
	maxImport   int64
	aggregates  aggregateCache // answers of /aggregate for the current data version

	geo           GeoSource
	builtin       basemapTiles // the built-in basemap, from geo
	extractorOnce sync.Once
	extractorVal  *ingest.Extractor
	extractorErr  error
}

// New returns the HTTP handler of the service, reading incidents from store.
//
// It builds a gin engine without gin's logger, debug output or recovery: the
// handler has its own. gin's mode is process-wide, so New sets it to release
// mode for every engine in the process.
func New(store incidentmap.Store, cfg Config) (http.Handler, error) {
	e, _, err := newEngine(store, cfg)
	if err != nil {
		return nil, err
	}
	return e, nil
}

// newEngine builds the gin engine of New and returns the server behind it
// too, for tests.
func newEngine(store incidentmap.Store, cfg Config) (*gin.Engine, *server, error) {
	if store == nil {
		return nil, nil, errors.New("api: a store is required")
	}
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	s := &server{
		store:   store,
		baseURL: strings.TrimRight(cfg.BaseURL, "/"),
		trust:   cfg.TrustProxy,
		basemap: cfg.Basemap,
		web:     cfg.Web,
		timeout: cfg.RequestTimeout,
		log:     cfg.Logger,
		now:     cfg.Now,
		geo:     cfg.Geo,
	}
	s.keys, s.privateRead = cfg.Keys, cfg.PrivateRead
	s.failures.limit = cmp.Or(cfg.AuthFailures, DefaultAuthFailures)
	s.maxBody = cmp.Or(cfg.MaxBodyBytes, DefaultMaxBodyBytes)
	s.maxImport = cmp.Or(cfg.MaxImportBytes, DefaultMaxImportBytes)
	if s.timeout == 0 {
		s.timeout = DefaultRequestTimeout
	}
	s.matchedCap = cfg.MatchedCap
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.tiles = newTileIndexes(store, s.log)
	if cfg.ItemIndex {
		s.itemIx = newItemIndexes(store, s.log, &s.tiles.scans)
		s.tiles.shareItems(s.itemIx) // one scan builds both
	}
	if cfg.WarmTiles {
		go func() {
			if err := s.tiles.Warm(context.Background()); err != nil {
				s.log.Error("tile index: data version", slog.String("error", err.Error()))
			}
		}()
	}
	if cfg.WarmBasemap && s.geo != nil {
		go func() { _, _ = s.builtin.load(s.geo) }()
	}
	s.corsOrigins = cfg.CORSOrigins
	if s.corsOrigins == nil {
		s.corsOrigins = []string{"*"}
	}
	s.cacheControl = cfg.CacheControl
	if s.cacheControl == "" {
		s.cacheControl = DefaultCacheControl
	}
	s.gate = newHeavyGate(cmp.Or(cfg.MaxHeavy, DefaultMaxHeavy), cmp.Or(cfg.HeavyQueue, DefaultHeavyQueue),
		cmp.Or(cfg.HeavyWait, DefaultHeavyWait))
	s.maxRequest = cmp.Or(cfg.MaxRequestBytes, DefaultMaxRequestBytes)
	s.writeStall = cmp.Or(cfg.WriteStall, DefaultWriteStall)
	s.ready = &readiness{check: cfg.Ready}
	if s.ready.check == nil {
		s.ready.check = store.Ping
	}
	var err error
	if s.metrics, err = newMetrics(s, cfg.Pools, cfg.Collectors); err != nil {
		return nil, nil, fmt.Errorf("api: metrics: %w", err)
	}
	if s.pages, err = parsePages(); err != nil {
		return nil, nil, err
	}
	if s.gzip, err = newGzip(); err != nil {
		return nil, nil, fmt.Errorf("api: %w", err)
	}

	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.HandleMethodNotAllowed = true
	e.RedirectTrailingSlash = false
	e.RedirectFixedPath = false
	e.ForwardedByClientIP = cfg.TrustProxy
	if !cfg.TrustProxy {
		if err := e.SetTrustedProxies(nil); err != nil {
			return nil, nil, fmt.Errorf("api: %w", err)
		}
	}
	e.Use(s.observe, s.requestID, s.accessLog, s.recovery, securityHeaders, s.stallGuard, s.cors, s.hygiene, s.limitBody, s.withTimeout, s.authenticate)

	// Data: readable by the caller, compressed, through the heavy gate
	// (the data version that makes them conditional is itself a query),
	// conditional on the data version.
	data := e.Group("", s.readGate, s.compress, s.heavy, s.cached)
	// Documents that change only with the code: compressed.
	docs := e.Group("", s.compress)
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		data.Handle(method, "/collections", s.handle(s.collections))
		data.Handle(method, collectionURL, s.handle(s.collection))
		data.Handle(method, itemsPath, s.handle(s.items))
		data.Handle(method, aggregatePath, s.handle(s.aggregate))
		data.Handle(method, tilePath, s.handle(s.tile))
		data.Handle(method, tileAliasPath, s.handle(s.tileAlias))
		data.Handle(method, tileJSONPath, s.handle(s.tileJSON))
		data.Handle(method, clustersPath, s.handle(s.clusters))
		data.Handle(method, clusterPath, s.handle(s.cluster))
		data.Handle(method, binsPath, s.handle(s.bins))
		docs.Handle(method, tilesPath, s.handle(s.tilesets))
		docs.Handle(method, tilesetPath, s.handle(s.tileset))
		docs.Handle(method, tmsListPath, s.handle(s.tileMatrixSets))
		docs.Handle(method, tmsPath, s.handle(s.tileMatrixSet))
		docs.Handle(method, "/", s.handle(s.landing))
		docs.Handle(method, "/conformance", s.handle(s.conformance))
		docs.Handle(method, "/api", s.handle(s.openAPIDoc))
		docs.Handle(method, "/api.html", s.handle(s.openAPIHTML))
		docs.Handle(method, collectionURL+"/queryables", s.handle(s.queryables))
		docs.Handle(method, pageCSSPath, s.handle(s.pageCSS))
		e.Handle(method, "/healthz", s.handle(s.healthz))
		e.Handle(method, "/readyz", s.handle(s.readyz))
		e.Handle(method, "/config.json", s.handle(s.config))
		e.Handle(method, basemapPath, s.handle(s.basemapTile))
		docs.Handle(method, geocodePath, s.handle(s.geocode))
		docs.Handle(method, regionsURL, s.handle(s.regionsCollection))
		docs.Handle(method, regionItemsPath, s.handle(s.regionItems))
		docs.Handle(method, regionItemsPath+"/:id", s.handle(s.regionItem))
	}
	docs.POST(extractPath, s.handle(s.extract)) // takes its heavy slot once the body is read
	docs.POST(geocodePath, s.handle(s.geocodeBatch))
	s.writeRoutes(e)
	e.GET(metricsPath, s.serveMetrics())
	if s.openAPI, err = buildOpenAPI(); err != nil {
		return nil, nil, err
	}
	e.NoRoute(s.handle(s.static))
	e.NoMethod(s.handle(func(*gin.Context) error { return errMethodNotAllowed }))
	return e, s, nil
}

// handle adapts a handler that returns an error to gin, sending any error
// to the one renderer.
func (s *server) handle(fn func(*gin.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := fn(c); err != nil {
			s.renderError(c, err)
		}
	}
}
