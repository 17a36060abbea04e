// Package metrics is what a process exposes to Prometheus (METRICS_ADDR): GraphQL operations by
// name, type and outcome with their latency and complexity, HTTP requests by route and status,
// refusals by rate limits, open WebSockets and subscriptions, the cases overdue by province, and
// the database pool. Each server has its own registry (github.com/prometheus/client_golang), so
// tests and several servers in one process do not share counters.
package metrics

import (
	"context"
	"database/sql"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// maxOperationNames bounds the operation label: names are the client's, and each new one would
// be a new series; past this many, further names count as "other".
const maxOperationNames = 200

// Metrics holds one server's collectors.
type Metrics struct {
	registry      *prometheus.Registry
	operations    *prometheus.CounterVec
	duration      *prometheus.HistogramVec
	complexity    prometheus.Histogram
	http          *prometheus.CounterVec
	refused       *prometheus.CounterVec
	websockets    prometheus.Gauge
	subscriptions prometheus.Gauge
	overdue       *overdue
	jobs          *overdue // the same collector: jobs of the queue by state
	pushes        *pushes

	mu    sync.Mutex
	names map[string]bool
}

// New returns the collectors of a server whose database pool is db.
func New(db *sql.DB) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		operations: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "liemchinh_graphql_operations_total",
			Help: "GraphQL operations answered, by operation name, type and outcome (ok, or the first error's code)."},
			[]string{"operation", "type", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "liemchinh_graphql_operation_duration_seconds",
			Help:    "Time to answer a query or mutation, by operation name and type.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}},
			[]string{"operation", "type"}),
		complexity: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "liemchinh_graphql_complexity",
			Help:    "Complexity of the operations admitted.",
			Buckets: prometheus.ExponentialBuckets(10, 4, 8)}),
		http: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "liemchinh_http_requests_total",
			Help: "HTTP requests answered, by route and status."}, []string{"route", "status"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "liemchinh_rate_limited_total",
			Help: "Requests refused by a rate limit or budget (RATE_LIMITED, HTTP 429), by route."}, []string{"route"}),
		websockets: prometheus.NewGauge(prometheus.GaugeOpts{Name: "liemchinh_websocket_connections",
			Help: "WebSocket connections open (initialised)."}),
		subscriptions: prometheus.NewGauge(prometheus.GaugeOpts{Name: "liemchinh_graphql_subscriptions",
			Help: "GraphQL subscriptions running."}),
		overdue: &overdue{desc: prometheus.NewDesc("liemchinh_cases_overdue",
			"Citizen cases past the deadline they are held to now, by the code of their unit's province (counted at most every 30 s).",
			[]string{"province"}, nil), now: time.Now},
		jobs: &overdue{desc: prometheus.NewDesc("liemchinh_job_queue_depth",
			"Jobs of the queue (River) by state: available (waiting to run), scheduled, running, retryable (failed, to retry), discarded (failed for good), completed (kept a day), cancelled; counted at most every 30 s.",
			[]string{"state"}, nil), now: time.Now},
		pushes: &pushes{desc: prometheus.NewDesc("liemchinh_pushes_total",
			"Push notifications by outcome since the process started: sent, dead_token (the device was forgotten), failed (left to retry), skipped (a muted kind).",
			[]string{"outcome"}, nil)},
		names: map[string]bool{},
	}
	m.registry.MustRegister(m.operations, m.duration, m.complexity, m.http, m.refused, m.websockets, m.subscriptions, m.overdue,
		m.jobs, m.pushes,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if db != nil {
		m.registry.MustRegister(collectors.NewDBStatsCollector(db, "liemchinh"))
	}
	return m
}

// Handler serves the metrics in the Prometheus exposition format.
// Replica adds the read replica's figures (DATABASE_READ_URL): its lag at the last check, whether it
// serves reads, the statements it served, and its pool (go_sql_* with db_name="liemchinh_replica").
func (m *Metrics) Replica(db *sql.DB, lag func() time.Duration, usable func() bool, served func() int64) {
	if m == nil {
		return
	}
	m.registry.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "liemchinh_db_replica_lag_seconds",
			Help: "Replay lag of the read replica at its last check, each second (-1: unknown, unreachable)."},
			func() float64 {
				if d := lag(); d >= 0 {
					return d.Seconds()
				}
				return -1
			}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "liemchinh_db_replica_usable",
			Help: "1 while the read replica serves the lag-tolerant reads, 0 while they go to the primary."},
			func() float64 {
				if usable() {
					return 1
				}
				return 0
			}),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "liemchinh_db_replica_statements_total",
			Help: "Statements the read replica served."}, func() float64 { return float64(served()) }),
		collectors.NewDBStatsCollector(db, "liemchinh_replica"))
}

