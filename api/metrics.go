package api

import (
	"database/sql"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metricsPath serves the Prometheus metrics.
const metricsPath = "/metrics"

// metrics are the Prometheus metrics of one server, in a registry of its
// own (never the process-wide default), so that servers in one process,
// as in tests, do not collide.
type metrics struct {
	reg      *prometheus.Registry
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
	refusals *prometheus.CounterVec
	cache    *prometheus.CounterVec
}

// DBStats names a connection pool and how to read its statistics, for
// /metrics.
type DBStats struct {
	Name  string // "primary", "replica", …
	Stats func() sql.DBStats
}

// newMetrics registers the metrics of s: request latency by route, method
// and status; requests in flight; heavy requests running and waiting;
// refusals by limit; cache hits and misses; the pools' statistics; and
// the Go runtime's and process's own.
func newMetrics(s *server, pools []DBStats, more []prometheus.Collector) (*metrics, error) {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "incidentmap_http_request_duration_seconds",
			Help:    "Time from the request's arrival to the end of its response, by route template, method and status.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"route", "method", "status"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "incidentmap_http_requests_in_flight", Help: "Requests being served now."}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "incidentmap_limit_refusals_total", Help: "Requests refused by a limit, by limit name."}, []string{"limit"}),
		cache: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "incidentmap_cache_requests_total",
			Help: "Cache lookups: cache=http is a conditional request answered 304 (hit) or in full (miss); cache=extent the collection extent."},
			[]string{"cache", "result"}),
	}
	cs := []prometheus.Collector{m.duration, m.inFlight, m.refusals, m.cache,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "incidentmap_heavy_requests_running",
			Help: "Heavy requests (pages, counts, collections, extraction) holding a slot."},
			func() float64 { n, _ := s.gate.inFlight(); return float64(n) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "incidentmap_heavy_requests_waiting",
			Help: "Heavy requests waiting for a slot."},
			func() float64 { _, n := s.gate.inFlight(); return float64(n) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "incidentmap_heavy_requests_limit",
			Help: "Slots for heavy requests."}, func() float64 { return float64(cap(s.gate.slots)) }),
	}
	for _, p := range pools {
		cs = append(cs, poolCollector(p)...)
	}
	cs = append(cs, more...)
	for _, c := range cs {
		if err := m.reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// poolCollector exposes a connection pool's sql.DBStats.
func poolCollector(p DBStats) []prometheus.Collector {
	labels := prometheus.Labels{"pool": p.Name}
	gauge := func(name, help string, f func(sql.DBStats) float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "incidentmap_db_" + name, Help: help, ConstLabels: labels},
			func() float64 { return f(p.Stats()) })
	}
	counter := func(name, help string, f func(sql.DBStats) float64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "incidentmap_db_" + name, Help: help, ConstLabels: labels},
			func() float64 { return f(p.Stats()) })
	}
	return []prometheus.Collector{
		gauge("connections_max", "Most open connections the pool allows (0: no limit).", func(s sql.DBStats) float64 { return float64(s.MaxOpenConnections) }),
		gauge("connections_open", "Open connections.", func(s sql.DBStats) float64 { return float64(s.OpenConnections) }),
		gauge("connections_in_use", "Connections in use.", func(s sql.DBStats) float64 { return float64(s.InUse) }),
		gauge("connections_idle", "Idle connections.", func(s sql.DBStats) float64 { return float64(s.Idle) }),
		counter("wait_total", "Times a query waited for a free connection.", func(s sql.DBStats) float64 { return float64(s.WaitCount) }),
		counter("wait_seconds_total", "Time spent waiting for a free connection.", func(s sql.DBStats) float64 { return s.WaitDuration.Seconds() }),
	}
}

// observe is the outermost middleware of the metrics: in-flight requests
// and the latency histogram. The route is gin's template (so ids do not
// make new series); requests that match no route count as "other".
func (s *server) observe(c *gin.Context) {
	start := time.Now()
	s.metrics.inFlight.Inc()
	defer func() {
		s.metrics.inFlight.Dec()
		route := c.FullPath()
		if route == "" {
			route = "other"
		}
		method := c.Request.Method
		switch method {
		case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		default:
			method = "other"
		}
		s.metrics.duration.WithLabelValues(route, method, strconv.Itoa(c.Writer.Status())).Observe(time.Since(start).Seconds())
	}()
	c.Next()
}

// refused counts a request that a limit refused.
func (m *metrics) refused(err error) {
	var le *limitError
	if errors.As(err, &le) {
		m.refusals.WithLabelValues(le.limit).Inc()
	}
}

// cacheResult counts a lookup of a cache.
func (m *metrics) cacheResult(cache string, hit bool) {
	result := "miss"
	if hit {
		result = "hit"
	}
	m.cache.WithLabelValues(cache, result).Inc()
}

// serveMetrics serves GET /metrics in the Prometheus text format.
func (s *server) serveMetrics() gin.HandlerFunc {
	h := promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{ErrorLog: nil})
	return func(c *gin.Context) {
		c.Header("Cache-Control", "no-store")
		h.ServeHTTP(c.Writer, c.Request)
	}
}
