package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"time"

	"github.com/liemchinh/liemchinh/internal/config"
	"github.com/liemchinh/liemchinh/internal/loadtest"
	"github.com/liemchinh/liemchinh/internal/seed"
	"github.com/liemchinh/liemchinh/internal/server"
	"github.com/liemchinh/liemchinh/internal/store"
	"github.com/liemchinh/liemchinh/internal/workdays"
)

// benchProgressQuery selects every field of Progress.
const benchProgressQuery = `query BenchProgress($scope: ScopeInput!, $year: Int!) {
  progress(scope: $scope, year: $year) {
    scope { kind id name } year asOf suppressed headcount units
    awareness { numerator denominator rate } awarenessTarget { target met }
    pledge { numerator denominator rate } registration { numerator denominator rate }
    selfAssessment { numerator denominator rate } classifications { classification count }
    cases {
      received byChannel { channel count } byCategory { category count } byState { state count } overdueNow
      onTime { numerator denominator rate } satisfaction { rated mean }
    }
    negativity { numerator denominator rate } negativityPerThousand
    reduction { rate previousRate value targetLow targetHigh status }
    commendations { total byForm { form count } byLevel { level count } }
  }
}`

const benchRankingQuery = `query BenchRanking($scope: ScopeInput!, $year: Int!) {
  ranking(scope: $scope, year: $year, metric: PLEDGE_RATE, first: 20) {
    totalCount edges { node { rank scope { kind id name } headcount value numerator denominator } }
  }
}`

const benchSeriesQuery = `query BenchSeries($scope: ScopeInput!, $year: Int!) {
  progressSeries(scope: $scope, year: $year) {
    scope { kind id name } year headcount suppressed
    points { month acknowledged pledged selfAssessed officialsWithIncident registered casesReceived
      awarenessRate pledgeRate selfAssessmentRate negativityRate }
  }
}`

// benchCmd runs `liemchinh bench progress`, `liemchinh bench search` and `liemchinh bench http`.
func benchCmd(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdout io.Writer) error {
	if len(args) > 0 && args[0] == "http" {
		return benchHTTP(ctx, args[1:], stdout) // a load client: no database here
	}
	if len(args) == 0 || (args[0] != "progress" && args[0] != "search" && args[0] != "scoped") {
		return errors.New("usage: liemchinh bench progress|search|scoped [--iterations 200] [--warmup 20] [--url URL], or liemchinh bench http --url URL --query FILE ...")
	}
	fs := flag.NewFlagSet("bench "+args[0], flag.ContinueOnError)
	iterations := fs.Int("iterations", 200, "timed rounds (each round asks every query once)")
	warmup := fs.Int("warmup", 20, "untimed rounds first")
	target := fs.String("url", "", "GraphQL endpoint of a running server on the same database (with COMPLEXITY_BUDGET_PER_MINUTE=0), path included; default: a server in this process")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *iterations < 1 || *warmup < 0 {
		return errors.New("bench: --iterations must be 1 or more and --warmup 0 or more")
	}
	db, err := openMigrated(ctx, cfg, log, false)
	if err != nil {
		return err
	}
	defer db.Close()
	h, done, err := benchHandler(cfg, db, *target)
	if err != nil {
		return err
	}
	defer done()
	switch args[0] {
	case "search":
		return benchSearch(ctx, h, db, *iterations, *warmup, stdout)
	case "scoped":
		return benchScoped(ctx, h, db, *iterations, *warmup, stdout)
	}
	return benchProgress(ctx, h, db, *iterations, *warmup, stdout)
}

// benchHandler is what the benches send their requests to: a running server at target, through
// HTTP, or a server built in this process on db (its handler, without a listener).
func benchHandler(cfg config.Config, db *store.DB, target string) (http.Handler, func(), error) {
	if target != "" {
		u, err := url.Parse(target)
		if err != nil || u.Host == "" {
			return nil, nil, fmt.Errorf("bench: --url %q is not an absolute URL", target)
		}
		return &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) { r.Out.URL = u }}, func() {}, nil
	}
	cfg.Limits.ComplexityBudget = 0 // one account asks again and again, on purpose
	deps, err := server.Build(cfg, slog.New(slog.DiscardHandler), db, time.Now)
	if err != nil {
		return nil, nil, err
	}
	return server.New(deps), func() { _ = deps.Close() }, nil
}

// benchTarget is a scope the bench asks about.
type benchTarget struct {
	label string
	scope map[string]any
}

// benchQuery is one query of a round and its timings.
type benchQuery struct {
	label, query string
	target       benchTarget
	progress     bool
	times        []time.Duration
	headcount    int64
}