func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// operation returns the label of an operation name: the name, "anonymous" without one, "other"
// once maxOperationNames names were seen.
func (m *Metrics) operation(name string) string {
	if name == "" {
		return "anonymous"
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.names[name] {
		return name
	}
	if len(m.names) >= maxOperationNames {
		return "other"
	}
	m.names[name] = true
	return name
}

// Operation records a query or mutation answered (seconds < 0: a subscription's event, not timed).
func (m *Metrics) Operation(name, typ, outcome string, seconds float64) {
	if m == nil {
		return
	}
	op := m.operation(name)
	m.operations.WithLabelValues(op, typ, outcome).Inc()
	if seconds >= 0 {
		m.duration.WithLabelValues(op, typ).Observe(seconds)
	}
	if outcome == "RATE_LIMITED" {
		m.refused.WithLabelValues("/query").Inc()
	}
}

// Complexity records an admitted operation's complexity.
func (m *Metrics) Complexity(n int) {
	if m != nil {
		m.complexity.Observe(float64(n))
	}
}

// HTTP records a request answered (route: a fixed name, never the path's variable parts).
func (m *Metrics) HTTP(route string, status int) {
	if m == nil {
		return
	}
	m.http.WithLabelValues(route, strconv.Itoa(status)).Inc()
	if status == http.StatusTooManyRequests && route != "/query" { // /query counts RATE_LIMITED itself
		m.refused.WithLabelValues(route).Inc()
	}
}

// WebSocket counts a connection opened (+1) or closed (-1).
func (m *Metrics) WebSocket(delta float64) {
	if m != nil {
		m.websockets.Add(delta)
	}
}

// Subscription counts a subscription started (+1) or ended (-1).
func (m *Metrics) Subscription(delta float64) {
	if m != nil {
		m.subscriptions.Add(delta)
	}
}

// overdueEvery is how often a scrape may count the overdue cases again; between, the last count
// is served (the count reads the database).
const overdueEvery = 30 * time.Second

// overdue is the collector of the cases overdue now by province: counted by the function the
// server sets (Overdue), at most every overdueEvery.
type overdue struct {
	desc *prometheus.Desc

	mu    sync.Mutex
	count func(context.Context) (map[string]int, error)
	at    time.Time
	last  map[string]int
	now   func() time.Time
}

func (o *overdue) Describe(ch chan<- *prometheus.Desc) { ch <- o.desc }

func (o *overdue) Collect(ch chan<- prometheus.Metric) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.count == nil {
		return
	}
	if o.last == nil || o.now().Sub(o.at) >= overdueEvery {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		byProvince, err := o.count(ctx)
		if err != nil {
			ch <- prometheus.NewInvalidMetric(o.desc, err)
			return
		}
		o.last, o.at = byProvince, o.now()
	}
	for province, n := range o.last {
		ch <- prometheus.MustNewConstMetric(o.desc, prometheus.GaugeValue, float64(n), province)
	}
}

// Overdue sets how the cases overdue now are counted by province code (casework's rule); until it
// is set the gauge has no series.
func (m *Metrics) Overdue(count func(context.Context) (map[string]int, error)) {
	if m == nil {
		return
	}
	m.overdue.mu.Lock()
	defer m.overdue.mu.Unlock()
	m.overdue.count, m.overdue.last = count, nil
}

// Jobs sets how the job queue's depth is counted by state, and how the pushes of the process are
// counted by outcome (issue 14, 15).
func (m *Metrics) Jobs(depth func(context.Context) (map[string]int, error), pushed func() map[string]int64) {
	if m == nil {
		return
	}
	m.jobs.mu.Lock()
	m.jobs.count, m.jobs.last = depth, nil
	m.jobs.mu.Unlock()
	m.pushes.mu.Lock()
	m.pushes.count = pushed
	m.pushes.mu.Unlock()
}

// pushes is the collector of the pushes sent by outcome.
type pushes struct {
	desc  *prometheus.Desc
	mu    sync.Mutex
	count func() map[string]int64
}

func (p *pushes) Describe(ch chan<- *prometheus.Desc) { ch <- p.desc }

func (p *pushes) Collect(ch chan<- prometheus.Metric) {
	p.mu.Lock()
	count := p.count
	p.mu.Unlock()
	if count == nil {
		return
	}
	for outcome, n := range count() {
		ch <- prometheus.MustNewConstMetric(p.desc, prometheus.CounterValue, float64(n), outcome)
	}
}