// benchProgress signs in as national.admin and times the progress
// query for the nation, the province with the most officials and the commune people's committee
// with the most officials in its tree, interleaved, with ranking and progressSeries beside them.
func benchProgress(ctx context.Context, h http.Handler, db *store.DB, iterations, warmup int, stdout io.Writer) error {
	token, err := benchLogin(ctx, h, seed.NationalAdmin)
	if err != nil {
		return err
	}

	nation, province, commune, officials, err := benchTargets(ctx, db)
	if err != nil {
		return err
	}
	year := time.Now().In(workdays.Vietnam).Year()
	queries := []*benchQuery{
		{label: "progress nation", query: benchProgressQuery, target: nation, progress: true},
		{label: "progress province", query: benchProgressQuery, target: province, progress: true},
		{label: "progress unit", query: benchProgressQuery, target: commune, progress: true},
		{label: "ranking nation", query: benchRankingQuery, target: nation},
		{label: "ranking province", query: benchRankingQuery, target: province},
		{label: "progressSeries nation", query: benchSeriesQuery, target: nation},
		{label: "progressSeries province", query: benchSeriesQuery, target: province},
		{label: "progressSeries unit", query: benchSeriesQuery, target: commune},
	}
	fmt.Fprintf(stdout, "bench progress: %s, %d officials, year %d, %d rounds after %d warm-up, as %s\n",
		db.Dialect, officials, year, iterations, warmup, seed.NationalAdmin)
	fmt.Fprintf(stdout, "  province: %s\n  unit:     %s\n", province.label, commune.label)
	for round := range warmup + iterations {
		for _, q := range queries {
			var out struct {
				Progress struct{ Headcount int64 }
			}
			start := time.Now()
			if err := benchPost(ctx, h, token, q.query, map[string]any{"scope": q.target.scope, "year": year}, &out); err != nil {
				return fmt.Errorf("%s: %w", q.label, err)
			}
			if round >= warmup {
				q.times = append(q.times, time.Since(start))
			}
			if q.progress {
				q.headcount = out.Progress.Headcount
			}
		}
	}
	fmt.Fprintf(stdout, "  %-24s %10s %9s %9s %9s %9s\n", "query", "headcount", "median", "p90", "p99", "max")
	med := map[string]time.Duration{}
	for _, q := range queries {
		slices.Sort(q.times)
		hc := ""
		if q.progress {
			hc = fmt.Sprint(q.headcount)
		}
		med[q.label] = loadtest.Percentile(q.times, 0.5)
		fmt.Fprintf(stdout, "  %-24s %10s %9s %9s %9s %9s\n", q.label, hc, ms(loadtest.Percentile(q.times, 0.5)), ms(loadtest.Percentile(q.times, 0.9)),
			ms(loadtest.Percentile(q.times, 0.99)), ms(q.times[len(q.times)-1]))
	}
	ratio := float64(med["progress nation"]) / float64(med["progress unit"])
	worst := max(med["progress nation"], med["progress province"], med["progress unit"])
	fmt.Fprintf(stdout, "median(nation)/median(unit) = %.2f (target <= 3); slowest progress median %s (target < 100 ms): %s\n",
		ratio, ms(worst), map[bool]string{true: "met", false: "NOT met"}[ratio <= 3 && worst < 100*time.Millisecond])
	return nil
}

// benchLogin signs in with the demo password and returns the access token.
func benchLogin(ctx context.Context, h http.Handler, login string) (string, error) {
	var resp struct {
		Login struct {
			AccessToken string
			UserErrors  []struct{ Message string }
		}
	}
	if err := benchPost(ctx, h, "", `mutation($l: String!, $p: String!) { login(input: {login: $l, password: $p}) {
		accessToken userErrors { message } } }`, map[string]any{"l": login, "p": seed.DemoPassword}, &resp); err != nil {
		return "", fmt.Errorf("login: %w", err)
	}
	if resp.Login.AccessToken == "" {
		return "", fmt.Errorf("login as %s failed (%+v): run seed --national first", login, resp.Login.UserErrors)
	}
	return resp.Login.AccessToken, nil
}

// benchTargets finds the scopes to ask about.
func benchTargets(ctx context.Context, db *store.DB) (nation, province, commune benchTarget, officials int64, err error) {
	nation = benchTarget{label: "nation", scope: map[string]any{"national": true}}
	if err = db.SQL.QueryRowContext(ctx, `SELECT count(*) FROM officials`).Scan(&officials); err != nil {
		return
	}
	var id, code, name string
	var n int64
	err = db.SQL.QueryRowContext(ctx, `SELECT p.id, p.code, p.name, count(*) FROM officials o
		JOIN units u ON u.id = o.unit_officials JOIN provinces p ON p.id = u.province_units
		GROUP BY p.id, p.code, p.name ORDER BY count(*) DESC, p.code LIMIT 1`).Scan(&id, &code, &name, &n)
	if err != nil {
		return nation, province, commune, officials, fmt.Errorf("no province with officials (run seed --national first): %w", err)
	}
	province = benchTarget{label: fmt.Sprintf("%s %s (%d officials)", code, name, n), scope: map[string]any{"provinceId": id}}
	var children int64
	err = db.SQL.QueryRowContext(ctx, `SELECT p.id, p.name, count(DISTINCT c.id), count(o.id) FROM units p
		JOIN units c ON c.unit_children = p.id OR c.id = p.id
		JOIN officials o ON o.unit_officials = c.id
		WHERE p.level = 'COMMUNE' AND p.kind = 'PEOPLES_COMMITTEE'
		GROUP BY p.id, p.name HAVING count(DISTINCT c.id) > 1 ORDER BY count(o.id) DESC, p.id LIMIT 1`).
		Scan(&id, &name, &children, &n)
	if err != nil {
		return nation, province, commune, officials, fmt.Errorf("no commune people's committee with sub-units: %w", err)
	}
	commune = benchTarget{label: fmt.Sprintf("%s (%d units, %d officials)", name, children, n), scope: map[string]any{"unitId": id}}
	return nation, province, commune, officials, nil
}

// benchPost sends a GraphQL request through the handler and decodes its data into out; a
// response with errors is an error.
func benchPost(ctx context.Context, h http.Handler, token, query string, vars map[string]any, out any) error {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return err
	}
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/query", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var resp struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Message    string         `json:"message"`
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		return fmt.Errorf("status %d: %s", rec.Code, rec.Body.Bytes())
	}
	if len(resp.Errors) > 0 {
		return fmt.Errorf("%s (%v)", resp.Errors[0].Message, resp.Errors[0].Extensions["code"])
	}
	return json.Unmarshal(resp.Data, out)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond)) }
